-- Addresses each person signed in from: a sign-in from one of them is not held back when the login is
-- being guessed from many new addresses (LoginThrottle). Kept Auth:SignInProtection:KnownAddressDays;
-- a deleted user's go with them.
create table {schema}.sign_in_addresses (
    user_id           uuid        not null references {schema}.users (id) on delete cascade,
    address           text        not null,
    last_signed_in_at timestamptz not null,
    primary key (user_id, address)
);
