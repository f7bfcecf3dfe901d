-- A run's denied features of a removed data source are not written again (the run's completion checks the
-- tombstone first; the trigger closes the race with the purge, as on runs and resources).
create trigger denied_features_refuse_removed before insert on {schema}.denied_features
    for each row execute function {schema}.refuse_removed_data_source();
