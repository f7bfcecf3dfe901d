-- Operators' re-import requests (ReimportRequested): the next poll announces the period's newest
-- delivery anew, with the request's key, and closes the request (announced, or why not).
create table {schema}.reimport_requests (
    request_key     text primary key,
    data_source_id  uuid        not null,
    organization_id uuid        not null,
    billing_period  text        not null,
    requested_at    timestamptz not null,
    closed_at       timestamptz,
    delivery_id     text,
    outcome         text
);
create index reimport_requests_open on {schema}.reimport_requests (data_source_id) where closed_at is null;
