/** `npm run migrate`: applies pending prisma/migrations to DATABASE_URL and stores the built-in policy versions (the compose stack's one-shot step). */
import { ConfigError, loadConfig } from '../config/env.js';
import { assertDatabaseReachable } from '../db/check.js';
import { createPrisma } from '../db/client.js';
import { applyMigrations } from '../db/migrate.js';
import { ensureBuiltInPolicies } from '../domain/policy-versions.js';
import { runMain } from './run-main.js';

runMain(async () => {
  const { DATABASE_URL } = loadConfig();
  if (!DATABASE_URL)
    throw new ConfigError('DATABASE_URL is not set (npm start migrates its embedded database itself)');
  await assertDatabaseReachable(DATABASE_URL);
  const applied = await applyMigrations(DATABASE_URL);
  const prisma = createPrisma(DATABASE_URL);
  await ensureBuiltInPolicies(prisma).finally(() => prisma.$disconnect());
  console.error(`duzhan: ${applied.length ? `applied ${applied.join(', ')}` : 'database is up to date'}`);
});
