-- AlterTable
ALTER TABLE "Household" ADD COLUMN     "causes" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "labourClass" TEXT NOT NULL DEFAULT 'CLASS_3',
ADD COLUMN     "needs" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "plan" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "policyVersion" TEXT;

-- AlterTable
ALTER TABLE "Village" ADD COLUMN     "townshipId" TEXT;

-- CreateTable
CREATE TABLE "Township" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "Township_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HouseholdMember" (
    "id" TEXT NOT NULL,
    "householdId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "relation" TEXT NOT NULL DEFAULT '',
    "age" INTEGER NOT NULL,
    "labourAbility" TEXT NOT NULL,
    "inSchool" BOOLEAN NOT NULL DEFAULT false,
    "chronicIllness" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "HouseholdMember_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Cadre" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "phone" TEXT NOT NULL DEFAULT '',
    "rank" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "Cadre_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Assignment" (
    "id" TEXT NOT NULL,
    "householdId" TEXT NOT NULL,
    "cadreId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "from" TIMESTAMP(3) NOT NULL,
    "to" TIMESTAMP(3),

    CONSTRAINT "Assignment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Task" (
    "id" TEXT NOT NULL,
    "householdId" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "assigneeId" TEXT NOT NULL,
    "openedAt" TIMESTAMP(3) NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'OPEN',
    "rung" INTEGER NOT NULL DEFAULT 0,
    "reason" TEXT NOT NULL,
    "findingKind" TEXT,
    "findingItem" TEXT,
    "completedAt" TIMESTAMP(3),
    "completedBy" TEXT,

    CONSTRAINT "Task_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VisitRecord" (
    "id" TEXT NOT NULL,
    "taskId" TEXT NOT NULL,
    "householdId" TEXT NOT NULL,
    "cadreId" TEXT NOT NULL,
    "visitedAt" TIMESTAMP(3) NOT NULL,
    "perCapitaIncomeYuan" DECIMAL(12,2) NOT NULL,
    "foodOk" BOOLEAN NOT NULL,
    "clothingOk" BOOLEAN NOT NULL,
    "educationOk" BOOLEAN NOT NULL,
    "medicalOk" BOOLEAN NOT NULL,
    "housingOk" BOOLEAN NOT NULL,
    "waterOk" BOOLEAN NOT NULL,
    "guaranteeNotes" JSONB NOT NULL,
    "largeCosts" JSONB NOT NULL,
    "notes" TEXT NOT NULL DEFAULT '',
    "compliant" BOOLEAN NOT NULL,
    "policyVersion" TEXT NOT NULL,
    "recordedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VisitRecord_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VisitMeasure" (
    "id" TEXT NOT NULL,
    "visitId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "amountYuan" DECIMAL(12,2) NOT NULL,
    "persons" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "VisitMeasure_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Escalation" (
    "id" TEXT NOT NULL,
    "taskId" TEXT NOT NULL,
    "rung" INTEGER NOT NULL,
    "rank" TEXT NOT NULL,
    "leaderId" TEXT NOT NULL,
    "openedAt" TIMESTAMP(3) NOT NULL,
    "closedAt" TIMESTAMP(3),

    CONSTRAINT "Escalation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ExitAssessment" (
    "id" TEXT NOT NULL,
    "householdId" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "criteria" JSONB NOT NULL,
    "decision" TEXT NOT NULL,
    "steps" JSONB NOT NULL,
    "decidedAt" TIMESTAMP(3) NOT NULL,
    "rolledBackAt" TIMESTAMP(3),

    CONSTRAINT "ExitAssessment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Notification" (
    "id" TEXT NOT NULL,
    "cadreId" TEXT NOT NULL,
    "householdId" TEXT,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "link" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "sentAt" TIMESTAMP(3),
    "error" TEXT,

    CONSTRAINT "Notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "_CadreToVillage" (
    "A" TEXT NOT NULL,
    "B" TEXT NOT NULL,

    CONSTRAINT "_CadreToVillage_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateIndex
CREATE UNIQUE INDEX "Township_name_key" ON "Township"("name");

-- CreateIndex
CREATE INDEX "HouseholdMember_householdId_idx" ON "HouseholdMember"("householdId");

-- CreateIndex
CREATE UNIQUE INDEX "Cadre_email_key" ON "Cadre"("email");

-- CreateIndex
CREATE INDEX "Assignment_householdId_role_idx" ON "Assignment"("householdId", "role");

-- CreateIndex
CREATE INDEX "Assignment_cadreId_to_idx" ON "Assignment"("cadreId", "to");

-- CreateIndex
CREATE INDEX "Task_assigneeId_status_dueAt_idx" ON "Task"("assigneeId", "status", "dueAt");

-- CreateIndex
CREATE INDEX "Task_householdId_status_idx" ON "Task"("householdId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "VisitRecord_taskId_key" ON "VisitRecord"("taskId");

-- CreateIndex
CREATE INDEX "VisitRecord_householdId_visitedAt_idx" ON "VisitRecord"("householdId", "visitedAt");

-- CreateIndex
CREATE INDEX "VisitMeasure_visitId_idx" ON "VisitMeasure"("visitId");

-- CreateIndex
CREATE INDEX "Escalation_closedAt_idx" ON "Escalation"("closedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Escalation_taskId_rung_key" ON "Escalation"("taskId", "rung");

-- CreateIndex
CREATE INDEX "ExitAssessment_householdId_idx" ON "ExitAssessment"("householdId");

-- CreateIndex
CREATE INDEX "Notification_status_createdAt_idx" ON "Notification"("status", "createdAt");

-- CreateIndex
CREATE INDEX "Notification_cadreId_createdAt_idx" ON "Notification"("cadreId", "createdAt");

-- CreateIndex
CREATE INDEX "_CadreToVillage_B_index" ON "_CadreToVillage"("B");

-- AddForeignKey
ALTER TABLE "Village" ADD CONSTRAINT "Village_townshipId_fkey" FOREIGN KEY ("townshipId") REFERENCES "Township"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HouseholdMember" ADD CONSTRAINT "HouseholdMember_householdId_fkey" FOREIGN KEY ("householdId") REFERENCES "Household"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Assignment" ADD CONSTRAINT "Assignment_householdId_fkey" FOREIGN KEY ("householdId") REFERENCES "Household"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Assignment" ADD CONSTRAINT "Assignment_cadreId_fkey" FOREIGN KEY ("cadreId") REFERENCES "Cadre"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Task" ADD CONSTRAINT "Task_householdId_fkey" FOREIGN KEY ("householdId") REFERENCES "Household"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Task" ADD CONSTRAINT "Task_assigneeId_fkey" FOREIGN KEY ("assigneeId") REFERENCES "Cadre"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VisitRecord" ADD CONSTRAINT "VisitRecord_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VisitRecord" ADD CONSTRAINT "VisitRecord_householdId_fkey" FOREIGN KEY ("householdId") REFERENCES "Household"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VisitMeasure" ADD CONSTRAINT "VisitMeasure_visitId_fkey" FOREIGN KEY ("visitId") REFERENCES "VisitRecord"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Escalation" ADD CONSTRAINT "Escalation_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Escalation" ADD CONSTRAINT "Escalation_leaderId_fkey" FOREIGN KEY ("leaderId") REFERENCES "Cadre"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ExitAssessment" ADD CONSTRAINT "ExitAssessment_householdId_fkey" FOREIGN KEY ("householdId") REFERENCES "Household"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Notification" ADD CONSTRAINT "Notification_cadreId_fkey" FOREIGN KEY ("cadreId") REFERENCES "Cadre"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Notification" ADD CONSTRAINT "Notification_householdId_fkey" FOREIGN KEY ("householdId") REFERENCES "Household"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_CadreToVillage" ADD CONSTRAINT "_CadreToVillage_A_fkey" FOREIGN KEY ("A") REFERENCES "Cadre"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_CadreToVillage" ADD CONSTRAINT "_CadreToVillage_B_fkey" FOREIGN KEY ("B") REFERENCES "Village"("id") ON DELETE CASCADE ON UPDATE CASCADE;
