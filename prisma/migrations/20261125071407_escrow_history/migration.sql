-- CreateTable
CREATE TABLE "EscrowHistory" (
    "id" UUID NOT NULL,
    "escrowId" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "action" TEXT NOT NULL,
    "actorId" UUID,
    "fromStatus" "EscrowStatus",
    "toStatus" "EscrowStatus" NOT NULL,
    "paymentStatus" "PaymentStatus" NOT NULL,
    "providerEventId" TEXT,
    "note" TEXT,

    CONSTRAINT "EscrowHistory_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "EscrowHistory_escrowId_at_idx" ON "EscrowHistory"("escrowId", "at");

-- AddForeignKey
ALTER TABLE "EscrowHistory" ADD CONSTRAINT "EscrowHistory_escrowId_fkey" FOREIGN KEY ("escrowId") REFERENCES "Escrow"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Escrows opened before history was kept: their opening, and where they stood when it began.
INSERT INTO "EscrowHistory" ("id", "escrowId", "at", "action", "actorId", "fromStatus", "toStatus", "paymentStatus")
SELECT gen_random_uuid(), "id", "createdAt", 'opened', "buyerId", NULL, 'INITIATED', 'AWAITING_PAYMENT' FROM "Escrow";
INSERT INTO "EscrowHistory" ("id", "escrowId", "at", "action", "actorId", "fromStatus", "toStatus", "paymentStatus")
SELECT gen_random_uuid(), "id", "updatedAt", 'history_started', NULL, NULL, "status", "paymentStatus" FROM "Escrow"
WHERE "status" <> 'INITIATED' OR "paymentStatus" <> 'AWAITING_PAYMENT';
