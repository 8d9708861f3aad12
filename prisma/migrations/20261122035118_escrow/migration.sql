-- CreateEnum
CREATE TYPE "EscrowStatus" AS ENUM ('INITIATED', 'HELD', 'RELEASED', 'REFUNDED', 'DISPUTED');

-- CreateEnum
CREATE TYPE "PaymentStatus" AS ENUM ('AWAITING_PAYMENT', 'PROCESSING', 'CAPTURED', 'FAILED', 'REFUNDED');

-- CreateEnum
CREATE TYPE "DisputeOutcome" AS ENUM ('RELEASE', 'REFUND');

-- CreateTable
CREATE TABLE "Escrow" (
    "id" UUID NOT NULL,
    "buyerId" UUID NOT NULL,
    "sellerId" UUID NOT NULL,
    "buyerOrganizationId" UUID NOT NULL,
    "sellerOrganizationId" UUID NOT NULL,
    "amount" DECIMAL(14,2) NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "description" TEXT NOT NULL,
    "status" "EscrowStatus" NOT NULL DEFAULT 'INITIATED',
    "paymentStatus" "PaymentStatus" NOT NULL DEFAULT 'AWAITING_PAYMENT',
    "paymentReference" TEXT NOT NULL,
    "buyerConfirmedAt" TIMESTAMPTZ(3),
    "sellerConfirmedAt" TIMESTAMPTZ(3),
    "disputeReason" TEXT,
    "disputedById" UUID,
    "disputedAt" TIMESTAMPTZ(3),
    "disputeOutcome" "DisputeOutcome",
    "resolvedById" UUID,
    "resolvedAt" TIMESTAMPTZ(3),
    "resolutionNote" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Escrow_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PaymentEvent" (
    "providerEventId" TEXT NOT NULL,
    "escrowId" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PaymentEvent_pkey" PRIMARY KEY ("providerEventId")
);

-- CreateIndex
CREATE UNIQUE INDEX "Escrow_paymentReference_key" ON "Escrow"("paymentReference");

-- CreateIndex
CREATE INDEX "Escrow_buyerId_createdAt_idx" ON "Escrow"("buyerId", "createdAt");

-- CreateIndex
CREATE INDEX "Escrow_sellerId_createdAt_idx" ON "Escrow"("sellerId", "createdAt");

-- CreateIndex
CREATE INDEX "PaymentEvent_escrowId_idx" ON "PaymentEvent"("escrowId");

-- AddForeignKey
ALTER TABLE "Escrow" ADD CONSTRAINT "Escrow_buyerId_fkey" FOREIGN KEY ("buyerId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Escrow" ADD CONSTRAINT "Escrow_sellerId_fkey" FOREIGN KEY ("sellerId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PaymentEvent" ADD CONSTRAINT "PaymentEvent_escrowId_fkey" FOREIGN KEY ("escrowId") REFERENCES "Escrow"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- An escrow holds a positive amount between two different users.
ALTER TABLE "Escrow" ADD CONSTRAINT "Escrow_amount_positive" CHECK ("amount" > 0);
ALTER TABLE "Escrow" ADD CONSTRAINT "Escrow_distinct_parties" CHECK ("buyerId" <> "sellerId");
