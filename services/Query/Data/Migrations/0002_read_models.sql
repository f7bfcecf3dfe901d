-- Read models of the Query service, built only from events (see services/Query/README.md).

create table if not exists {schema}.data_sources (
    data_source_id    uuid primary key,
    organization_id   uuid        not null,
    name              text        not null,
    bucket            text        not null,
    prefix            text        not null,
    report_name       text,
    region            text        not null,
    payer_account_id  text,
    created_by_email  text        not null,
    removed_at        timestamptz,
    changed_at        timestamptz not null
);
create index if not exists data_sources_org on {schema}.data_sources (organization_id);

-- The import that is current per (data source, billing period); an older import never replaces a newer one.
create table if not exists {schema}.imports (
    data_source_id   uuid        not null,
    billing_period   date        not null,
    organization_id  uuid        not null,
    import_id        uuid        not null,
    delivery_id      text        not null,
    row_count        bigint      not null,
    files            int,
    duration_ms      bigint,
    totals           jsonb       not null,
    is_final         boolean     not null,
    imported_at      timestamptz not null,
    costs_status     text        not null default 'pending',
    costs_detail     text,
    costs_loaded_at  timestamptz,
    primary key (data_source_id, billing_period)
);
create index if not exists imports_org on {schema}.imports (organization_id);

-- Which import's rollup is loaded in daily_costs for a (data source, billing period).
create table if not exists {schema}.cost_periods (
    data_source_id  uuid        not null,
    billing_period  date        not null,
    organization_id uuid        not null,
    import_id       uuid        not null,
    imported_at     timestamptz not null,
    loaded_at       timestamptz not null default now(),
    primary key (data_source_id, billing_period)
);

-- CurParser's daily rollup of the current import, replaced per (data source, billing period) in one transaction.
create table if not exists {schema}.daily_costs (
    organization_id  uuid    not null,
    data_source_id   uuid    not null,
    billing_period   date    not null,
    import_id        uuid    not null,
    day              date    not null,
    account_id       text    not null,
    product_code     text    not null,
    service_name     text    not null,
    region           text    not null,
    usage_type       text    not null,
    line_item_type   text    not null,
    resource_id      text    not null,
    resource_key     text    not null,
    tags             jsonb   not null,
    currency         text    not null,
    unblended        numeric not null,
    net_unblended    numeric not null,
    blended          numeric not null,
    amortized        numeric not null,
    public_on_demand numeric not null,
    usage_amount     numeric not null,
    line_items       bigint  not null
);
create index if not exists daily_costs_period on {schema}.daily_costs (data_source_id, billing_period);
create index if not exists daily_costs_org_day on {schema}.daily_costs (organization_id, day);
create index if not exists daily_costs_resource on {schema}.daily_costs (organization_id, resource_key, day) where resource_key <> '';

-- Pre-aggregate per (day, account, service, region, currency): queries that group and filter only on those
-- dimensions (the common dashboard views) read this instead of the wide rollup. Rebuilt with daily_costs.
create table if not exists {schema}.daily_service_costs (
    organization_id  uuid    not null,
    data_source_id   uuid    not null,
    billing_period   date    not null,
    day              date    not null,
    account_id       text    not null,
    product_code     text    not null,
    service_name     text    not null,
    region           text    not null,
    currency         text    not null,
    unblended        numeric not null,
    net_unblended    numeric not null,
    blended          numeric not null,
    amortized        numeric not null,
    public_on_demand numeric not null,
    usage_amount     numeric not null,
    line_items       bigint  not null
);
create index if not exists daily_service_costs_period on {schema}.daily_service_costs (data_source_id, billing_period);
create index if not exists daily_service_costs_org_day on {schema}.daily_service_costs (organization_id, day);

create table if not exists {schema}.resources (
    data_source_id   uuid        not null,
    resource_id      text        not null,
    organization_id  uuid        not null,
    account_id       text        not null,
    kind             text        not null,
    name             text,
    region           text        not null,
    state            text,
    created_at       timestamptz,
    tags             jsonb       not null,
    attributes       jsonb       not null,
    owner_email      text,
    owner_rule       text,
    cpu              jsonb,
    run_id           uuid        not null,
    discovered_at    timestamptz not null,
    first_seen_at    timestamptz not null,
    gone_at          timestamptz,
    primary key (data_source_id, resource_id)
);
create index if not exists resources_org on {schema}.resources (organization_id, kind);
create index if not exists resources_owner on {schema}.resources (organization_id, lower(owner_email));

create table if not exists {schema}.discovery_runs (
    run_id          uuid primary key,
    organization_id uuid        not null,
    data_source_id  uuid        not null,
    account_id      text        not null,
    covered         text[]      not null,
    skipped         jsonb       not null,
    started_at      timestamptz not null,
    completed_at    timestamptz not null
);

-- Idle: at least min_days days of CPU data in the window, and every one of them below the threshold.
create or replace function {schema}.is_idle(cpu jsonb, threshold double precision, min_days int, window_start date)
returns boolean language sql immutable as $$
    select coalesce((
        select count(*) >= min_days and bool_and((e->>'average')::double precision < threshold)
        from jsonb_array_elements(case when jsonb_typeof(cpu) = 'array' then cpu else '[]'::jsonb end) e
        where (e->>'day')::date >= window_start), false)
$$;
