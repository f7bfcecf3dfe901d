-- The datasource schema itself and its outbox are created by the migration runner.
create table if not exists {schema}.processed_messages (
    message_id   uuid primary key,
    processed_at timestamptz not null default now()
);
