-- What became of pulling each import's rollup, keyed by the import: written from CostsImported alone,
-- while query.imports is written from ReportImported alone (the two events arrive in either order).
create table {schema}.cost_loads (
    import_id       uuid primary key,
    organization_id uuid        not null,
    data_source_id  uuid        not null,
    billing_period  date        not null,
    status          text        not null check (status in ('pending', 'loaded', 'mismatch', 'superseded', 'failed')),
    detail          text,
    loaded_at       timestamptz,
    updated_at      timestamptz not null default now()
);
create index cost_loads_data_source on {schema}.cost_loads (data_source_id);

insert into {schema}.cost_loads (import_id, organization_id, data_source_id, billing_period, status, detail, loaded_at)
select import_id, organization_id, data_source_id, billing_period, costs_status, costs_detail, costs_loaded_at
from {schema}.imports where costs_status <> 'pending';

alter table {schema}.imports drop column costs_status, drop column costs_detail, drop column costs_loaded_at;
