-- An event may go to several rooms at once (an escrow's room and each party's user room); keep what is stored.
-- AlterTable
ALTER TABLE "EventOutbox" ADD COLUMN "audiences" TEXT[];
UPDATE "EventOutbox" SET "audiences" = ARRAY["audience"];

-- DropIndex
DROP INDEX "EventOutbox_audience_cursor_idx";

-- AlterTable
ALTER TABLE "EventOutbox" DROP COLUMN "audience";
