create table {schema}.organizations (
    id         uuid primary key,
    name       text        not null,
    created_at timestamptz not null default now()
);

-- One account per email across the platform: the email is the login name.
create table {schema}.users (
    id                    uuid primary key,
    organization_id       uuid        not null references {schema}.organizations (id) on delete cascade,
    email                 text        not null,
    email_normalized      text        not null unique,
    role                  text        not null check (role in ('admin', 'member')),
    password_hash         text,
    invitation_hash       text unique,
    invitation_expires_at timestamptz,
    invited_by            uuid,
    created_at            timestamptz not null default now(),
    activated_at          timestamptz
);

create table {schema}.service_clients (
    id              uuid primary key,
    organization_id uuid        not null references {schema}.organizations (id) on delete cascade,
    name            text        not null,
    client_id       text        not null unique,
    secret_hash     bytea       not null,
    created_by      uuid        not null,
    created_at      timestamptz not null default now(),
    revoked_at      timestamptz,
    unique (organization_id, name)
);

-- Failed logins per (login name, client address); shared by every replica.
create table {schema}.login_failures (
    throttle_key     text primary key,
    failures         int         not null,
    first_failure_at timestamptz not null,
    locked_until     timestamptz
);

create table {schema}.data_sources (
    id                 uuid primary key,
    organization_id    uuid        not null references {schema}.organizations (id) on delete cascade,
    name               text        not null,
    kind               text        not null check (kind = 'aws-root'),
    auth_type          text        not null check (auth_type in ('access-key', 'role')),
    access_key_id      text,
    secret_ciphertext  bytea,
    secret_key_id      text,
    role_arn           text,
    external_id        text,
    bucket             text        not null,
    prefix             text        not null default '',
    report_name        text,
    region             text        not null,
    payer_account_id   text        not null default '',
    disabled_features  text[]      not null default '{}',
    validation         jsonb,
    validated_at       timestamptz,
    version            int         not null default 1,
    created_by_user_id uuid        not null,
    created_by_email   text        not null,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now(),
    check ((auth_type = 'access-key' and access_key_id is not null and secret_ciphertext is not null and secret_key_id is not null)
        or (auth_type = 'role' and role_arn is not null and external_id is not null))
);

create unique index data_sources_natural_key
    on {schema}.data_sources (organization_id, payer_account_id, bucket, prefix, coalesce(report_name, ''));
create index data_sources_by_org on {schema}.data_sources (organization_id, created_at, id);

create table {schema}.poll_status (
    data_source_id     uuid primary key references {schema}.data_sources (id) on delete cascade,
    last_poll_at       timestamptz not null,
    succeeded          boolean     not null,
    report_name        text,
    billing_periods    int,
    deliveries_found   int,
    latest_delivery_id text,
    error              text,
    denied_action      text,
    last_success_at    timestamptz
);

create table {schema}.import_status (
    data_source_id uuid        not null references {schema}.data_sources (id) on delete cascade,
    billing_period text        not null,
    delivery_id    text        not null,
    import_id      uuid,
    state          text        not null check (state in ('started', 'imported', 'failed')),
    rows           bigint,
    files          int,
    totals         jsonb,
    is_final       boolean,
    error          text,
    error_file     text,
    error_row      bigint,
    transient      boolean,
    updated_at     timestamptz not null,
    primary key (data_source_id, billing_period, delivery_id)
);

create table {schema}.discovery_status (
    data_source_id uuid primary key references {schema}.data_sources (id) on delete cascade,
    run_id         uuid        not null,
    succeeded      boolean     not null,
    account_id     text,
    counts         jsonb,
    skipped        jsonb,
    error          text,
    finished_at    timestamptz not null
);
