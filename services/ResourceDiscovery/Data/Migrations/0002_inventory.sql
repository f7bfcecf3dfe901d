-- Data sources as DataSource announces them (DataSourceConnected/Updated/Removed).
create table {schema}.data_sources (
    data_source_id      uuid primary key,
    organization_id     uuid not null,
    settings            jsonb not null,
    last_event_at       timestamptz not null,
    removed_at          timestamptz,
    run_requested_at    timestamptz,
    last_run_started_at timestamptz
);
create index data_sources_org on {schema}.data_sources (organization_id);

-- Kinds the data source's keys were refused (AccessDenied); skipped until the keys rotate.
create table {schema}.denied_features (
    data_source_id uuid not null references {schema}.data_sources (data_source_id) on delete cascade,
    feature        text not null,
    reason         text not null,
    denied_at      timestamptz not null default now(),
    primary key (data_source_id, feature)
);

-- One row per run; the partial unique index is the lock that allows one running run per data source.
create table {schema}.runs (
    run_id          uuid primary key,
    organization_id uuid not null,
    data_source_id  uuid not null,
    status          text not null check (status in ('running', 'completed', 'failed')),
    started_at      timestamptz not null default now(),
    finished_at     timestamptz,
    account_id      text,
    counts          jsonb,
    covered         jsonb,
    skipped         jsonb,
    reason          text
);
create unique index runs_one_running on {schema}.runs (data_source_id) where status = 'running';
create index runs_by_data_source on {schema}.runs (data_source_id, started_at desc);

-- The inventory: the latest state of every resource seen; gone_at set when a covering run missed it.
create table {schema}.resources (
    data_source_id  uuid not null,
    kind            text not null,
    resource_id     text not null,
    organization_id uuid not null,
    account_id      text not null,
    region          text not null,
    name            text,
    state           text,
    created_at      timestamptz,
    tags            jsonb not null default '{}',
    attributes      jsonb not null default '{}',
    cpu             jsonb,
    owner_email     text,
    owner_rule      text,
    first_seen_at   timestamptz not null,
    last_seen_at    timestamptz not null,
    last_run_id     uuid not null,
    gone_at         timestamptz,
    primary key (data_source_id, kind, resource_id)
);
create index resources_by_org on {schema}.resources (organization_id, kind);

-- Ordered owner assignment rules per organization (first match wins).
create table {schema}.owner_rules (
    rule_id         uuid primary key,
    organization_id uuid not null,
    position        int not null,
    match           text not null check (match in ('tagEquals', 'tagExists', 'namePrefix', 'resourceType', 'region')),
    key             text,
    value           text,
    owner_email     text not null,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    constraint owner_rules_position unique (organization_id, position) deferrable initially immediate
);
