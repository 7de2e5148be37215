import type { PrismaClient } from '../db/client.js';

/**
 * The bench's township, shaped like the one the queries bench generates (bench/queries/generate.ts)
 * and like a real county: villages of `villageSize` households, each with its own 包村领导, a
 * 分管负责人 for every five villages, one 乡长 and one 党委书记, and a 帮扶责任人 for every ten
 * households. `--village-size` as large as the households puts them all in one village with one
 * 帮扶责任人 per ten: every write of every household then meets on that village's kept counts
 * (the worst case, README).
 */
export interface BenchShape {
  villageSize: number;
}

const HOUSEHOLDS_PER_ASSISTANCE_CADRE = 10;
const VILLAGES_PER_LEADER_IN_CHARGE = 5;
const TOWNSHIP_LEADERS = [
  ['bench-head', 'TOWNSHIP_HEAD', '钱乡长'],
  ['bench-secretary', 'PARTY_SECRETARY', '孙书记'],
] as const;

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * Writes `count` households of three members (ids `<prefix>NNNNNN`) in villages of their own, with
 * their cadres, each household's 帮扶责任人 already assigned (as the ledger has it), in bulk
 * inserts. Returns the household ids.
 */
export async function createBenchHouseholds(
  prisma: PrismaClient,
  count: number,
  shape: BenchShape,
  prefix = 'bench-H',
): Promise<string[]> {
  await prisma.cadre.createMany({
    data: TOWNSHIP_LEADERS.map(([id, rank, name]) => ({ id, name, rank, email: `${id}@duzhan.example` })),
    skipDuplicates: true,
  });
  const ids = Array.from({ length: count }, (_, i) => `${prefix}${pad(i + 1, 6)}`);
  const villages = chunks(ids, shape.villageSize);
  for (const [v, villageHouseholds] of villages.entries()) {
    const leaderInChargeId = `${prefix}C${pad(Math.floor(v / VILLAGES_PER_LEADER_IN_CHARGE) + 1, 4)}`;
    await writeVillage(prisma, `${prefix}V${pad(v + 1, 4)}`, leaderInChargeId, villageHouseholds);
  }
  return ids;
}

/** One village: its row, its leaders, its 帮扶责任人 (linked to it) and its households. */
async function writeVillage(
  prisma: PrismaClient,
  villageId: string,
  leaderInChargeId: string,
  ids: string[],
) {
  const villageLeaderId = `${villageId}-leader`;
  const assistanceIds = chunks(ids, HOUSEHOLDS_PER_ASSISTANCE_CADRE).map(
    (_, i) => `${villageId}-A${pad(i + 1, 3)}`,
  );
  await prisma.cadre.createMany({
    data: [
      { id: leaderInChargeId, rank: 'LEADER_IN_CHARGE', name: `赵分管${leaderInChargeId.slice(-4)}` },
      { id: villageLeaderId, rank: 'VILLAGE_LEADER', name: `王包村${villageId.slice(-4)}` },
      ...assistanceIds.map((id) => ({ id, rank: 'ASSISTANCE_CADRE', name: `张帮扶${id.slice(-8)}` })),
    ].map((c) => ({ ...c, email: `${c.id}@duzhan.example` })),
    skipDuplicates: true,
  });
  await prisma.village.create({
    data: {
      id: villageId,
      name: `压测村${villageId}`,
      isPoor: true,
      villageLeaderId,
      leaderInChargeId,
      cadres: { connect: [villageLeaderId, ...assistanceIds].map((id) => ({ id })) },
    },
  });
  // The household at position i of the village has the (i / 10)th 帮扶责任人.
  const position = new Map(ids.map((id, i) => [id, i]));
  const assistanceOf = (id: string) =>
    assistanceIds[Math.floor((position.get(id) ?? 0) / HOUSEHOLDS_PER_ASSISTANCE_CADRE)] ?? '';
  for (const chunk of chunks(ids, 2_000)) await writeHouseholds(prisma, villageId, chunk, assistanceOf);
}

/** Bulk inserts in chunks: one statement may carry at most 65,535 parameters. */
function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );
}

async function writeHouseholds(
  prisma: PrismaClient,
  villageId: string,
  ids: string[],
  assistanceOf: (householdId: string) => string,
) {
  await prisma.household.createMany({
    data: ids.map((id) => ({
      id,
      number: id,
      headName: '户主',
      villageId,
      category: 'MARGINAL',
      labourClass: 'CLASS_1',
    })),
  });
  const members = [
    { age: 45, labourAbility: 'FULL' },
    { age: 43, labourAbility: 'FULL' },
    { age: 12, labourAbility: 'NONE' },
  ];
  await prisma.householdMember.createMany({
    data: ids.flatMap((id) =>
      members.map((m, i) => ({ id: `${id}-m${i}`, householdId: id, name: `成员${i}`, ...m })),
    ),
  });
  await prisma.assignment.createMany({
    data: ids.map((id) => ({
      id: `seed/${id}/ASSISTANCE`,
      householdId: id,
      cadreId: assistanceOf(id),
      role: 'ASSISTANCE',
      from: new Date(0),
    })),
  });
}
