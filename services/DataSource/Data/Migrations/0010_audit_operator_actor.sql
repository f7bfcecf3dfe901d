-- DigiUsher's operators (the admin CLI's identity: quota overrides) appear in an organization's audit log as 'operator'.
alter table {schema}.audit_events drop constraint audit_events_actor_type_check;
alter table {schema}.audit_events add constraint audit_events_actor_type_check
    check (actor_type in ('user', 'service-client', 'operator', 'anonymous', 'system'));
