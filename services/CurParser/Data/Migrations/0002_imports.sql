-- One row per delivery seen: the lease that keeps two parsers off the same delivery, and whether it is done.
create table {schema}.deliveries (
    data_source_id   uuid        not null,
    delivery_id      text        not null,
    organization_id  uuid        not null,
    billing_period   text        not null,
    detected_at      timestamptz not null,
    status           text        not null default 'pending',  -- pending | imported | superseded | failed
    lease_owner      text,
    lease_expires_at timestamptz,
    import_id        uuid,
    primary key (data_source_id, delivery_id)
);

create table {schema}.imports (
    import_id       uuid primary key,
    organization_id uuid        not null,
    data_source_id  uuid        not null,
    billing_period  text        not null,
    delivery_id     text        not null,
    detected_at     timestamptz not null,
    status          text        not null,  -- loading | current | replaced | superseded | failed | cancelled
    files           text[]      not null,  -- provenance: line_items.file_index indexes this array (1-based)
    rows            bigint,
    totals          jsonb,
    warnings        jsonb       not null default '[]',
    is_final        boolean     not null default false,
    failure         text,
    started_at      timestamptz not null default now(),
    completed_at    timestamptz
);
create index imports_period on {schema}.imports (data_source_id, billing_period);

-- What readers see: exactly one import per (data source, billing period), swapped in one transaction.
create table {schema}.current_imports (
    data_source_id  uuid        not null,
    billing_period  text        not null,
    import_id       uuid        not null references {schema}.imports (import_id),
    delivery_id     text        not null,
    detected_at     timestamptz not null,
    made_current_at timestamptz not null default now(),
    primary key (data_source_id, billing_period)
);

-- Line items, partitioned by import: a load is a COPY into a fresh partition without indexes, and
-- removing a replaced import is a DROP of its partition (no delete, no vacuum).
create table {schema}.line_items (
    import_id          uuid        not null,
    file_index         smallint    not null,
    row_number         bigint      not null,
    usage_account_id   text        not null,
    payer_account_id   text        not null,
    line_item_type     text        not null,
    product_code       text        not null,
    service_name       text        not null,
    usage_type         text        not null,
    operation          text        not null,
    region             text        not null,
    availability_zone  text        not null,
    resource_id        text        not null,
    usage_start        timestamptz not null,
    usage_end          timestamptz not null,
    usage_amount       numeric     not null,
    pricing_unit       text        not null,
    currency           text        not null,
    unblended          numeric     not null,
    net_unblended      numeric     not null,
    blended            numeric     not null,
    amortized          numeric     not null,
    public_on_demand   numeric     not null,
    invoice_id         text        not null,
    tags               jsonb       not null,
    cost_categories    jsonb       not null
) partition by list (import_id);

create table {schema}.daily_costs (
    import_id        uuid    not null,
    day              date    not null,
    usage_account_id text    not null,
    product_code     text    not null,
    service_name     text    not null,
    region           text    not null,
    usage_type       text    not null,
    line_item_type   text    not null,
    resource_id      text    not null,
    tags             jsonb   not null,
    currency         text    not null,
    unblended        numeric not null,
    net_unblended    numeric not null,
    blended          numeric not null,
    amortized        numeric not null,
    public_on_demand numeric not null,
    usage_amount     numeric not null,
    line_items       bigint  not null
) partition by list (import_id);

-- The line items of the current import of each period: what a reader queries.
create view {schema}.current_line_items as
    select li.*, c.data_source_id, c.billing_period
    from {schema}.line_items li
    join {schema}.current_imports c on c.import_id = li.import_id;
