-- External ids DigiUsher issued to an organization and that no data source uses yet. A role data
-- source must carry one of them (consumed when it is saved), so no one can choose another company's
-- external id: the confused-deputy guard of
-- https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html
create table {schema}.external_ids (
    external_id     text primary key,
    organization_id uuid        not null references {schema}.organizations (id) on delete cascade,
    issued_at       timestamptz not null default now()
);
create index external_ids_by_org on {schema}.external_ids (organization_id, issued_at);

-- One organization per role: the check before the insert takes this index to find the others.
create index data_sources_by_role on {schema}.data_sources (lower(role_arn)) where role_arn is not null;
