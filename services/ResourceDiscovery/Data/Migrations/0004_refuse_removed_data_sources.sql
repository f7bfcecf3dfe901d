-- A removed data source's row in data_sources is its tombstone (issue 18): a message about it that
-- arrives late (a delivery in flight, a run that was already going) must not write its rows again
-- after the purge. The insert is refused; the consumer that sent it checks the tombstone first and
-- drops the message, so this only stops the race between that check and the purge.
create or replace function {schema}.refuse_removed_data_source() returns trigger language plpgsql as $$
begin
    if exists (select 1 from {schema}.data_sources d where d.data_source_id = new.data_source_id and d.removed_at is not null) then
        raise exception 'data source % was removed; its data is not written again', new.data_source_id using errcode = 'check_violation';
    end if;
    return new;
end
$$;

create trigger runs_refuse_removed before insert on {schema}.runs
    for each row execute function {schema}.refuse_removed_data_source();
create trigger resources_refuse_removed before insert on {schema}.resources
    for each row execute function {schema}.refuse_removed_data_source();
