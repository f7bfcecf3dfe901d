-- The refusal of a removed data source's rows raced with its purge: a writer whose transaction
-- began before the tombstone was committed passed the check, and its rows, not yet committed when
-- the purge deleted, survived it (seen as a discovery run's resources left after a removal). The
-- trigger now takes the data source's purge lock shared; the purge takes it exclusively before it
-- writes the tombstone (DataSourcePurge.ExcludeWritersAsync, same key). So a writer either commits
-- before the purge deletes, or waits for the purge and then sees the tombstone.
create or replace function {schema}.refuse_removed_data_source() returns trigger language plpgsql as $$
begin
    perform pg_advisory_xact_lock_shared(hashtextextended('{schema}:' || new.data_source_id::text, 0));
    if exists (select 1 from {schema}.data_sources d where d.data_source_id = new.data_source_id and d.removed_at is not null) then
        raise exception 'data source % was removed; its data is not written again', new.data_source_id using errcode = 'check_violation';
    end if;
    return new;
end
$$;
