/**
 * `npm run seed`: loads the seed township (XX乡, its 49 key households and their cadres) into
 * DATABASE_URL and starts each household's supervision workflow on TEMPORAL_ADDRESS. Safe to run
 * again: it adds only what is missing. A worker (`npm run worker`) runs the workflows. The seed
 * cadres' accounts are created too; their passwords go to `$DATA_DIR/seed-accounts.txt` (mode 0600).
 */
import { ConfigError, loadConfig } from '../config/env.js';
import { assertDatabaseReachable } from '../db/check.js';
import { createPrisma } from '../db/client.js';
import { loadSeedTownship, type SeedRowCounts, startSeedWorkflows } from '../domain/seed.js';
import { createSeedAccounts } from '../domain/seed-accounts.js';
import { generateSeedTownship } from '../domain/seed-data.js';
import { connectTemporalClient } from '../server/temporal-client.js';
import { embeddedDatabaseUrl } from '../stack/embedded-postgres.js';
import { runMain } from './run-main.js';
import { recordSeedAccounts } from './seed-accounts-file.js';

const say = (line: string) => console.error(`duzhan: ${line}`);

const describeCounts = (c: SeedRowCounts) =>
  `${c.villages} villages, ${c.cadres} cadres, ${c.households} households, ${c.members} people, ` +
  `${c.assignments} assistance assignments`;

runMain(async (onStop) => {
  const config = loadConfig();
  // Unset: the embedded servers of a running `npm start` (which seeds an empty database itself).
  const databaseUrl = config.DATABASE_URL ?? embeddedDatabaseUrl(config.PG_PORT);
  const temporalAddress = config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`;
  await assertDatabaseReachable(databaseUrl).catch((error: Error) => {
    throw new ConfigError(`${error.message} (is npm start running? or set DATABASE_URL)`);
  });
  const prisma = createPrisma(databaseUrl);
  onStop(() => prisma.$disconnect());
  const temporal = await connectTemporalClient(temporalAddress, config.TEMPORAL_NAMESPACE);
  onStop(() => temporal.connection.close());

  const data = generateSeedTownship();
  const loaded = await loadSeedTownship(prisma, data);
  say(`seed township ${data.township.name}: ${describeCounts(loaded.present)}`);
  say(`added by this run: ${describeCounts(loaded.created)}`);

  const workflows = await startSeedWorkflows(
    prisma,
    temporal,
    config.TEMPORAL_TASK_QUEUE,
    data.households.map((h) => h.id),
  );
  say(
    `workflows on task queue ${config.TEMPORAL_TASK_QUEUE}: ${workflows.started} started, ` +
      `${workflows.alreadyRunning} already there`,
  );
  // The cadres' log-ins, as the first `npm start` makes them: without them nobody could sign in.
  await recordSeedAccounts(config.dataDir, await createSeedAccounts(prisma, data), say);

  // runMain runs the clean-ups only on failure or Ctrl-C; close here so the process can end.
  await temporal.connection.close();
  await prisma.$disconnect();
});
