-- aws-linked data sources: a member account billed by its root's CUR, with no imports of its own. Its
-- costs are the root's cost rows of its account id (Costs/CostScope.cs); its resources are discovered
-- under its own id and priced by its root's rows.
alter table {schema}.data_sources
    add column kind text not null default 'aws-root',
    add column parent_data_source_id uuid,
    add column account_id text;
create index data_sources_by_parent on {schema}.data_sources (parent_data_source_id) where parent_data_source_id is not null;
