-- How the last poll ended: the states of Lifecycle/PollStatus.cs (deliveries.status already lists
-- those of Lifecycle/DeliveryLifecycle.cs); a test compares them.
alter table {schema}.data_sources add constraint data_sources_last_poll_status check (last_poll_status in ('completed', 'failed'));
