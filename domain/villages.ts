// The village map: each village's 包村领导 and 分管负责人 (the rungs escalation climbs after the
// assignee), and the cadres covering it. Edited by admins; a handover moves a leaving cadre's share.
import { z } from 'zod';
import type { PrismaClient } from '../db/client.js';
import { rankLabel } from '../policy/vocabulary.js';
import { DomainError } from './errors.js';

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/** Which rank may hold which post of the map. */
const RANK_OF_POST = { villageLeaderId: 'VILLAGE_LEADER', leaderInChargeId: 'LEADER_IN_CHARGE' } as const;
const POST_LABELS = { villageLeaderId: '包村领导', leaderInChargeId: '分管负责人' } as const;

export const villageMapChangeSchema = z
  .object({
    villageLeaderId: z.string({ error: '请选择包村领导' }).min(1, '请选择包村领导').max(64).optional(),
    leaderInChargeId: z.string({ error: '请选择分管负责人' }).min(1, '请选择分管负责人').max(64).optional(),
  })
  .refine((c) => c.villageLeaderId !== undefined || c.leaderInChargeId !== undefined, '请选择要调整的领导');
export type VillageMapChange = z.infer<typeof villageMapChangeSchema>;

export interface VillageMapRow {
  id: string;
  name: string;
  isPoor: boolean;
  villageLeader: { id: string; name: string } | null;
  leaderInCharge: { id: string; name: string } | null;
  /** Every active cadre covering the village (包村领导 and 帮扶责任人). */
  cadres: Array<{ id: string; name: string; rank: string; rankLabel: string }>;
  householdCount: number;
}

/** The villages with their leaders, by name. */
export async function villageMap(prisma: PrismaClient): Promise<VillageMapRow[]> {
  const villages = await prisma.village.findMany({
    orderBy: { name: 'asc' },
    include: {
      villageLeader: { select: { id: true, name: true } },
      leaderInCharge: { select: { id: true, name: true } },
      cadres: {
        where: { active: true },
        select: { id: true, name: true, rank: true },
        orderBy: { name: 'asc' },
      },
      _count: { select: { households: true } },
    },
  });
  return villages.map((v) => ({
    id: v.id,
    name: v.name,
    isPoor: v.isPoor,
    villageLeader: v.villageLeader,
    leaderInCharge: v.leaderInCharge,
    cadres: v.cadres.map((c) => ({ ...c, rankLabel: rankLabel(c.rank) })),
    householdCount: v._count.households,
  }));
}

/** The cadres an admin may pick for each post: active, of the post's rank. */
export async function villageMapCandidates(prisma: PrismaClient) {
  const [villageLeaders, leadersInCharge] = await Promise.all(
    Object.values(RANK_OF_POST).map((rank) =>
      prisma.cadre.findMany({
        where: { active: true, rank },
        select: { id: true, name: true },
        orderBy: { name: 'asc' },
      }),
    ),
  );
  return { villageLeaders: villageLeaders ?? [], leadersInCharge: leadersInCharge ?? [] };
}

/**
 * Sets a village's 包村领导 and/or 分管负责人. Each must be an active cadre of that post's rank. The
 * new 包村领导 also covers the village (its `villages`), as the seed's do.
 */
export async function setVillageLeaders(
  prisma: PrismaClient,
  villageId: string,
  change: VillageMapChange,
): Promise<VillageMapRow> {
  const parsed = villageMapChangeSchema.safeParse(change);
  if (!parsed.success) throw new DomainError('INVALID', parsed.error.issues[0]?.message ?? '输入有误');
  const village = await prisma.village.findUnique({ where: { id: villageId } });
  if (!village) throw new DomainError('NOT_FOUND', `没有编号为 ${villageId} 的村`);
  for (const post of Object.keys(RANK_OF_POST) as Array<keyof typeof RANK_OF_POST>) {
    const cadreId = parsed.data[post];
    if (cadreId === undefined) continue;
    const cadre = await prisma.cadre.findUnique({ where: { id: cadreId } });
    if (!cadre) throw new DomainError('NOT_FOUND', `没有编号为 ${cadreId} 的干部`);
    if (!cadre.active)
      throw new DomainError('INVALID', `干部 ${cadre.name} 已停用，不能担任${POST_LABELS[post]}`);
    if (cadre.rank !== RANK_OF_POST[post])
      throw new DomainError(
        'INVALID',
        `${cadre.name}是${rankLabel(cadre.rank)}，不能担任${POST_LABELS[post]}`,
      );
  }
  const { villageLeaderId, leaderInChargeId } = parsed.data;
  await prisma.village.update({
    where: { id: villageId },
    data: {
      ...(villageLeaderId ? { villageLeaderId, cadres: { connect: [{ id: villageLeaderId }] } } : {}),
      ...(leaderInChargeId ? { leaderInChargeId } : {}),
    },
  });
  const row = (await villageMap(prisma)).find((v) => v.id === villageId);
  return row as VillageMapRow;
}

export interface VillagesHandedOver {
  /** Villages the leaving cadre covered, now covered by the successor. */
  covered: string[];
  /** Villages whose 包村领导 or 分管负责人 post moved to the successor. */
  postsMoved: Array<{ villageId: string; post: keyof typeof RANK_OF_POST }>;
  /** Posts left with the leaving cadre: the successor is not of the post's rank (an admin sets them). */
  postsKept: Array<{ villageId: string; post: keyof typeof RANK_OF_POST }>;
}

/**
 * A leaving cadre's villages go to the successor, in one transaction: the coverage (`villages`), and
 * each post of the map they hold when the successor has the post's rank (a 帮扶责任人 cannot become
 * a village's 包村领导; such posts are reported for an admin to set on the village map).
 */
export async function handOverVillages(
  prisma: PrismaClient,
  fromCadreId: string,
  toCadreId: string,
): Promise<VillagesHandedOver> {
  return prisma.$transaction(async (tx: Tx) => {
    const from = await tx.cadre.findUniqueOrThrow({
      where: { id: fromCadreId },
      select: {
        villages: { select: { id: true } },
        leaderOf: { select: { id: true } },
        inChargeOf: { select: { id: true } },
      },
    });
    const to = await tx.cadre.findUniqueOrThrow({ where: { id: toCadreId }, select: { rank: true } });
    const covered = from.villages.map((v) => v.id);
    if (covered.length > 0) {
      await tx.cadre.update({
        where: { id: toCadreId },
        data: { villages: { connect: covered.map((id) => ({ id })) } },
      });
      await tx.cadre.update({
        where: { id: fromCadreId },
        data: { villages: { disconnect: covered.map((id) => ({ id })) } },
      });
    }
    const held = [
      ...from.leaderOf.map((v) => ({ villageId: v.id, post: 'villageLeaderId' as const })),
      ...from.inChargeOf.map((v) => ({ villageId: v.id, post: 'leaderInChargeId' as const })),
    ];
    const postsMoved = held.filter((p) => RANK_OF_POST[p.post] === to.rank);
    for (const { villageId, post } of postsMoved)
      await tx.village.update({ where: { id: villageId }, data: { [post]: toCadreId } });
    return { covered, postsMoved, postsKept: held.filter((p) => !postsMoved.includes(p)) };
  });
}
