-- Imports loading now, from CurParser's ReportImportProgressed snapshots (files done, rows so far,
-- rows per second, expected end, the replica holding the delivery). A row ends with the import's
-- ReportImported or ReportImportFailed; one that stops reporting (its parser died) goes stale.
create table {schema}.imports_in_progress (
    import_id       uuid primary key,
    organization_id uuid             not null,
    data_source_id  uuid             not null,
    billing_period  date             not null,
    delivery_id     text             not null,
    files_done      int              not null,
    files           int              not null,
    rows            bigint           not null,
    rows_per_second double precision not null,
    started_at      timestamptz      not null,
    expected_end_at timestamptz,
    replica         text             not null,
    reported_at     timestamptz      not null,
    ended_at        timestamptz
);
create index imports_in_progress_org on {schema}.imports_in_progress (organization_id, reported_at) where ended_at is null;
