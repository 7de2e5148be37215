-- CreateTable
CREATE TABLE "IdentificationCase" (
    "id" TEXT NOT NULL,
    "householdId" TEXT NOT NULL,
    "openHouseholdId" TEXT,
    "workflowId" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "raisedBy" TEXT NOT NULL,
    "raisedByCadreId" TEXT,
    "raisedAt" TIMESTAMP(3) NOT NULL,
    "policyVersion" TEXT NOT NULL,
    "limitAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'OPEN',
    "step" TEXT NOT NULL,
    "stepDueAt" TIMESTAMP(3),
    "outcomeReason" TEXT NOT NULL DEFAULT '',
    "closedAt" TIMESTAMP(3),

    CONSTRAINT "IdentificationCase_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IdentificationCaseStep" (
    "id" TEXT NOT NULL,
    "caseId" TEXT NOT NULL,
    "step" TEXT NOT NULL,
    "taskId" TEXT,
    "assigneeId" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "completedAt" TIMESTAMP(3),
    "decision" TEXT,
    "decidedBy" TEXT,
    "note" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "IdentificationCaseStep_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "IdentificationCase_openHouseholdId_key" ON "IdentificationCase"("openHouseholdId");

-- CreateIndex
CREATE UNIQUE INDEX "IdentificationCase_workflowId_key" ON "IdentificationCase"("workflowId");

-- CreateIndex
CREATE INDEX "IdentificationCase_status_step_idx" ON "IdentificationCase"("status", "step");

-- CreateIndex
CREATE INDEX "IdentificationCase_householdId_idx" ON "IdentificationCase"("householdId");

-- CreateIndex
CREATE INDEX "IdentificationCase_raisedAt_idx" ON "IdentificationCase"("raisedAt");

-- CreateIndex
CREATE INDEX "IdentificationCaseStep_caseId_idx" ON "IdentificationCaseStep"("caseId");

-- AddForeignKey
ALTER TABLE "IdentificationCase" ADD CONSTRAINT "IdentificationCase_householdId_fkey" FOREIGN KEY ("householdId") REFERENCES "Household"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IdentificationCaseStep" ADD CONSTRAINT "IdentificationCaseStep_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "IdentificationCase"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
