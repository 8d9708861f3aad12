-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "paymentReference" TEXT NOT NULL DEFAULT ('pay_ord_'::text || replace((gen_random_uuid())::text, '-'::text, ''::text)),
ADD COLUMN     "transactionReference" TEXT;

-- AlterTable
ALTER TABLE "PaymentEvent" ADD COLUMN     "orderId" UUID,
ALTER COLUMN "escrowId" DROP NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "Order_paymentReference_key" ON "Order"("paymentReference");

-- CreateIndex
CREATE INDEX "PaymentEvent_orderId_idx" ON "PaymentEvent"("orderId");

-- AddForeignKey
ALTER TABLE "PaymentEvent" ADD CONSTRAINT "PaymentEvent_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE CASCADE ON UPDATE CASCADE;
