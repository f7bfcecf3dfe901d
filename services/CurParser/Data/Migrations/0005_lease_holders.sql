-- The lease names its holder (a replica, one per process), and each holder renews a liveness mark
-- every few seconds. A delivery leased by a holder whose mark went stale is taken over at once
-- instead of when its (minutes-long) lease runs out; a live holder, however slow its import, keeps
-- renewing its mark and is never robbed.
create table {schema}.lease_holders (
    holder     text        primary key,
    renewed_at timestamptz not null
);

alter table {schema}.deliveries add column lease_holder text;
