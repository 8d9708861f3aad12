-- CreateTable
CREATE TABLE "EventOutbox" (
    "id" UUID NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "type" TEXT NOT NULL,
    "audience" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "cursor" BIGINT,

    CONSTRAINT "EventOutbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RelayState" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "assignedCursor" BIGINT NOT NULL DEFAULT 0,
    "deliveredCursor" BIGINT NOT NULL DEFAULT 0,
    "prunedThrough" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "RelayState_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "EventOutbox_seq_key" ON "EventOutbox"("seq");

-- CreateIndex
CREATE UNIQUE INDEX "EventOutbox_cursor_key" ON "EventOutbox"("cursor");

-- CreateIndex
CREATE INDEX "EventOutbox_cursor_seq_idx" ON "EventOutbox"("cursor", "seq");

-- CreateIndex
CREATE INDEX "EventOutbox_audience_cursor_idx" ON "EventOutbox"("audience", "cursor");

-- CreateIndex
CREATE INDEX "EventOutbox_occurredAt_idx" ON "EventOutbox"("occurredAt");

-- The relay's single progress row.
INSERT INTO "RelayState" ("id") VALUES (1) ON CONFLICT DO NOTHING;

-- Wake the relay leader when an outbox insert commits (NOTIFY is delivered at commit, never on rollback).
CREATE FUNCTION "operate_outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('operate_outbox', '');
  RETURN NULL;
END
$$;
CREATE TRIGGER "EventOutbox_notify" AFTER INSERT ON "EventOutbox" FOR EACH STATEMENT EXECUTE FUNCTION "operate_outbox_notify"();
