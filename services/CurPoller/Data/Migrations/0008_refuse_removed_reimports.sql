-- A re-import request of a removed data source is not written again (the request's consumer checks the
-- tombstone in the same statement; the trigger closes the race with the purge, as on deliveries).
create trigger reimport_requests_refuse_removed before insert on {schema}.reimport_requests
    for each row execute function {schema}.refuse_removed_data_source();
