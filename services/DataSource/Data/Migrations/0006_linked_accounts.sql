-- aws-linked data sources: a member account of a root data source's AWS Organization, connected with its own
-- credentials and no bucket (its costs are the payer's CUR lines of its account id). A root with linked
-- accounts cannot be deleted before them (the foreign key restricts).
alter table {schema}.data_sources drop constraint data_sources_kind_check;
alter table {schema}.data_sources add constraint data_sources_kind_check check (kind in ('aws-root', 'aws-linked'));
alter table {schema}.data_sources
    add column parent_data_source_id uuid references {schema}.data_sources (id),
    add column account_id text not null default '';
alter table {schema}.data_sources add constraint data_sources_linked_shape
    check ((kind = 'aws-root' and parent_data_source_id is null) or (kind = 'aws-linked' and parent_data_source_id is not null and account_id <> ''));
create index data_sources_by_parent on {schema}.data_sources (parent_data_source_id) where parent_data_source_id is not null;

-- A root is one (payer account, bucket, prefix, report); a linked account is linked once per organization.
drop index {schema}.data_sources_natural_key;
create unique index data_sources_natural_key
    on {schema}.data_sources (organization_id, payer_account_id, bucket, prefix, coalesce(report_name, '')) where kind = 'aws-root';
create unique index data_sources_linked_account on {schema}.data_sources (organization_id, account_id) where kind = 'aws-linked';
