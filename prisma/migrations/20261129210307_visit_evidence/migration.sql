-- CreateTable
CREATE TABLE "EvidencePhoto" (
    "sha256" TEXT NOT NULL,
    "householdId" TEXT NOT NULL,
    "uploadedBy" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "byteSize" INTEGER NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,
    "uploadedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EvidencePhoto_pkey" PRIMARY KEY ("sha256")
);

-- CreateTable
CREATE TABLE "VisitPhoto" (
    "visitId" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "position" INTEGER NOT NULL,

    CONSTRAINT "VisitPhoto_pkey" PRIMARY KEY ("visitId","sha256")
);

-- CreateTable
CREATE TABLE "VisitLocation" (
    "visitId" TEXT NOT NULL,
    "householdId" TEXT NOT NULL,
    "latitude" DOUBLE PRECISION,
    "longitude" DOUBLE PRECISION,
    "accuracyMeters" DOUBLE PRECISION,
    "missingReason" TEXT,
    "distanceFromHomeMeters" INTEGER,
    "farFromHome" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "VisitLocation_pkey" PRIMARY KEY ("visitId")
);

-- CreateTable
CREATE TABLE "HouseholdLocation" (
    "householdId" TEXT NOT NULL,
    "latitude" DOUBLE PRECISION NOT NULL,
    "longitude" DOUBLE PRECISION NOT NULL,
    "accuracyMeters" DOUBLE PRECISION NOT NULL,
    "visitId" TEXT NOT NULL,
    "setAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "HouseholdLocation_pkey" PRIMARY KEY ("householdId")
);

-- CreateIndex
CREATE INDEX "EvidencePhoto_householdId_idx" ON "EvidencePhoto"("householdId");

-- CreateIndex
CREATE INDEX "VisitLocation_householdId_farFromHome_idx" ON "VisitLocation"("householdId", "farFromHome");

-- AddForeignKey
ALTER TABLE "EvidencePhoto" ADD CONSTRAINT "EvidencePhoto_householdId_fkey" FOREIGN KEY ("householdId") REFERENCES "Household"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VisitPhoto" ADD CONSTRAINT "VisitPhoto_visitId_fkey" FOREIGN KEY ("visitId") REFERENCES "VisitRecord"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VisitPhoto" ADD CONSTRAINT "VisitPhoto_sha256_fkey" FOREIGN KEY ("sha256") REFERENCES "EvidencePhoto"("sha256") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VisitLocation" ADD CONSTRAINT "VisitLocation_visitId_fkey" FOREIGN KEY ("visitId") REFERENCES "VisitRecord"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HouseholdLocation" ADD CONSTRAINT "HouseholdLocation_householdId_fkey" FOREIGN KEY ("householdId") REFERENCES "Household"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
