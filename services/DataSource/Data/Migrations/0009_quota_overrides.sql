-- An operator's override of one organization's quotas (a big customer at month-end): each value set
-- replaces the configured default (section Quotas) for that organization, a null one leaves the default;
-- until expires_at when it is set. DataSource enforces the data sources per organization and hands the
-- others to CurPoller and CurParser with the data source's credentials. Deleted with its organization.
-- (0009: 0007 is the identity branch's mail and audit tables, 0008 the sign-in addresses.)
create table {schema}.quota_overrides (
    organization_id               uuid primary key references {schema}.organizations (id) on delete cascade,
    data_sources_per_organization int,
    keys_listed_per_poll          int,
    manifest_bytes                bigint,
    delivery_bytes                bigint,
    delivery_rows                 bigint,
    reason                        text        not null,
    expires_at                    timestamptz,
    updated_at                    timestamptz not null default now(),
    updated_by                    text        not null,
    constraint quota_overrides_something check (num_nonnulls(data_sources_per_organization, keys_listed_per_poll, manifest_bytes, delivery_bytes, delivery_rows) > 0)
);
