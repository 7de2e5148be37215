-- CreateIndex
CREATE INDEX "AuditLog_action_at_idx" ON "AuditLog"("action", "at");

-- CreateIndex
CREATE INDEX "Escalation_openedAt_idx" ON "Escalation"("openedAt");

-- CreateIndex
CREATE INDEX "Escalation_leaderId_closedAt_idx" ON "Escalation"("leaderId", "closedAt");

-- CreateIndex
CREATE INDEX "Household_villageId_number_idx" ON "Household"("villageId", "number");

-- CreateIndex
CREATE INDEX "Task_status_dueAt_idx" ON "Task"("status", "dueAt");

-- CreateIndex
CREATE INDEX "Task_status_completedAt_idx" ON "Task"("status", "completedAt");

-- CreateIndex
CREATE INDEX "VisitRecord_visitedAt_idx" ON "VisitRecord"("visitedAt");
