-- The rollup read models pull (issue 19): account names (CUR 2.0), net amortized cost, and in the daily rollup the
-- pricing unit (usage amounts are summed per unit), the cost categories and the account name. Adding a column with
-- a constant default is a catalog change in Postgres 11+: the partitions of earlier imports are not rewritten.
-- Their line items keep net_amortized null (the rollup then serves the amortized cost) and their daily rollup has
-- no categories, unit or name until the period is imported again.
alter table {schema}.line_items
    add column usage_account_name text not null default '',
    add column net_amortized      numeric;

alter table {schema}.daily_costs
    add column usage_account_name text    not null default '',
    add column pricing_unit       text    not null default '',
    add column cost_categories    jsonb   not null default '{}',
    add column net_amortized      numeric;
