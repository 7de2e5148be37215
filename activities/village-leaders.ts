// Who holds a leadership rank for one household's village: the village's own 包村领导 and 分管负责人
// (the editable map on Village), the township's 乡长 and 党委书记, the county approvers. One place,
// used by escalation, pairing and the closing procedure.
import type { PrismaClient } from '../db/client.js';
import { type CadreRank, COUNTY_APPROVER_RANK } from '../policy/index.js';

type Db = Pick<PrismaClient, 'cadre' | 'village'>;

export interface RankHolder {
  id: string;
  name: string;
  rank: string;
}

const holder = { id: true, name: true, rank: true } as const;

/**
 * The active holders of `rank` for a village, most fitting first: the mapped 包村领导 / 分管负责人
 * (for a village without a mapped 包村领导, the 包村领导 covering it; for a 帮扶责任人 rung, the
 * first covering it); every active 乡长, 党委书记 or county approver of the township. Empty when
 * nobody holds it.
 */
export async function holdersOfRank(
  db: Db,
  villageId: string,
  rank: CadreRank | typeof COUNTY_APPROVER_RANK,
): Promise<RankHolder[]> {
  if (rank === 'VILLAGE_LEADER' || rank === 'LEADER_IN_CHARGE') {
    const village = await db.village.findUnique({
      where: { id: villageId },
      select: {
        villageLeader: { select: { ...holder, active: true } },
        leaderInCharge: { select: { ...holder, active: true } },
      },
    });
    const mapped = rank === 'VILLAGE_LEADER' ? village?.villageLeader : village?.leaderInCharge;
    if (mapped) return mapped.active ? [{ id: mapped.id, name: mapped.name, rank: mapped.rank }] : [];
    if (rank === 'LEADER_IN_CHARGE') return [];
  }
  if (rank === 'VILLAGE_LEADER' || rank === 'ASSISTANCE_CADRE') {
    return db.cadre.findMany({
      where: { active: true, rank, villages: { some: { id: villageId } } },
      select: holder,
      orderBy: { id: 'asc' },
      take: 1,
    });
  }
  const all = await db.cadre.findMany({
    where: { active: true, rank },
    select: holder,
    orderBy: { id: 'asc' },
  });
  // One 乡长 and one 党委书记 are told; a township with several listed tells the first by id.
  return rank === COUNTY_APPROVER_RANK ? all : all.slice(0, 1);
}
