// Completing a task in ONE SQL statement: lock the task, record the visit and its measures when the
// task is still open, mark it done, close its open escalations, and answer whether it exists and
// whom it was escalated to. Prisma's cost is per statement (its query compiler and a round trip
// each): the interactive transaction this replaces made seven, on the worker's main thread.
// The counts' triggers (migrations household_standing, board_counts) are on the tables, so they
// fire for the statement's writes as for Prisma's.
import { ApplicationFailure } from '@temporalio/activity';
import { GUARANTEE_ITEMS, type VisitRecord } from '../policy/index.js';
import type { Prisma } from '../prisma/generated/client.js';

export interface CompleteTaskInput {
  taskId: string;
  byCadreId: string;
  at: string;
  note?: string;
  visit?: {
    record: VisitRecord;
    compliant: boolean;
    policyVersion: string;
    /** With evidence: how far from the household's location a visit is marked for the supervisor. */
    farFromHomeMeters?: number;
  };
}

/** The visit's record as a "VisitRecord" row, by column name; its task and household come from the task row. */
function visitRecordRow(taskId: string, visit: NonNullable<CompleteTaskInput['visit']>) {
  const r = visit.record;
  const notes = Object.fromEntries(
    GUARANTEE_ITEMS.flatMap((item) => (r.guarantees[item].note ? [[item, r.guarantees[item].note]] : [])),
  );
  return {
    id: visitIdOf(taskId),
    cadreId: r.visitorCadreId,
    // UTC, as every timestamp(3) column holds it (the zone letter is dropped by the cast).
    visitedAt: new Date(r.visitedAt).toISOString(),
    perCapitaIncomeYuan: r.perCapitaIncomeYuan,
    foodOk: r.guarantees.food.ok,
    clothingOk: r.guarantees.clothing.ok,
    educationOk: r.guarantees.education.ok,
    medicalOk: r.guarantees.medical.ok,
    housingOk: r.guarantees.housing.ok,
    waterOk: r.guarantees.water.ok,
    guaranteeNotes: notes,
    largeCosts: r.largeCosts,
    notes: r.notes ?? '',
    compliant: visit.compliant,
    policyVersion: visit.policyVersion,
  };
}

export const visitIdOf = (taskId: string) => `${taskId}/visit`;

function measureRows(taskId: string, record: VisitRecord) {
  return record.measures.map((m, i) => ({
    id: `${visitIdOf(taskId)}/m${i}`,
    kind: m.kind,
    amountYuan: m.amountYuan,
    persons: m.persons ?? 1,
  }));
}

export interface Completion {
  householdId: string;
  /** The visit's record was written by this statement (the task was open and a visit was given). */
  recorded: boolean;
  /** The leaders the task was ever escalated to, each once, in the order they were first reached. */
  leaders: string[];
}

type Db = Pick<Prisma.TransactionClient, '$queryRaw'>;
/** The statement's one row: the task's household (null: no such task), whether it recorded, the leaders. */
type CompletionRow = { householdId: string | null; recorded: boolean; leaders: string[] };

/**
 * The completion as one statement. Its task row is locked first (FOR UPDATE): a completion that
 * waited for another one sees the task DONE and writes nothing, like a retry after a commit whose
 * answer was lost. The visit's columns come from one JSON object read as a "VisitRecord" row
 * (jsonb_populate_record), its measures as "VisitMeasure" rows, so PostgreSQL applies the columns'
 * own types (Decimal(12,2) overflows, NUL in text or JSON) and refuses what cannot be stored.
 * A task that does not exist: the non-retryable NotFound failure.
 */
export async function completeInOneStatement(db: Db, input: CompleteTaskInput): Promise<Completion> {
  const { taskId, visit } = input;
  const at = new Date(input.at).toISOString();
  const record = visit ? JSON.stringify(visitRecordRow(taskId, visit)) : null;
  const measures = JSON.stringify(visit ? measureRows(taskId, visit.record) : []);
  const [row] = await db.$queryRaw<CompletionRow[]>`
    WITH task AS (
      SELECT id, "householdId", status FROM "Task" WHERE id = ${taskId} FOR UPDATE
    ), open_task AS (
      SELECT id, "householdId" FROM task WHERE status = 'OPEN'
    ), visit AS (
      INSERT INTO "VisitRecord" (id, "taskId", "householdId", "cadreId", "visitedAt", "perCapitaIncomeYuan",
        "foodOk", "clothingOk", "educationOk", "medicalOk", "housingOk", "waterOk", "guaranteeNotes",
        "largeCosts", notes, compliant, "policyVersion")
      SELECT r.id, open_task.id, open_task."householdId", r."cadreId", r."visitedAt", r."perCapitaIncomeYuan",
        r."foodOk", r."clothingOk", r."educationOk", r."medicalOk", r."housingOk", r."waterOk", r."guaranteeNotes",
        r."largeCosts", r.notes, r.compliant, r."policyVersion"
      FROM open_task CROSS JOIN jsonb_populate_record(NULL::"VisitRecord", ${record}::jsonb) r
      WHERE ${record}::jsonb IS NOT NULL
      RETURNING id
    ), measures AS (
      INSERT INTO "VisitMeasure" (id, "visitId", kind, "amountYuan", persons)
      SELECT m.id, visit.id, m.kind, m."amountYuan", m.persons
      FROM visit CROSS JOIN jsonb_populate_recordset(NULL::"VisitMeasure", ${measures}::jsonb) m
    ), done AS (
      UPDATE "Task" t SET status = 'DONE', "completedAt" = ${at}::timestamptz AT TIME ZONE 'UTC',
        "completedBy" = ${input.byCadreId}
      FROM open_task WHERE t.id = open_task.id
    ), closed AS (
      UPDATE "Escalation" e SET "closedAt" = ${at}::timestamptz AT TIME ZONE 'UTC'
      FROM open_task WHERE e."taskId" = open_task.id AND e."closedAt" IS NULL
    )
    SELECT (SELECT "householdId" FROM task) AS "householdId", EXISTS (SELECT 1 FROM visit) AS recorded,
      array(
        SELECT e."leaderId" FROM "Escalation" e WHERE e."taskId" = ${taskId}
        GROUP BY e."leaderId" ORDER BY min(e.rung), e."leaderId"
      ) AS leaders`;
  if (!row?.householdId) throw ApplicationFailure.nonRetryable(`任务 ${taskId} 不存在`, 'NotFound');
  return { householdId: row.householdId, recorded: row.recorded, leaders: row.leaders };
}

/**
 * PostgreSQL refusing a value (numeric overflow, a NUL in text or JSON, value too long): retrying
 * cannot help. A raw statement's refusal comes as P2010 with its SQLSTATE in the message ("Code:
 * `22003`"): class 22, data exception; Prisma's own statements (the evidence's) as P2000/P2020.
 */
const UNSTORABLE =
  /P2000|P2020|Code: `22[0-9A-Z]{3}`|numeric field overflow|out of range|invalid byte sequence|unsupported Unicode escape|0x00/i;

export async function refuseUnstorable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const text = `${(error as { code?: string }).code ?? ''} ${(error as Error).message}`;
    if (UNSTORABLE.test(text)) {
      throw ApplicationFailure.nonRetryable(
        '走访记录中有无法保存的数值或文字，请检查后重新提交',
        'UnstorableRecord',
      );
    }
    throw error;
  }
}
