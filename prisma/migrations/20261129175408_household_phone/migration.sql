-- AlterTable
ALTER TABLE "Household" ADD COLUMN     "phone" TEXT NOT NULL DEFAULT '';
