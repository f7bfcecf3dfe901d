-- Subjects whose earlier access tokens are void (TokensRevoked), read by every replica's validator.
create table if not exists {schema}.revoked_tokens (
    subject        text primary key,
    revoked_before timestamptz not null,
    expires_at     timestamptz not null
);
