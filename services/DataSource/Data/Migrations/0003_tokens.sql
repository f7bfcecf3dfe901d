-- Token signing keys (ES256). The private key is encrypted at rest like every secret (key id beside it,
-- the key's own id as associated data). A key is published from created_at, signs from active_from
-- until the next key's active_from, and stays published until retire_at, when its last token expired.
create table {schema}.signing_keys (
    kid                text primary key,
    algorithm          text        not null check (algorithm = 'ES256'),
    private_ciphertext bytea       not null,
    encryption_key_id  text        not null,
    public_jwk         text        not null,
    created_at         timestamptz not null default now(),
    active_from        timestamptz not null unique,
    retire_at          timestamptz not null
);

-- Refresh tokens (opaque, stored as SHA-256), rotated on every use. A family is one sign-in: reusing a
-- spent token revokes the whole family (RFC 9700 section 4.14.2).
create table {schema}.refresh_tokens (
    token_hash  bytea primary key,
    family_id   uuid        not null,
    user_id     uuid        not null references {schema}.users (id) on delete cascade,
    client_id   text        not null,
    scopes      text[]      not null,
    created_at  timestamptz not null default now(),
    expires_at  timestamptz not null,
    used_at     timestamptz,
    revoked_at  timestamptz
);
create index refresh_tokens_family on {schema}.refresh_tokens (family_id);
create index refresh_tokens_user on {schema}.refresh_tokens (user_id);

-- A service client holds the scopes its admin granted; its secrets overlap during a rotation.
alter table {schema}.service_clients add column scopes text[] not null default '{}';
-- Clients from before scopes read what the old 'service' role let them read, no people and no changes.
update {schema}.service_clients set scopes = '{costs:read,resources:read,findings:read,imports:read,data-sources:read}';
create table {schema}.service_client_secrets (
    id          uuid primary key,
    client_id   uuid        not null references {schema}.service_clients (id) on delete cascade,
    secret_hash bytea       not null,
    created_at  timestamptz not null default now(),
    expires_at  timestamptz
);
create index service_client_secrets_by_client on {schema}.service_client_secrets (client_id);
insert into {schema}.service_client_secrets (id, client_id, secret_hash, created_at)
select gen_random_uuid(), id, secret_hash, created_at from {schema}.service_clients;
alter table {schema}.service_clients drop column secret_hash;

-- A user's lifecycle: disabled users keep their row (and audit trail) but can do nothing.
alter table {schema}.users add column disabled_at timestamptz;
alter table {schema}.users add column password_changed_at timestamptz;
