import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SeedAccount } from '../domain/seed-accounts.js';

const HEADER = 'username\tpassword\trole\tname';

/** `<dataDir>/seed-accounts.txt`: the only place the seed cadres' generated passwords are kept. */
export const seedAccountsFile = (dataDir: string) => path.join(dataDir, 'seed-accounts.txt');

/**
 * Records the passwords of seed accounts just created, for `npm start` and `npm run seed` alike, in
 * a file only its owner can read (0600, written aside and renamed, so it is never readable by others
 * even for a moment). Accounts listed by an earlier run stay listed, and an account made again
 * replaces its old line. Says where the file is, or that no account was added.
 */
export async function recordSeedAccounts(
  dataDir: string,
  created: readonly SeedAccount[],
  say: (line: string) => void,
): Promise<void> {
  if (created.length === 0) {
    say('seed accounts: every cadre of the seed township has one already, none added');
    return;
  }
  const file = seedAccountsFile(dataDir);
  const renewed = new Set(created.map((a) => a.username));
  const earlier = (await readFile(file, 'utf8').catch(() => ''))
    .split('\n')
    .filter((line) => line && line !== HEADER && !renewed.has(line.split('\t')[0] ?? ''));
  const lines = [...earlier, ...created.map((a) => `${a.username}\t${a.password}\t${a.role}\t${a.name}`)];
  await mkdir(dataDir, { recursive: true });
  const aside = `${file}.${randomBytes(6).toString('hex')}`;
  try {
    await writeFile(aside, `${HEADER}\n${lines.join('\n')}\n`, { mode: 0o600 });
    await rename(aside, file);
  } finally {
    await rm(aside, { force: true });
  }
  say(`accounts for ${created.length} cadres of the seed township (passwords generated once): ${file}`);
}
