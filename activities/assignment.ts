import { ApplicationFailure } from '@temporalio/activity';
import type { PrismaClient } from '../db/client.js';
import { LEADER_RANKS } from '../policy/index.js';
import type { CadreRef, CadreRole } from '../workflows/household/definitions.js';

/** Serialises pairing, so that two households admitted at once see each other's load. */
const PAIRING_LOCK = 7_281_001;

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

const ref = (c: { id: string; name: string }): CadreRef => ({ id: c.id, name: c.name });

/**
 * The township leader to pair with a household: among those who cover its village (the village's
 * own 包村领导 and 分管负责人 from the map; the 乡长 and 党委书记 cover every village), the one with
 * the fewest households; ties go to the village's own leaders first. A village with none of them
 * falls back to every active leader, so a household is never left unpaired.
 */
async function leastLoadedLeader(tx: Tx, villageId: string): Promise<CadreRef> {
  const village = await tx.village.findUnique({
    where: { id: villageId },
    select: { villageLeaderId: true, leaderInChargeId: true },
  });
  const own = [village?.villageLeaderId, village?.leaderInChargeId].filter((id): id is string => !!id);
  const select = {
    id: true,
    name: true,
    _count: { select: { assignments: { where: { role: 'LEADER', to: null } } } },
  } as const;
  const covering = await tx.cadre.findMany({
    where: {
      active: true,
      OR: [{ id: { in: own } }, { rank: { in: ['TOWNSHIP_HEAD', 'PARTY_SECRETARY'] } }],
    },
    select,
  });
  const leaders =
    covering.length > 0
      ? covering
      : await tx.cadre.findMany({ where: { active: true, rank: { in: [...LEADER_RANKS] } }, select });
  const ownFirst = (id: string) => (own.includes(id) ? own.indexOf(id) : own.length);
  const [best] = leaders.sort(
    (a, b) =>
      a._count.assignments - b._count.assignments ||
      ownFirst(a.id) - ownFirst(b.id) ||
      a.id.localeCompare(b.id),
  );
  if (!best) throw new Error('没有可结对的乡镇领导干部（添加领导干部后自动重试）');
  return ref(best);
}

async function assistanceCadreFor(tx: Tx, householdId: string, villageId: string): Promise<CadreRef> {
  // The household keeps its original 帮扶责任人 (from the ledger or an earlier run).
  const current = await tx.assignment.findFirst({
    where: { householdId, role: 'ASSISTANCE', to: null },
    include: { cadre: true },
    orderBy: { from: 'desc' },
  });
  if (current) return ref(current.cadre);
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
      return prisma.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${PAIRING_LOCK})`;
        const household = await tx.household.findUniqueOrThrow({ where: { id: input.householdId } });
        const assistance = await assistanceCadreFor(tx, household.id, household.villageId);
        const assistanceKey = `${input.key}/ASSISTANCE`;
        const leaderKey = `${input.key}/LEADER`;
        const paired = await tx.assignment.findUnique({ where: { id: leaderKey }, include: { cadre: true } });
        const leader = paired ? ref(paired.cadre) : await leastLoadedLeader(tx, household.villageId);
        const from = new Date(input.at);
        const hasAssistance = await tx.assignment.findFirst({
          where: { householdId: household.id, role: 'ASSISTANCE', cadreId: assistance.id, to: null },
        });
        if (!hasAssistance) {
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
        if (!paired) {
          await tx.assignment.create({
            data: { id: leaderKey, householdId: household.id, cadreId: leader.id, role: 'LEADER', from },
          });
        }
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
