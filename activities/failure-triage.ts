// Which activity failures can heal by retrying, and what an admin sees when they do not.
//
// - Cannot heal (a row that is not there, a value PostgreSQL refuses, a bug in our own code such as
//   a rendering TypeError): thrown as non-retryable, so the workflow gets it at once, records it
//   (`reportActivityFailure`, an ACTIVITY_FAILED row on the household's timeline) and goes on.
// - Can heal (PostgreSQL or SMTP away, a timeout): retried without limit as before; once an
//   activity has been retrying for longer than RETRYING_REPORT_AFTER_MS, each failed attempt updates
//   one ACTIVITY_RETRYING row (attempt count, first scheduled, last error); a later success marks it
//   healed. Both rows feed the admins' health view (domain/activity-health.ts).
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { PrismaClient } from '../db/client.js';
import { Prisma } from '../prisma/generated/client.js';

export const RETRYING_REPORT_AFTER_MS = 3_600_000;

/** Prisma codes for data that will be as wrong on the next attempt: not found, constraints, values. */
const PERMANENT_PRISMA_CODES = new Set([
  'P2000', // value too long
  'P2003', // foreign key
  'P2005', // invalid value for the field
  'P2006', // invalid value
  'P2007', // data validation
  'P2011', // null constraint
  'P2012', // missing required value
  'P2020', // value out of range
  'P2023', // inconsistent column data
  'P2025', // a required row was not found (findUniqueOrThrow, update of a missing row)
]);

export function cannotHeal(error: unknown): boolean {
  if (error instanceof ApplicationFailure) return error.nonRetryable === true;
  if (error instanceof Prisma.PrismaClientKnownRequestError) return PERMANENT_PRISMA_CODES.has(error.code);
  if (error instanceof Prisma.PrismaClientValidationError) return true;
  // Our own code failing on the data it was given: the same input fails the same way next time.
  return error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError;
}

const householdOf = (workflowId: string) =>
  workflowId.startsWith('household-') ? workflowId.slice('household-'.length) : undefined;

/** The household's workflow the running activity works for, and the key of its one ACTIVITY_RETRYING row. */
function current() {
  const { info } = Context.current();
  const execution = info.workflowExecution;
  const householdId = execution ? householdOf(execution.workflowId) : undefined;
  if (!execution || !householdId) return undefined;
  const key = `retrying/${execution.workflowId}/${execution.runId}/${info.activityId}`;
  // Both on the server's clock: how long this activity has been failing and retrying so far.
  const retryingLong =
    info.currentAttemptScheduledTimestampMs - info.scheduledTimestampMs >= RETRYING_REPORT_AFTER_MS;
  return { info, householdId, workflowId: execution.workflowId, key, retryingLong };
}

async function noteRetrying(prisma: PrismaClient, error: unknown): Promise<void> {
  const activity = current();
  if (!activity?.retryingLong) return;
  const { info, householdId, workflowId, key } = activity;
  const detail = {
    activityType: info.activityType,
    attempt: info.attempt,
    since: new Date(info.scheduledTimestampMs).toISOString(),
    error: (error as Error)?.message?.slice(0, 500) ?? String(error),
  };
  // Best effort: when PostgreSQL itself is what fails, this fails too, and the retry goes on.
  await prisma.auditLog
    .upsert({
      where: { idempotencyKey: key },
      create: {
        actor: 'system',
        action: 'ACTIVITY_RETRYING',
        householdId,
        workflowId,
        detail,
        idempotencyKey: key,
      },
      update: { detail, at: new Date() },
    })
    .catch(() => undefined);
}

async function noteHealed(prisma: PrismaClient): Promise<void> {
  const activity = current();
  if (!activity?.retryingLong || activity.info.attempt === 1) return;
  const { info, key } = activity;
  const row = await prisma.auditLog.findUnique({ where: { idempotencyKey: key } });
  if (!row) return;
  await prisma.auditLog.update({
    where: { id: row.id },
    data: {
      detail: { ...(row.detail as object), attempt: info.attempt, healedAt: new Date().toISOString() },
    },
  });
}

// biome-ignore lint/suspicious/noExplicitAny: activities of every signature are wrapped alike
type AnyActivity = (...args: any[]) => Promise<unknown>;

/** Every activity: failures that cannot heal become non-retryable; long retries become visible. */
export function withFailureTriage<T extends Record<string, AnyActivity>>(
  prisma: PrismaClient,
  activities: T,
): T {
  const wrapped = Object.entries(activities).map(([name, activity]) => [
    name,
    async (...args: unknown[]) => {
      try {
        const result = await activity(...args);
        await noteHealed(prisma).catch(() => undefined);
        return result;
      } catch (error) {
        if (!cannotHeal(error)) {
          await noteRetrying(prisma, error);
          throw error;
        }
        if (error instanceof ApplicationFailure) throw error;
        throw ApplicationFailure.create({
          message: `${(error as Error)?.message ?? String(error)}`.slice(0, 2000),
          type: 'CannotHeal',
          nonRetryable: true,
          ...(error instanceof Error ? { cause: error } : {}),
        });
      }
    },
  ]);
  return Object.fromEntries(wrapped) as T;
}
