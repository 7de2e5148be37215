import type { PrismaClient } from '../db/client.js';

/** The bench's township: one village, a cadre of each leadership rank and one 帮扶责任人. */
export const BENCH_VILLAGE = 'bench-village';
const CADRES = [
  ['bench-assist', 'ASSISTANCE_CADRE', '张帮扶'],
  ['bench-village-leader', 'VILLAGE_LEADER', '王包村'],
  ['bench-charge', 'LEADER_IN_CHARGE', '赵分管'],
  ['bench-head', 'TOWNSHIP_HEAD', '钱乡长'],
  ['bench-secretary', 'PARTY_SECRETARY', '孙书记'],
] as const;

/**
 * Writes the village, its cadres and `count` households of three members, each with its
 * 帮扶责任人 already assigned (as the ledger has it), in a few bulk inserts. Returns the household ids.
 */
export async function createBenchHouseholds(
  prisma: PrismaClient,
  count: number,
  prefix = 'bench-H',
): Promise<string[]> {
  if (!(await prisma.village.findUnique({ where: { id: BENCH_VILLAGE } }))) {
    await prisma.village.create({ data: { id: BENCH_VILLAGE, name: '压测村', isPoor: true } });
    for (const [id, rank, name] of CADRES) {
      await prisma.cadre.create({
        data: {
          id,
          name,
          rank,
          email: `${id}@duzhan.example`,
          villages: { connect: [{ id: BENCH_VILLAGE }] },
        },
      });
    }
  }
  const ids = Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(6, '0')}`);
  for (const chunk of chunks(ids, 2_000)) await writeHouseholds(prisma, chunk);
  return ids;
}

/** Bulk inserts in chunks: one statement may carry at most 65,535 parameters. */
function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );
}

async function writeHouseholds(prisma: PrismaClient, ids: string[]) {
  await prisma.household.createMany({
    data: ids.map((id) => ({
      id,
      number: id,
      headName: '户主',
      villageId: BENCH_VILLAGE,
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
      cadreId: 'bench-assist',
      role: 'ASSISTANCE',
      from: new Date(0),
    })),
  });
}
