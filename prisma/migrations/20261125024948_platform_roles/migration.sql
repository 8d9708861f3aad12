-- CreateEnum
CREATE TYPE "PlatformRole" AS ENUM ('OPERATOR', 'ARBITER');

-- AlterTable
ALTER TABLE "User" ADD COLUMN     "platformRole" "PlatformRole";
