import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../db/client.js';
import { accountLabel, type Capability, COUNTY_APPROVER_RANK } from './access.js';
import type { SeedTownship } from './seed-data.js';
import { createUser } from './users.js';

/**
 * Every seed cadre's account acts as its cadre (completes the tasks of the households it is paired
 * with); the township leadership also supervises (督战看板, report, closing steps).
 */
const CAPABILITIES_OF_RANK: Record<string, Capability[]> = {
  PARTY_SECRETARY: ['SUPERVISE'],
  TOWNSHIP_HEAD: ['SUPERVISE'],
  LEADER_IN_CHARGE: ['SUPERVISE'],
  VILLAGE_LEADER: [],
  ASSISTANCE_CADRE: [],
};

/** The county's approver of 县级审批: a cadre outside the township's ladder, never paired with a household. */
export const SEED_COUNTY_APPROVER = {
  id: 'county-approver',
  name: '县乡村振兴局审批人',
  email: 'county.approver@duzhan.example',
  rank: COUNTY_APPROVER_RANK,
} as const;

export interface SeedAccount {
  username: string;
  password: string;
  /** What the account is, in words (帮扶干部、督战领导 …), for the accounts file. */
  role: string;
  capabilities: Capability[];
  name: string;
}

interface AccountPlan {
  username: string;
  name: string;
  cadreId: string;
  capabilities: Capability[];
}

function accountPlans(data: SeedTownship): AccountPlan[] {
  return [
    ...data.cadres.map((cadre) => ({
      username: cadre.email.split('@')[0] ?? cadre.id,
      name: cadre.name,
      cadreId: cadre.id,
      capabilities: CAPABILITIES_OF_RANK[cadre.rank] ?? [],
    })),
    {
      username: SEED_COUNTY_APPROVER.email.split('@')[0] as string,
      name: SEED_COUNTY_APPROVER.name,
      cadreId: SEED_COUNTY_APPROVER.id,
      capabilities: ['APPROVE_COUNTY'],
    },
  ];
}

/**
 * An account for every cadre of the seed township, and the county approver (with its Cadre row), so a
 * new user can log in as a cadre, a township leader or the county at once. Passwords are generated
 * and returned once (npm start writes them to a file in the data folder); accounts that exist are
 * left alone.
 */
export async function createSeedAccounts(prisma: PrismaClient, data: SeedTownship): Promise<SeedAccount[]> {
  const { id, name, email, rank } = SEED_COUNTY_APPROVER;
  await prisma.cadre.upsert({ where: { id }, create: { id, name, email, rank }, update: {} });
  const created: SeedAccount[] = [];
  for (const plan of accountPlans(data)) {
    const { username, cadreId, capabilities } = plan;
    if (await prisma.user.findFirst({ where: { OR: [{ username }, { cadreId }] } })) continue;
    const password = randomBytes(9).toString('base64url');
    await createUser(prisma, { username, displayName: plan.name, password, capabilities, cadreId });
    created.push({
      username,
      password,
      role: accountLabel({ cadreId, capabilities }),
      capabilities,
      name: plan.name,
    });
  }
  return created;
}
