-- The cost explorer read model (issue 19; services/Query/README.md "Table design"): the full daily rollup gains the
-- pricing unit, the cost categories and net amortized cost; two pre-aggregates replace daily_service_costs (one
-- without resources and labels, one per tag key or cost category); an hourly rollup for the recent days; the names
-- shown beside account and service ids.

-- Rows loaded before CurParser served net amortized cost: net amortized = amortized (no discount columns read).
alter table {schema}.daily_costs
    add column pricing_unit    text  not null default '',
    add column cost_categories jsonb not null default '{}',
    add column net_amortized   numeric;
update {schema}.daily_costs set net_amortized = amortized;
alter table {schema}.daily_costs alter column net_amortized set not null;

-- Per (day, account, service, region, usage type, line item type, unit, currency): what every query without a
-- resource, owner or label dimension reads.
create table {schema}.daily_dimension_costs (
    organization_id  uuid    not null,
    data_source_id   uuid    not null,
    billing_period   date    not null,
    day              date    not null,
    account_id       text    not null,
    product_code     text    not null,
    region           text    not null,
    usage_type       text    not null,
    line_item_type   text    not null,
    pricing_unit     text    not null,
    currency         text    not null,
    unblended        numeric not null,
    net_unblended    numeric not null,
    blended          numeric not null,
    amortized        numeric not null,
    net_amortized    numeric not null,
    public_on_demand numeric not null,
    usage_amount     numeric not null,
    line_items       bigint  not null
);
create index daily_dimension_costs_period on {schema}.daily_dimension_costs (data_source_id, billing_period);
create index daily_dimension_costs_org_day on {schema}.daily_dimension_costs (organization_id, day);

-- The same per label: one row per (tag key or cost category, its value, the dimensions above). Costs lacking the
-- label are not stored: a query computes them as the dimension total minus the labelled rows (exact in numeric).
create table {schema}.daily_label_costs (
    organization_id  uuid    not null,
    data_source_id   uuid    not null,
    billing_period   date    not null,
    label_kind       "char"  not null check (label_kind in ('t', 'c')),  -- t: resource tag, c: cost category
    label_key        text    not null,
    label_value      text    not null,
    day              date    not null,
    account_id       text    not null,
    product_code     text    not null,
    region           text    not null,
    usage_type       text    not null,
    line_item_type   text    not null,
    pricing_unit     text    not null,
    currency         text    not null,
    unblended        numeric not null,
    net_unblended    numeric not null,
    blended          numeric not null,
    amortized        numeric not null,
    net_amortized    numeric not null,
    public_on_demand numeric not null,
    usage_amount     numeric not null,
    line_items       bigint  not null
);
create index daily_label_costs_period on {schema}.daily_label_costs (data_source_id, billing_period);
create index daily_label_costs_org_key_day on {schema}.daily_label_costs (organization_id, label_kind, label_key, day);

insert into {schema}.daily_dimension_costs
select organization_id, data_source_id, billing_period, day, account_id, product_code, region, usage_type, line_item_type, pricing_unit,
    currency, sum(unblended), sum(net_unblended), sum(blended), sum(amortized), sum(net_amortized), sum(public_on_demand),
    sum(usage_amount), sum(line_items)
from {schema}.daily_costs
group by organization_id, data_source_id, billing_period, day, account_id, product_code, region, usage_type, line_item_type, pricing_unit, currency;

insert into {schema}.daily_label_costs
select c.organization_id, c.data_source_id, c.billing_period, 't', l.key, l.value, c.day, c.account_id, c.product_code, c.region,
    c.usage_type, c.line_item_type, c.pricing_unit, c.currency, sum(c.unblended), sum(c.net_unblended), sum(c.blended), sum(c.amortized),
    sum(c.net_amortized), sum(c.public_on_demand), sum(c.usage_amount), sum(c.line_items)
from {schema}.daily_costs c cross join lateral jsonb_each_text(c.tags) l
group by c.organization_id, c.data_source_id, c.billing_period, l.key, l.value, c.day, c.account_id, c.product_code, c.region,
    c.usage_type, c.line_item_type, c.pricing_unit, c.currency;

drop table {schema}.daily_service_costs;

-- The hourly rollup (no resource dimension) of the recent days (Costs:HourlyDays), for granularity hour.
create table {schema}.hourly_costs (
    organization_id  uuid        not null,
    data_source_id   uuid        not null,
    billing_period   date        not null,
    hour             timestamptz not null,
    account_id       text        not null,
    product_code     text        not null,
    region           text        not null,
    usage_type       text        not null,
    line_item_type   text        not null,
    pricing_unit     text        not null,
    tags             jsonb       not null,
    cost_categories  jsonb       not null,
    currency         text        not null,
    unblended        numeric     not null,
    net_unblended    numeric     not null,
    blended          numeric     not null,
    amortized        numeric     not null,
    net_amortized    numeric     not null,
    public_on_demand numeric     not null,
    usage_amount     numeric     not null,
    line_items       bigint      not null
);
create index hourly_costs_period on {schema}.hourly_costs (data_source_id, billing_period);
create index hourly_costs_org_hour on {schema}.hourly_costs (organization_id, hour);

-- What a cost answer is made of: the delivery each loaded period came from and the day of its newest usage.
alter table {schema}.cost_periods add column delivery_id text, add column last_usage_day date;
update {schema}.cost_periods p set delivery_id = i.delivery_id
from {schema}.imports i where i.data_source_id = p.data_source_id and i.billing_period = p.billing_period and i.import_id = p.import_id;
update {schema}.cost_periods p set last_usage_day = (
    select max(day) from {schema}.daily_costs c where c.data_source_id = p.data_source_id and c.billing_period = p.billing_period);

-- Names shown beside ids, per data source (a tenant's CUR names only its own accounts and services, and removing a
-- data source removes what it said). Account names have a source each: 'cur' from the CUR's account-name columns;
-- others (AWS Organizations) may be added, and account_display_names picks the best one: every reader takes
-- account names from that view.
create table {schema}.account_names (
    organization_id uuid        not null,
    data_source_id  uuid        not null,
    account_id      text        not null,
    source          text        not null check (source in ('cur', 'organizations')),
    name            text        not null,
    updated_at      timestamptz not null default now(),
    primary key (data_source_id, account_id, source)
);
create index account_names_org on {schema}.account_names (organization_id, account_id);

create view {schema}.account_display_names as
    select distinct on (organization_id, account_id) organization_id, account_id, name, source
    from {schema}.account_names
    order by organization_id, account_id, case source when 'organizations' then 0 else 1 end, updated_at desc;

create table {schema}.service_names (
    organization_id uuid        not null,
    data_source_id  uuid        not null,
    product_code    text        not null,
    name            text        not null,
    updated_at      timestamptz not null default now(),
    primary key (data_source_id, product_code)
);
create index service_names_org on {schema}.service_names (organization_id, product_code);

create view {schema}.service_display_names as
    select distinct on (organization_id, product_code) organization_id, product_code, name
    from {schema}.service_names
    order by organization_id, product_code, updated_at desc;

insert into {schema}.service_names (organization_id, data_source_id, product_code, name)
select organization_id, data_source_id, product_code, max(service_name) from {schema}.daily_costs
where service_name <> '' and service_name <> product_code group by organization_id, data_source_id, product_code;

-- The kind of a resource only seen in the costs, from its id's prefix (EC2 ids; the CUR's other ids are ARNs).
create function {schema}.inferred_resource_kind(resource_key text) returns text language sql immutable as $$
    select case
        when resource_key like 'i-%' then 'ec2-instance'
        when resource_key like 'vol-%' then 'ebs-volume'
        when resource_key like 'snap-%' then 'ebs-snapshot'
        when resource_key like 'eipalloc-%' then 'elastic-ip' end
$$;
