-- AlterTable
ALTER TABLE "Organization" ADD COLUMN     "invoiceSequence" INTEGER NOT NULL DEFAULT 0;
