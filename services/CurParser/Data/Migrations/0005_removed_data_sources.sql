-- Data sources removed (DataSourceRemoved): the tombstone that outlives the purge of their deliveries,
-- imports and line items, so that a ReportAvailable still in flight does not import them again.
create table {schema}.data_sources (
    data_source_id  uuid primary key,
    organization_id uuid        not null,
    removed_at      timestamptz not null
);

-- A removed data source's row in data_sources is its tombstone (issue 18): a message about it that
-- arrives late (a delivery in flight, a run that was already going) must not write its rows again
-- after the purge. The insert is refused; the consumer that sent it checks the tombstone first and
-- drops the message, so this only stops the race between that check and the purge.
--
-- The trigger function refuse_removed_data_source is ServiceDefaults' shared migration 0000_refuse_removed
-- (libs/DigiUsher.ServiceDefaults/Data/refuse_removed.sql), applied before this script. A database migrated
-- before it was shared got its own copy here; the shared migration replaced that copy with the same function.
create trigger deliveries_refuse_removed before insert on {schema}.deliveries
    for each row execute function {schema}.refuse_removed_data_source();
create trigger imports_refuse_removed before insert on {schema}.imports
    for each row execute function {schema}.refuse_removed_data_source();
create trigger current_imports_refuse_removed before insert on {schema}.current_imports
    for each row execute function {schema}.refuse_removed_data_source();
