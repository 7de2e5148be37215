-- AlterTable
ALTER TABLE "ChannelDelivery" ADD COLUMN     "attemptBeganAt" TIMESTAMP(3);
