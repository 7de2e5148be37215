import { ApplicationFailure } from '@temporalio/activity';
import type { PrismaClient } from '../db/client.js';
import { LEADER_RANKS } from '../policy/index.js';
import type { CadreRef, CadreRole } from '../workflows/household/definitions.js';

/** Serialises pairing, so that two households admitted at once see each other's load. */
const PAIRING_LOCK = 7_281_001;

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

const ref = (c: { id: string; name: string }): CadreRef => ({ id: c.id, name: c.name });

type Db = PrismaClient | Tx;

/**
 * The township leaders who may be paired with a household of the village: those who cover it (the
 * village's own 包村领导 and 分管负责人 from the map; the 乡长 and 党委书记 cover every village), or,
 * for a village with none of them, every active leader, so a household is never left unpaired.
 * `own`: the village's own leaders, first on a tie. Read outside the pairing lock: who the leaders
 * are does not depend on the households being admitted at the same time.
 */
async function leaderCandidates(
  db: Db,
  villageId: string,
): Promise<{ candidates: CadreRef[]; own: string[] }> {
  const village = await db.village.findUnique({
    where: { id: villageId },
    select: { villageLeaderId: true, leaderInChargeId: true },
  });
  const own = [village?.villageLeaderId, village?.leaderInChargeId].filter((id): id is string => !!id);
  const select = { id: true, name: true } as const;
  const covering = await db.cadre.findMany({
    where: {
      active: true,
      OR: [{ id: { in: own } }, { rank: { in: ['TOWNSHIP_HEAD', 'PARTY_SECRETARY'] } }],
    },
    select,
  });
  const candidates =
    covering.length > 0
      ? covering
      : await db.cadre.findMany({ where: { active: true, rank: { in: [...LEADER_RANKS] } }, select });
  return { candidates: candidates.map(ref), own };
}

/**
 * Pairs the household with the candidate who has the fewest households; ties go to the village's
 * own leaders first, then by id. Under the pairing lock, in ONE statement (count and insert), so the
 * lock is held for one round trip: it serialises every admission of the township. Answers the
 * leader paired, or undefined when the row was already there (an earlier attempt committed it).
 */
async function pairLeastLoaded(
  tx: Tx,
  input: { leaderKey: string; householdId: string; from: Date },
  candidates: CadreRef[],
  own: string[],
): Promise<CadreRef | undefined> {
  const ownFirst = (id: string) => (own.includes(id) ? own.indexOf(id) : own.length);
  // The tie-break order, fixed here; the statement orders by load, then by this position.
  const ordered = [...candidates].sort((a, b) => ownFirst(a.id) - ownFirst(b.id) || a.id.localeCompare(b.id));
  if (ordered.length === 0) throw new Error('没有可结对的乡镇领导干部（添加领导干部后自动重试）');
  const rows = await tx.$queryRaw<Array<{ cadreId: string }>>`
    INSERT INTO "Assignment" ("id", "householdId", "cadreId", "role", "from")
    SELECT ${input.leaderKey}, ${input.householdId}, c.id, 'LEADER', ${input.from}
    FROM unnest(${ordered.map((c) => c.id)}::text[]) WITH ORDINALITY AS c(id, position)
    ORDER BY (
      SELECT count(*) FROM "Assignment" a
      WHERE a."cadreId" = c.id AND a."role" = 'LEADER' AND a."to" IS NULL
    ), c.position
    LIMIT 1
    ON CONFLICT ("id") DO NOTHING
    RETURNING "cadreId"`;
  const paired = rows[0]?.cadreId;
  return paired === undefined ? undefined : ordered.find((c) => c.id === paired);
}

/** The household's current 帮扶责任人, kept (from the ledger or an earlier run); none yet: undefined. */
async function currentAssistance(db: Db, householdId: string): Promise<CadreRef | undefined> {
  const current = await db.assignment.findFirst({
    where: { householdId, role: 'ASSISTANCE', to: null },
    include: { cadre: true },
    orderBy: { from: 'desc' },
  });
  return current ? ref(current.cadre) : undefined;
}

/** A 帮扶责任人 for a household that has none: the village's least-loaded one (under the pairing lock). */
async function assistanceCadreFor(tx: Tx, householdId: string, villageId: string): Promise<CadreRef> {
  const current = await currentAssistance(tx, householdId);
  if (current) return current;
  const candidates = await tx.cadre.findMany({
    where: { active: true, rank: 'ASSISTANCE_CADRE', villages: { some: { id: villageId } } },
    select: {
      id: true,
      name: true,
      _count: { select: { assignments: { where: { role: 'ASSISTANCE', to: null } } } },
    },
  });
  const [best] = candidates.sort(
    (a, b) => a._count.assignments - b._count.assignments || a.id.localeCompare(b.id),
  );
  if (!best) throw new Error('该村没有可用的帮扶责任人（添加后自动重试）');
  return ref(best);
}

/**
 * Refuses (for good) a write of a run that has been cancelled: its cancel's audit row, keyed `<pairing
 * key>/cancelled` (workflows/household/supervision-state.ts), is there. The household's row is locked
 * first and held to the commit, and endSupervision writes that row first: a cancel and a pairing (or an
 * admission) of its run commit one after the other, so either the cancel ends the rows the other wrote,
 * or the other finds the cancel and writes none. The look-up is a statement of its own, after the lock:
 * under READ COMMITTED it then sees a cancel that committed while this one waited (a condition in the
 * locking statement itself would be judged on the snapshot from before the wait). The workflow waits
 * for a cancelled pairing's attempt to end before it cancels (admission.ts); this covers an attempt
 * that outlives its timeout. `forUpdate` when the caller then updates the row (two attempts each
 * holding it FOR SHARE and both wanting to update it would deadlock).
 */
export async function refuseIfCancelled(tx: Tx, householdId: string, pairingKey: string, forUpdate = false) {
  if (forUpdate) await tx.$queryRaw`SELECT 1 FROM "Household" WHERE id = ${householdId} FOR UPDATE`;
  else await tx.$queryRaw`SELECT 1 FROM "Household" WHERE id = ${householdId} FOR SHARE`;
  const cancelled = await tx.auditLog.findUnique({
    where: { idempotencyKey: `${pairingKey}/cancelled` },
    select: { id: true },
  });
  if (cancelled)
    throw ApplicationFailure.nonRetryable('该户已终止督战，不再分配帮扶干部', 'SupervisionCancelled');
}

export function createAssignmentActivities(prisma: PrismaClient) {
  return {
    /**
     * Keeps the household's 帮扶责任人 and pairs the least-loaded township leader covering its village. Idempotent: the
     * LEADER row's id comes from the workflow, so a retry returns the pairing already made.
     */
    async assignCadres(input: {
      householdId: string;
      key: string;
      at: string;
    }): Promise<{ assistance: CadreRef; leader: CadreRef }> {
      const assistanceKey = `${input.key}/ASSISTANCE`;
      const leaderKey = `${input.key}/LEADER`;
      const from = new Date(input.at);
      // Everything that does not depend on the other households being admitted is read first,
      // outside the lock that serialises pairing (it bounds how many households are admitted a second).
      const household = await prisma.household.findUniqueOrThrow({
        where: { id: input.householdId },
        select: { id: true, villageId: true },
      });
      const [current, paired, { candidates, own }] = await Promise.all([
        currentAssistance(prisma, household.id),
        prisma.assignment.findUnique({ where: { id: leaderKey }, include: { cadre: true } }),
        leaderCandidates(prisma, household.villageId),
      ]);
      // A retry after the pairing committed: the pairing already made.
      if (current && paired) return { assistance: current, leader: ref(paired.cadre) };
      return prisma.$transaction(async (tx) => {
        await refuseIfCancelled(tx, household.id, input.key);
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${PAIRING_LOCK})`;
        const assistance = current ?? (await assistanceCadreFor(tx, household.id, household.villageId));
        if (!current) {
          await tx.assignment.create({
            data: {
              id: assistanceKey,
              householdId: household.id,
              cadreId: assistance.id,
              role: 'ASSISTANCE',
              from,
            },
          });
        }
        const leader =
          (await pairLeastLoaded(tx, { leaderKey, householdId: household.id, from }, candidates, own)) ??
          ref(
            (await tx.assignment.findUniqueOrThrow({ where: { id: leaderKey }, include: { cadre: true } }))
              .cadre,
          );
        return { assistance, leader };
      });
    },

    /**
     * Ends the current assignment of `role` and gives it to `toCadreId`; moves that cadre's open
     * tasks of this household to the new one. Refuses (not retried) an unknown or inactive cadre.
     */
    async reassignCadre(input: {
      householdId: string;
      role: CadreRole;
      toCadreId: string;
      key: string;
      at: string;
      taskIds: string[];
    }): Promise<CadreRef> {
      const cadre = await prisma.cadre.findUnique({ where: { id: input.toCadreId } });
      if (!cadre?.active)
        throw ApplicationFailure.nonRetryable(`干部 ${input.toCadreId} 不存在或已停用`, 'BadCadre');
      const at = new Date(input.at);
      await prisma.$transaction(async (tx) => {
        if (await tx.assignment.findUnique({ where: { id: input.key } })) return;
        await tx.assignment.updateMany({
          where: { householdId: input.householdId, role: input.role, to: null },
          data: { to: at },
        });
        await tx.assignment.create({
          data: {
            id: input.key,
            householdId: input.householdId,
            cadreId: cadre.id,
            role: input.role,
            from: at,
          },
        });
        await tx.task.updateMany({
          where: { id: { in: input.taskIds }, status: 'OPEN' },
          data: { assigneeId: cadre.id },
        });
      });
      return ref(cadre);
    },
  };
}
