-- The refusal of a removed data source's rows raced with its purge: a writer whose transaction
-- began before the tombstone was committed passed the check, and its rows, not yet committed when
-- the purge deleted, survived it (seen as a discovery run's resources left after a removal). The
-- trigger now takes the data source's purge lock shared; the purge takes it exclusively before it
-- writes the tombstone (DataSourcePurge.ExcludeWritersAsync, same key). So a writer either commits
-- before the purge deletes, or waits for the purge and then sees the tombstone.
--
-- That function is now ServiceDefaults' shared migration 0000_refuse_removed (refuse_removed.sql), one
-- definition for every schema, applied before this script; this one has nothing left to do.
select 1;
