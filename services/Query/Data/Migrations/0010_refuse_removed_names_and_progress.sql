-- The tables added since 0006 that late messages write to refuse a removed data source's rows too: the
-- imports in progress (ReportImportProgressed) and the account and service names (a cost load, and
-- OrganizationAccountsListed). Their writers check the tombstone first; the trigger closes the race with
-- the purge, as on the other tables.
create trigger imports_in_progress_refuse_removed before insert on {schema}.imports_in_progress
    for each row execute function {schema}.refuse_removed_data_source();
create trigger account_names_refuse_removed before insert on {schema}.account_names
    for each row execute function {schema}.refuse_removed_data_source();
create trigger service_names_refuse_removed before insert on {schema}.service_names
    for each row execute function {schema}.refuse_removed_data_source();
