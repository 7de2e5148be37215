-- DropIndex
DROP INDEX "Task_status_dueAt_idx";

-- CreateIndex
CREATE INDEX "Task_status_dueAt_rung_assigneeId_householdId_idx" ON "Task"("status", "dueAt", "rung", "assigneeId", "householdId");
