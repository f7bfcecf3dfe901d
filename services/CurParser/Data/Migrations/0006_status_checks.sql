-- The statuses of DeliveryLifecycle and ImportLifecycle (services/CurParser/Lifecycle); a test compares them.
alter table {schema}.deliveries add constraint deliveries_status check (status in ('pending', 'imported', 'superseded', 'failed'));
alter table {schema}.imports add constraint imports_status check (status in ('loading', 'current', 'replaced', 'superseded', 'failed', 'cancelled'));
