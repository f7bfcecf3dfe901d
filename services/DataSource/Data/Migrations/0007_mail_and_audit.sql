-- Emails DataSource sends (password reset, email verification), written in the transaction that decides
-- them and sent by the SMTP sender (EmailOutboxSender). The body holds a one-time code, so it is encrypted at
-- rest like every secret (the mail's id is the associated data) and cleared once sent; a mail not sent before
-- its code expires is dropped (the code is useless then).
create table {schema}.email_outbox (
    id              uuid primary key,
    organization_id uuid        not null references {schema}.organizations (id) on delete cascade,
    user_id         uuid        references {schema}.users (id) on delete cascade,
    to_address      text        not null,
    subject         text        not null,
    body_ciphertext bytea,
    body_key_id     text,
    created_at      timestamptz not null default now(),
    expires_at      timestamptz not null,
    next_attempt_at timestamptz not null default now(),
    attempts        int         not null default 0,
    sent_at         timestamptz,
    last_error      text
);
create index email_outbox_due on {schema}.email_outbox (next_attempt_at) where sent_at is null;

-- One-time codes mailed to a user (stored as SHA-256 only): a password reset or an email verification.
-- Single use (used_at), short-lived (expires_at).
create table {schema}.user_codes (
    code_hash  bytea primary key,
    user_id    uuid        not null references {schema}.users (id) on delete cascade,
    purpose    text        not null check (purpose in ('password-reset', 'email-verification')),
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    used_at    timestamptz
);
create index user_codes_by_user on {schema}.user_codes (user_id, purpose, created_at);

-- Users from before verification existed, and invited users (their admin vouched for the address), count as verified.
alter table {schema}.users add column email_verified_at timestamptz;
update {schema}.users set email_verified_at = coalesce(activated_at, created_at);

-- Who did what in an organization: sign-ins and their failures, user lifecycle, data sources, service
-- clients. Deleted with its organization.
create table {schema}.audit_events (
    id              uuid primary key,
    organization_id uuid        not null references {schema}.organizations (id) on delete cascade,
    occurred_at     timestamptz not null default now(),
    actor_type      text        not null check (actor_type in ('user', 'service-client', 'anonymous', 'system')),
    actor_id        text,
    actor_email     text,
    action          text        not null,
    outcome         text        not null check (outcome in ('succeeded', 'failed')),
    target_type     text,
    target_id       text,
    client_address  text,
    correlation_id  text,
    detail          jsonb
);
create index audit_events_by_org on {schema}.audit_events (organization_id, occurred_at desc, id desc);
create index audit_events_by_org_action on {schema}.audit_events (organization_id, action, occurred_at desc);
