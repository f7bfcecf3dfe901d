-- The data sources CurPoller watches, kept from DataSourceConnected/Updated/Removed. A row whose
-- removed_at is set is a tombstone: a late Connected/Updated older than the removal changes nothing.
create table if not exists {schema}.data_sources (
    data_source_id    uuid primary key,
    organization_id   uuid        not null,
    name              text        not null default '',
    bucket            text        not null default '',
    prefix            text        not null default '',
    report_name       text,
    region            text        not null default '',
    payer_account_id  text,
    changed_at        timestamptz not null,
    removed_at        timestamptz,
    next_poll_at      timestamptz not null default now(),
    poll_requested_at timestamptz,
    poll_started_at   timestamptz,
    last_polled_at    timestamptz,
    last_poll_status  text,
    last_poll_reason  text,
    created_at        timestamptz not null default now()
);
create index if not exists data_sources_due on {schema}.data_sources (next_poll_at) where removed_at is null;

-- Every delivery CurPoller has published. The natural key makes "publish once" a unique constraint.
create table if not exists {schema}.deliveries (
    data_source_id    uuid        not null,
    billing_period    text        not null,
    delivery_id       text        not null,
    organization_id   uuid        not null,
    report_name       text        not null,
    format            text        not null,
    manifest_key      text,
    files             int         not null,
    detected_at       timestamptz not null,
    status            text        not null default 'published'
        check (status in ('published', 'imported', 'failed_transient', 'failed_permanent', 'abandoned')),
    attempts          int         not null default 1,
    last_published_at timestamptz not null,
    next_retry_at     timestamptz,
    last_error        text,
    primary key (data_source_id, billing_period, delivery_id)
);
create index if not exists deliveries_retry on {schema}.deliveries (data_source_id, next_retry_at) where status = 'failed_transient';
