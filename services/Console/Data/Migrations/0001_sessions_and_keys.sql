-- The console owns only these two tables; no other service reads them.

-- Data-protection keys shared by the console's replicas (cookies, sessions, antiforgery tokens).
create table {schema}.data_protection_keys (
    name       text        primary key,
    xml        text        not null,
    created_at timestamptz not null default now()
);

-- Server-side sessions: the cookie holds the id, the ticket (claims and the API access token) stays
-- here, encrypted with the keys above.
create table {schema}.sessions (
    id         text        primary key,
    user_id    uuid        not null,
    ticket     bytea       not null,
    expires_at timestamptz not null,
    created_at timestamptz not null default now()
);

create index sessions_expires_at on {schema}.sessions (expires_at);
create index sessions_user_id on {schema}.sessions (user_id);
