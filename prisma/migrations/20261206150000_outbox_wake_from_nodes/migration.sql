-- The relay leader is no longer woken by a NOTIFY in every transaction that publishes: PostgreSQL serializes
-- notifying commits through their WAL flush. The committing node wakes it instead (RelayService.committed).
DROP TRIGGER IF EXISTS "EventOutbox_notify" ON "EventOutbox";
DROP FUNCTION IF EXISTS "operate_outbox_notify"();
