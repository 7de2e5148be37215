import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../db/client.js';
import type { SeedTownship } from './seed-data.js';
import { createUser, type Role } from './users.js';

/** The leadership supervises (督战看板); 包村领导 and 帮扶责任人 work their task lists. */
const ROLE_OF_RANK: Record<string, Role> = {
  PARTY_SECRETARY: 'SUPERVISOR',
  TOWNSHIP_HEAD: 'SUPERVISOR',
  LEADER_IN_CHARGE: 'SUPERVISOR',
  VILLAGE_LEADER: 'LEADER',
  ASSISTANCE_CADRE: 'LEADER',
};

export interface SeedAccount {
  username: string;
  password: string;
  role: Role;
  name: string;
}

/**
 * An account for every cadre of the seed township, so a new user can log in as a cadre or a
 * supervisor at once. Passwords are generated and returned once (npm start writes them to a file
 * in the data folder); accounts that exist are left alone.
 */
export async function createSeedAccounts(prisma: PrismaClient, data: SeedTownship): Promise<SeedAccount[]> {
  const created: SeedAccount[] = [];
  for (const cadre of data.cadres) {
    const username = cadre.email.split('@')[0] ?? cadre.id;
    if (await prisma.user.findFirst({ where: { OR: [{ username }, { cadreId: cadre.id }] } })) continue;
    const password = randomBytes(9).toString('base64url');
    const role = ROLE_OF_RANK[cadre.rank] ?? 'LEADER';
    await createUser(prisma, { username, displayName: cadre.name, password, role, cadreId: cadre.id });
    created.push({ username, password, role, name: cadre.name });
  }
  return created;
}
