/**
 * `npm start`: the whole system on one machine. Starts (or connects to) Temporal and PostgreSQL,
 * applies migrations, then runs the worker and the web server in this process; Ctrl-C stops all.
 */
import { describeChannels, loadChannelSettings } from '../config/channels.js';
import { loadConfig } from '../config/env.js';
import { logger } from '../config/logger.js';
import { redact } from '../db/check.js';
import { createPrisma } from '../db/client.js';
import { ensureBuiltInPolicies } from '../domain/policy-versions.js';
import { seedIfEmpty } from '../domain/seed.js';
import { ensureFirstAdmin } from '../domain/users.js';
import { createApp } from '../server/app.js';
import { listen } from '../server/listen.js';
import { connectTemporalClient } from '../server/temporal-client.js';
import { startInfrastructure } from '../stack/infrastructure.js';
import { startMailCatcher } from '../stack/mail-catcher.js';
import { assertPortFree } from '../stack/ports.js';
import { sessionSecret } from '../stack/session-secret.js';
import { ensureDigestSchedule } from '../worker/digest-schedule.js';
import { installTemporalLogger } from '../worker/runtime-logger.js';
import { ensureSearchAttributes } from '../worker/search-attributes.js';
import { startWorker } from '../worker/worker.js';
import { runMain } from './run-main.js';
import { recordSeedAccounts } from './seed-accounts-file.js';

runMain(async (onStop, fail) => {
  const config = loadConfig();
  const channels = loadChannelSettings();
  const say = (line: string) => console.error(`duzhan: ${line}`);
  await assertPortFree(config.PORT, 'PORT');

  const infra = await startInfrastructure({
    dataDir: config.dataDir,
    toolsDir: config.toolsDir,
    namespace: config.TEMPORAL_NAMESPACE,
    temporalAddress: config.TEMPORAL_ADDRESS,
    temporalPort: config.TEMPORAL_PORT,
    temporalUiPort: config.TEMPORAL_UI_PORT,
    persistTemporal: true,
    supervise: true,
    databaseUrl: config.DATABASE_URL,
    pgPort: config.PG_PORT,
    say,
    onStarted: onStop,
  });
  if (infra.appliedMigrations.length) say(`applied migrations: ${infra.appliedMigrations.join(', ')}`);

  const prisma = createPrisma(infra.databaseUrl);
  onStop(() => prisma.$disconnect());
  await ensureBuiltInPolicies(prisma);
  const temporal = await connectTemporalClient(infra.temporalAddress, config.TEMPORAL_NAMESPACE);
  onStop(() => temporal.connection.close());
  // The dev server registers them itself; an external TEMPORAL_ADDRESS may not have them yet.
  await ensureSearchAttributes(temporal.connection, config.TEMPORAL_NAMESPACE);

  installTemporalLogger();
  // E-mail: SMTP_URL, or the embedded catcher (started before the worker, stopped after it).
  const catcher = config.SMTP_URL
    ? undefined
    : await startMailCatcher({
        smtpPort: config.MAIL_SMTP_PORT,
        webPort: config.MAIL_WEB_PORT,
        dataDir: config.dataDir,
      });
  if (catcher) onStop(catcher.stop);
  const smtpUrl = config.SMTP_URL ?? catcher?.smtpUrl ?? '';
  const worker = await startWorker({
    address: infra.temporalAddress,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    prisma,
    publicUrl: config.publicUrl,
    smtpUrl,
    mailFrom: config.MAIL_FROM,
    timeZone: config.TZ,
    memoryMiB: config.WORKER_MEMORY_MIB,
    channels,
  });
  onStop(async () => {
    worker.worker.shutdown();
    await worker.done;
  });
  // A worker that dies at run time ends the whole system with its reason, stopping the rest.
  worker.done.catch(fail);
  await ensureDigestSchedule(temporal, config.TEMPORAL_TASK_QUEUE, config);

  const seeded = await seedIfEmpty(prisma, temporal, config.TEMPORAL_TASK_QUEUE);
  if (seeded) {
    say(
      `empty database: loaded the seed township, ${seeded.households} households, ${seeded.started} workflows started`,
    );
    await recordSeedAccounts(config.dataDir, seeded.accounts, say);
  }

  const firstAdmin = await ensureFirstAdmin(prisma, config.ADMIN_PASSWORD);
  const web = createApp({
    config: { ...config, sessionSecret: await sessionSecret(config.SESSION_SECRET, config.dataDir) },
    prisma,
    temporal,
    databaseUrl: infra.databaseUrl,
  });
  onStop(web.close);
  const server = await listen(web.app, config.PORT);
  onStop(server.close);

  logger.info({ temporal: infra.temporalAddress, taskQueue: config.TEMPORAL_TASK_QUEUE }, 'duzhan is up');
  say(`web app      ${config.publicUrl}`);
  say(`health       ${config.publicUrl}/healthz`);
  say(
    `Temporal     ${infra.temporalAddress}${infra.temporalUiUrl ? `   Web UI ${infra.temporalUiUrl}` : ''}`,
  );
  say(`PostgreSQL   ${redact(infra.databaseUrl)}`);
  say(
    catcher
      ? `e-mail       ${catcher.webUrl}   (catcher, SMTP ${catcher.smtpUrl})`
      : `e-mail       ${redact(smtpUrl)}`,
  );
  say(`channels     ${describeChannels(channels)}`);
  if (firstAdmin?.password)
    say(`first admin created: user admin, password ${firstAdmin.password} (shown once)`);
  say('Ctrl-C stops everything');
});
