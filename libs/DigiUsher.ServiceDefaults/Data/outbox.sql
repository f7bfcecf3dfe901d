create table if not exists {schema}.outbox (
    id            bigint generated always as identity primary key,
    message_id    uuid        not null unique,
    message_type  text        not null,
    body          jsonb       not null,
    created_at    timestamptz not null default now(),
    dispatched_at timestamptz
);
create index if not exists outbox_pending on {schema}.outbox (id) where dispatched_at is null;
