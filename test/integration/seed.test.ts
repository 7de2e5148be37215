import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPrisma, type PrismaClient } from '../../db/client.js';
import { applyMigrations } from '../../db/migrate.js';
import { accountLabel } from '../../domain/access.js';
import {
  countSeedRows,
  isDatabaseEmpty,
  loadSeedTownship,
  seedAssistanceAssignmentId,
} from '../../domain/seed.js';
import { generateSeedTownship, POVERTY_CAUSES, type SeedHousehold } from '../../domain/seed-data.js';
import { authenticate } from '../../domain/users.js';
import { connectTemporalClient } from '../../server/temporal-client.js';
import { householdWorkflowId } from '../../workflows/household/definitions.js';
import { scratchDatabase } from '../helpers/scratch-database.js';

const seed = generateSeedTownship();
const people = (households: readonly SeedHousehold[]) => households.reduce((n, h) => n + h.members.length, 0);
const inCategory = (category: string) => seed.households.filter((h) => h.category === category);
const cadreById = new Map(seed.cadres.map((c) => [c.id, c]));

describe('the seed township (generated)', () => {
  it('has the work plan’s 49 key households: 10/34 未脱贫, 13/55 监测, 26/103 边缘', () => {
    expect(seed.households).toHaveLength(49);
    expect(people(seed.households)).toBe(192);
    expect([inCategory('UNLIFTED').length, people(inCategory('UNLIFTED'))]).toEqual([10, 34]);
    expect([inCategory('MONITORED').length, people(inCategory('MONITORED'))]).toEqual([13, 55]);
    expect([inCategory('MARGINAL').length, people(inCategory('MARGINAL'))]).toEqual([26, 103]);
  });

  it('has two poor villages, where most key households live', () => {
    const poor = new Set(seed.villages.filter((v) => v.isPoor).map((v) => v.id));
    expect(poor.size).toBe(2);
    expect(seed.households.filter((h) => poor.has(h.villageId)).length).toBeGreaterThan(49 / 2);
  });

  it('has the leadership: 党委书记, 乡长, three 分管负责人 and a 包村领导 per village', () => {
    const ofRank = (rank: string) => seed.cadres.filter((c) => c.rank === rank);
    expect(ofRank('PARTY_SECRETARY')).toHaveLength(1);
    expect(ofRank('TOWNSHIP_HEAD')).toHaveLength(1);
    expect(ofRank('LEADER_IN_CHARGE')).toHaveLength(3);
    const villageLeaders = ofRank('VILLAGE_LEADER');
    expect(villageLeaders.map((c) => c.villageIds).sort()).toEqual(seed.villages.map((v) => [v.id]).sort());
  });

  it('gives every household a 帮扶责任人 covering its village, about four households each', () => {
    for (const household of seed.households) {
      const cadre = cadreById.get(household.assistanceCadreId);
      expect(cadre?.rank, household.id).toBe('ASSISTANCE_CADRE');
      expect(cadre?.villageIds, household.id).toContain(household.villageId);
    }
    const assistance = seed.cadres.filter((c) => c.rank === 'ASSISTANCE_CADRE');
    for (const cadre of assistance) expect(cadre.villageIds.length).toBeGreaterThanOrEqual(1);
    for (const cadre of assistance) expect(cadre.villageIds.length).toBeLessThanOrEqual(2);
    expect(Math.round(49 / assistance.length)).toBe(4);
  });

  it('reaches cadres only at reserved .example addresses, each unique', () => {
    const emails = seed.cadres.map((c) => c.email);
    expect(new Set(emails).size).toBe(emails.length);
    for (const cadre of seed.cadres) {
      expect(cadre.email).toMatch(/^cadre\d{2}@duzhan\.example$/);
      expect(cadre.phone).toMatch(/^138000000\d{2}$/);
      expect(cadre.name).toMatch(/^[\u4e00-\u9fa5]{2,3}$/);
    }
  });

  it('numbers households with 13 unique digits, the head first among the members', () => {
    const numbers = seed.households.map((h) => h.number);
    expect(new Set(numbers).size).toBe(49);
    for (const household of seed.households) {
      expect(household.number).toMatch(/^\d{13}$/);
      expect(household.id).toBe(household.number);
      expect(household.members[0]?.relation).toBe('户主');
      expect(household.members[0]?.name).toBe(household.headName);
    }
  });

  it('keeps labour consistent with the labour class: nobody fully able in a 兜底 household', () => {
    for (const household of seed.households) {
      const able = household.members.filter((m) => m.labourAbility === 'FULL').length;
      if (household.labourClass === 'CLASS_4') expect(able, household.id).toBe(0);
      else expect(able, household.id).toBeGreaterThan(0);
    }
    const nobodyCanWork = seed.households.filter((h) => h.members.every((m) => m.labourAbility === 'NONE'));
    expect(nobodyCanWork.length).toBeGreaterThanOrEqual(2);
  });

  it('records causes from the list, needs and a 一户一策 plan for every household', () => {
    for (const household of seed.households) {
      expect(household.causes.length, household.id).toBeGreaterThan(0);
      for (const cause of household.causes) expect(POVERTY_CAUSES).toContain(cause);
      expect(household.needs, household.id).not.toBe('');
      expect(household.plan, household.id).toMatch(/。$/);
    }
  });

  it('is the same data every time', () => {
    expect(generateSeedTownship()).toEqual(seed);
  });
});

describe('loadSeedTownship into PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let prisma: PrismaClient;
  const full = { township: 1, villages: 6, cadres: 23, households: 49, members: 192, assignments: 49 };

  beforeAll(async () => {
    db = await scratchDatabase('seed');
    await applyMigrations(db.url);
    prisma = createPrisma(db.url);
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.drop();
  });

  it('writes the whole township into an empty database', async () => {
    expect(await isDatabaseEmpty(prisma)).toBe(true);
    const loaded = await loadSeedTownship(prisma, seed);
    expect(loaded.present).toEqual(full);
    expect(loaded.created).toEqual(full);
    expect(await isDatabaseEmpty(prisma)).toBe(false);
  });

  it('writes each household’s 帮扶责任人 as an open ASSISTANCE assignment covering its village', async () => {
    const rows = await prisma.assignment.findMany({
      where: { id: { in: seed.households.map((h) => seedAssistanceAssignmentId(h.id)) } },
      include: { household: true, cadre: { include: { villages: true } } },
    });
    expect(rows).toHaveLength(49);
    for (const row of rows) {
      expect(row.role).toBe('ASSISTANCE');
      expect(row.to).toBeNull();
      expect(row.from.toISOString()).toBe(new Date(seed.assistanceSince).toISOString());
      expect(row.cadre.rank).toBe('ASSISTANCE_CADRE');
      expect(row.cadre.villages.map((v) => v.id)).toContain(row.household.villageId);
    }
  });

  it('stores the members, categories and poor villages as generated', async () => {
    const households = await prisma.household.findMany({
      where: { id: { in: seed.households.map((h) => h.id) } },
      include: { members: true },
    });
    const byCategory = (category: string) => households.filter((h) => h.category === category);
    const count = (rows: typeof households) => rows.reduce((n, h) => n + h.members.length, 0);
    expect([byCategory('UNLIFTED').length, count(byCategory('UNLIFTED'))]).toEqual([10, 34]);
    expect([byCategory('MONITORED').length, count(byCategory('MONITORED'))]).toEqual([13, 55]);
    expect([byCategory('MARGINAL').length, count(byCategory('MARGINAL'))]).toEqual([26, 103]);
    const poor = await prisma.village.count({
      where: { id: { in: seed.villages.map((v) => v.id) }, isPoor: true },
    });
    expect(poor).toBe(2);
  });

  it('changes nothing when loaded again, and keeps what the system changed since', async () => {
    const [first] = seed.households;
    if (!first) throw new Error('the seed has no household');
    await prisma.household.update({
      where: { id: first.id },
      data: { status: 'SUPERVISED', category: 'MONITORED' },
    });

    const again = await loadSeedTownship(prisma, seed);
    expect(again.created).toEqual({
      township: 0,
      villages: 0,
      cadres: 0,
      households: 0,
      members: 0,
      assignments: 0,
    });
    expect(await countSeedRows(prisma, seed)).toEqual(full);
    const kept = await prisma.household.findUniqueOrThrow({ where: { id: first.id } });
    expect([kept.status, kept.category]).toEqual(['SUPERVISED', 'MONITORED']);
  });
});

describe('npm run seed on the production path (DATABASE_URL and TEMPORAL_ADDRESS set)', () => {
  const root = path.resolve(import.meta.dirname, '../..');
  const taskQueue = `seed-${randomUUID()}`; // no worker polls it: the workflows only need to exist
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let prisma: PrismaClient;
  let dataDir: string;

  /** Runs `npm run seed`'s entry point; answers what it printed. */
  async function runSeed(): Promise<string> {
    const { stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/seed.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_TASK_QUEUE: taskQueue,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
      },
      timeout: 120_000,
    });
    return stderr;
  }

  beforeAll(async () => {
    db = await scratchDatabase('seed_script');
    await applyMigrations(db.url);
    prisma = createPrisma(db.url);
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'duzhan-seed-'));
  });

  afterAll(async () => {
    // The seed's workflow ids are fixed: end them, so no later test finds them taken.
    const temporal = await connectTemporalClient(inject('temporalAddress'), 'default');
    for (const household of seed.households)
      await temporal.workflow
        .getHandle(householdWorkflowId(household.id))
        .terminate('seed test done')
        .catch(() => {});
    await temporal.connection.close();
    await prisma?.$disconnect();
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('creates an account for each of the 23 cadres and the county approver, passwords in a file only its owner can read', async () => {
    const printed = await runSeed();
    const file = path.join(dataDir, 'seed-accounts.txt');
    expect(printed).toContain(
      `accounts for 24 cadres of the seed township (passwords generated once): ${file}`,
    );
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const [header, ...rows] = (await readFile(file, 'utf8')).trim().split('\n');
    expect(header).toBe('username\tpassword\trole\tname');
    expect(rows).toHaveLength(24);
    expect(await prisma.user.count({ where: { cadreId: { in: seed.cadres.map((c) => c.id) } } })).toBe(23);
    for (const row of rows) {
      const [username = '', password = '', role] = row.split('\t');
      expect(printed).not.toContain(password); // printed nowhere but in the file
      const user = await authenticate(prisma, username, password);
      expect(user && accountLabel(user), username).toBe(role);
    }
    expect(await prisma.household.count({ where: { workflowId: { not: null } } })).toBe(49);
  });

  it('adds no account on a second run and leaves the file as it was', async () => {
    const file = path.join(dataDir, 'seed-accounts.txt');
    const before = await readFile(file, 'utf8');
    const users = await prisma.user.count();

    const printed = await runSeed();
    expect(printed).toContain('none added');
    expect(printed).toContain('0 started, 49 already there');
    expect(await prisma.user.count()).toBe(users);
    expect(await readFile(file, 'utf8')).toBe(before);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});
