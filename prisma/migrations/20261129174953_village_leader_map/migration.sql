-- AlterTable
ALTER TABLE "Village" ADD COLUMN     "leaderInChargeId" TEXT,
ADD COLUMN     "villageLeaderId" TEXT;

-- AddForeignKey
ALTER TABLE "Village" ADD CONSTRAINT "Village_villageLeaderId_fkey" FOREIGN KEY ("villageLeaderId") REFERENCES "Cadre"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Village" ADD CONSTRAINT "Village_leaderInChargeId_fkey" FOREIGN KEY ("leaderInChargeId") REFERENCES "Cadre"("id") ON DELETE SET NULL ON UPDATE CASCADE;
