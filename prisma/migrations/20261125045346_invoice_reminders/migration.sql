-- AlterTable
ALTER TABLE "Invoice" ADD COLUMN     "remindedAt" TIMESTAMPTZ(3);
