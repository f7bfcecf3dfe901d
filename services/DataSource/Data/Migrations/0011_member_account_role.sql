-- The role, by name, DataSource assumes in every member account of a root data source's AWS Organization
-- so that discovery covers them (null: only the payer account is discovered). A plain IAM role name.
alter table {schema}.data_sources add column member_account_role text;
alter table {schema}.data_sources add constraint data_sources_member_account_role_shape
    check (member_account_role is null or (kind = 'aws-root' and member_account_role ~ '^[A-Za-z0-9_+=,.@-]{1,64}$'));
