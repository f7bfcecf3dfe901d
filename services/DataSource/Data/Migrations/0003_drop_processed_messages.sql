-- 0001 created processed_messages for consumer deduplication; no code ever used it (consumers are
-- idempotent by natural keys and the outbox by message id), so it goes.
drop table if exists {schema}.processed_messages;
