-- AlterTable
ALTER TABLE "SellerProfile" ALTER COLUMN "completedSalesVolume" SET DATA TYPE DECIMAL(20,2);
