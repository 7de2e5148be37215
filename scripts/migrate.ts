/** `npm run migrate`: applies pending prisma/migrations to DATABASE_URL (the compose stack's one-shot step). */
import { ConfigError, loadConfig } from '../config/env.js';
import { assertDatabaseReachable } from '../db/check.js';
import { applyMigrations } from '../db/migrate.js';
import { runMain } from './run-main.js';

runMain(async () => {
  const { DATABASE_URL } = loadConfig();
  if (!DATABASE_URL)
    throw new ConfigError('DATABASE_URL is not set (npm start migrates its embedded database itself)');
  await assertDatabaseReachable(DATABASE_URL);
  const applied = await applyMigrations(DATABASE_URL);
  console.error(`duzhan: ${applied.length ? `applied ${applied.join(', ')}` : 'database is up to date'}`);
});
