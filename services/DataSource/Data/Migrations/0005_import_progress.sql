-- The progress of an import while it loads (CurParser's ReportImportProgressed snapshots): files done,
-- rows so far, rows per second, the expected end and the parser replica holding the delivery.
alter table {schema}.import_status
    add column files_done      int,
    add column rows_per_second double precision,
    add column started_at      timestamptz,
    add column expected_end_at timestamptz,
    add column replica         text,
    add column progress_at     timestamptz;
