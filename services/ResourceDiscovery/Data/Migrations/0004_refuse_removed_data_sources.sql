-- A removed data source's row in data_sources is its tombstone (issue 18): a message about it that
-- arrives late (a delivery in flight, a run that was already going) must not write its rows again
-- after the purge. The insert is refused; the consumer that sent it checks the tombstone first and
-- drops the message, so this only stops the race between that check and the purge.
--
-- The trigger function refuse_removed_data_source is ServiceDefaults' shared migration 0000_refuse_removed
-- (libs/DigiUsher.ServiceDefaults/Data/refuse_removed.sql), applied before this script. A database migrated
-- before it was shared got its own copy here; the shared migration replaced that copy with the same function.
create trigger runs_refuse_removed before insert on {schema}.runs
    for each row execute function {schema}.refuse_removed_data_source();
create trigger resources_refuse_removed before insert on {schema}.resources
    for each row execute function {schema}.refuse_removed_data_source();
