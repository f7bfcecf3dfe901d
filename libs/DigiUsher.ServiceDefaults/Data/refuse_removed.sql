-- The guard of a removed data source's tombstone (its row in data_sources, issue 18), one definition for
-- every schema that keeps one (DataSourcePurge): a message about the data source that arrives late (a
-- delivery in flight, a run that was already going) must not write its rows again after the purge. The
-- consumer that sent it checks the tombstone first and drops the message; the trigger stops the race
-- between that check and the purge.
--
-- The purge lock's key, here only: the purge takes it exclusively before it writes the tombstone
-- (DataSourcePurge.ExcludeWritersAsync calls this function), the trigger shared. So a writer whose
-- transaction began before the tombstone was committed either commits before the purge deletes (and its
-- rows go with the rest), or waits for the purge and then sees the tombstone. Without the lock, rows
-- inserted but not committed when the purge ran were invisible to its deletes and survived it.
create or replace function {schema}.purge_lock_key(data_source_id uuid) returns bigint language sql immutable as $$
    select hashtextextended('{schema}:' || data_source_id::text, 0)
$$;

-- A schema's migrations install it on each table late messages write to:
--   create trigger <table>_refuse_removed before insert on {schema}.<table>
--       for each row execute function {schema}.refuse_removed_data_source();
create or replace function {schema}.refuse_removed_data_source() returns trigger language plpgsql as $$
begin
    perform pg_advisory_xact_lock_shared({schema}.purge_lock_key(new.data_source_id));
    if exists (select 1 from {schema}.data_sources d where d.data_source_id = new.data_source_id and d.removed_at is not null) then
        raise exception 'data source % was removed; its data is not written again', new.data_source_id using errcode = 'check_violation';
    end if;
    return new;
end
$$;
