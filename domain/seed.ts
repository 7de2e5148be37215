// Loads the seed township (domain/seed-data.ts) into PostgreSQL and starts a supervision workflow
// per key household. Both steps can be run again at any time: they only add what is missing.
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../db/client.js';
import { createSeedAccounts } from './seed-accounts.js';
import type { SeedCadre, SeedHousehold, SeedTownship } from './seed-data.js';
import { generateSeedTownship } from './seed-data.js';
import { startSupervision } from './supervision.js';

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];
/** Either the client or a transaction: both can count. */
type Db = Pick<Tx, 'township' | 'village' | 'cadre' | 'household' | 'householdMember' | 'assignment'>;

/** Serialises seed loads, so two processes starting on an empty database do not collide. */
const SEED_LOCK = 7_281_002;
/** Generous: a hundred-odd upserts in one transaction, on a slow disk. */
const LOAD_TIMEOUT_MS = 120_000;

export interface SeedRowCounts {
  township: number;
  villages: number;
  cadres: number;
  households: number;
  members: number;
  assignments: number;
}

export interface SeedLoadResult {
  /** The seed's rows in the database after loading. */
  present: SeedRowCounts;
  /** How many of them this load wrote (zero everywhere on a second load). */
  created: SeedRowCounts;
}

export interface SeedWorkflowsResult {
  started: number;
  alreadyRunning: number;
}

/** The id of the 帮扶责任人 assignment the seed writes; the workflow's assignment activity keeps it. */
export const seedAssistanceAssignmentId = (householdId: string) => `seed/${householdId}/ASSISTANCE`;

/** True when no household has been registered yet: the first start loads the seed then. */
export async function isDatabaseEmpty(prisma: PrismaClient): Promise<boolean> {
  return (await prisma.household.findFirst({ select: { id: true } })) === null;
}

/** Counts only the seed's own rows (by id), whatever else the database holds. */
export async function countSeedRows(db: Db, data: SeedTownship): Promise<SeedRowCounts> {
  const ids = <T extends { id: string }>(rows: readonly T[]) => ({ id: { in: rows.map((r) => r.id) } });
  const householdIds = data.households.map((h) => h.id);
  const [township, villages, cadres, households, members, assignments] = await Promise.all([
    db.township.count({ where: { id: data.township.id } }),
    db.village.count({ where: ids(data.villages) }),
    db.cadre.count({ where: ids(data.cadres) }),
    db.household.count({ where: { id: { in: householdIds } } }),
    db.householdMember.count({ where: ids(data.households.flatMap((h) => h.members)) }),
    db.assignment.count({ where: { id: { in: householdIds.map(seedAssistanceAssignmentId) } } }),
  ]);
  return { township, villages, cadres, households, members, assignments };
}

const difference = (after: SeedRowCounts, before: SeedRowCounts): SeedRowCounts => ({
  township: after.township - before.township,
  villages: after.villages - before.villages,
  cadres: after.cadres - before.cadres,
  households: after.households - before.households,
  members: after.members - before.members,
  assignments: after.assignments - before.assignments,
});

// Every upsert below has `update: {}` on purpose: once loaded, the rows belong to the running system
// (workflows change a household's status and category, admins reassign cadres and end assignments),
// and loading the seed again must not undo any of that.

async function upsertCadre(tx: Tx, cadre: SeedCadre): Promise<void> {
  const { villageIds, ...fields } = cadre;
  await tx.cadre.upsert({
    where: { id: cadre.id },
    create: { ...fields, villages: { connect: villageIds.map((id) => ({ id })) } },
    update: {},
  });
}

async function upsertHousehold(tx: Tx, household: SeedHousehold): Promise<void> {
  const { members, assistanceCadreId: _cadre, ...fields } = household;
  // The members are created with the household, in one statement: a household never lacks some of them.
  await tx.household.upsert({
    where: { id: household.id },
    create: { ...fields, members: { create: members } },
    update: {},
  });
}

async function upsertAssistanceAssignment(tx: Tx, household: SeedHousehold, from: Date): Promise<void> {
  const id = seedAssistanceAssignmentId(household.id);
  await tx.assignment.upsert({
    where: { id },
    create: { id, householdId: household.id, cadreId: household.assistanceCadreId, role: 'ASSISTANCE', from },
    update: {},
  });
}

async function writeSeed(tx: Tx, data: SeedTownship): Promise<void> {
  const { township } = data;
  await tx.township.upsert({ where: { id: township.id }, create: township, update: {} });
  for (const { villageLeaderId: _l, leaderInChargeId: _c, ...village } of data.villages)
    await tx.village.upsert({
      where: { id: village.id },
      create: { ...village, townshipId: township.id },
      update: {},
    });
  for (const cadre of data.cadres) await upsertCadre(tx, cadre);
  // The leader map once its cadres exist; a map an admin has edited since is kept.
  for (const village of data.villages) {
    await tx.village.updateMany({
      where: { id: village.id, villageLeaderId: null },
      data: { villageLeaderId: village.villageLeaderId },
    });
    await tx.village.updateMany({
      where: { id: village.id, leaderInChargeId: null },
      data: { leaderInChargeId: village.leaderInChargeId },
    });
  }
  const from = new Date(data.assistanceSince);
  for (const household of data.households) {
    await upsertHousehold(tx, household);
    await upsertAssistanceAssignment(tx, household, from);
  }
}

/**
 * Writes the township, villages, cadres, households with their members and each household's
 * 帮扶责任人 assignment, all or nothing (a half-loaded seed would make the database look not
 * empty and never be completed). Idempotent: rows are upserted by id and never overwritten.
 */
export async function loadSeedTownship(prisma: PrismaClient, data: SeedTownship): Promise<SeedLoadResult> {
  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SEED_LOCK})`;
      const before = await countSeedRows(tx, data);
      await writeSeed(tx, data);
      const present = await countSeedRows(tx, data);
      return { present, created: difference(present, before) };
    },
    { timeout: LOAD_TIMEOUT_MS, maxWait: LOAD_TIMEOUT_MS },
  );
}

/**
 * Starts the supervision workflow of each household that has none, and records its id on the
 * household (also for one already running, in case an earlier run stopped before recording it).
 * The workflow itself marks the household SUPERVISED once admitted.
 */
export async function startSeedWorkflows(
  prisma: PrismaClient,
  temporal: Client,
  taskQueue: string,
  householdIds: readonly string[],
): Promise<SeedWorkflowsResult> {
  const result: SeedWorkflowsResult = { started: 0, alreadyRunning: 0 };
  for (const householdId of householdIds) {
    const started = await startSupervision({ prisma, temporal, taskQueue }, householdId);
    if (started) result.started += 1;
    else result.alreadyRunning += 1;
  }
  return result;
}

/**
 * On a first start (no household at all), loads the seed township and starts its workflows, so a
 * new user sees the 49 households under supervision at once. Returns what it did, or undefined.
 */
export async function seedIfEmpty(prisma: PrismaClient, temporal: Client, taskQueue: string) {
  if (!(await isDatabaseEmpty(prisma))) return undefined;
  const data = generateSeedTownship();
  const loaded = await loadSeedTownship(prisma, data);
  const workflows = await startSeedWorkflows(
    prisma,
    temporal,
    taskQueue,
    data.households.map((h) => h.id),
  );
  const accounts = await createSeedAccounts(prisma, data);
  return { households: loaded.present.households, ...workflows, accounts };
}
