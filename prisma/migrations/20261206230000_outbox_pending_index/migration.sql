-- The relay finds pending rows (cursor NULL) in seq order on a partial index: a row leaves it when numbered, so
-- numbering no longer writes an entry there, and seq (from its sequence) needs no unique index of its own.
DROP INDEX "EventOutbox_seq_key";
DROP INDEX "EventOutbox_cursor_seq_idx";
CREATE INDEX "EventOutbox_pending_idx" ON "EventOutbox"("seq") WHERE "cursor" IS NULL;
