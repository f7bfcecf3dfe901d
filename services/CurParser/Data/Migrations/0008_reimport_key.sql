-- The operator's re-import request (ReimportRequested's key) that last reopened the delivery: a
-- redelivered re-import announcement reopens it only once.
alter table {schema}.deliveries add column reimport_key text;
