-- The trace an outbox row was written in (W3C traceparent), so that its publish continues that trace:
-- one trace id from the poll that found a delivery to the costs Query pulled, across every service.
alter table {schema}.outbox add column if not exists trace_parent text;
