/** `npm run worker`: one Temporal worker against TEMPORAL_ADDRESS, DATABASE_URL and SMTP_URL; run as many as needed. */
import { loadChannelSettings } from '../config/channels.js';
import { ConfigError, loadConfig } from '../config/env.js';
import { logger } from '../config/logger.js';
import { assertDatabaseReachable } from '../db/check.js';
import { createPrisma } from '../db/client.js';
import { connectTemporalClient } from '../server/temporal-client.js';
import { ensureDigestSchedule } from '../worker/digest-schedule.js';
import { installTemporalLogger } from '../worker/runtime-logger.js';
import { ensureSearchAttributes } from '../worker/search-attributes.js';
import { startWorker } from '../worker/worker.js';
import { runMain } from './run-main.js';

runMain(async (onStop) => {
  const config = loadConfig();
  const channels = loadChannelSettings();
  if (!config.TEMPORAL_ADDRESS || !config.DATABASE_URL || !config.SMTP_URL) {
    throw new ConfigError(
      'npm run worker needs TEMPORAL_ADDRESS, DATABASE_URL and SMTP_URL (npm start runs a worker itself)',
    );
  }
  await assertDatabaseReachable(config.DATABASE_URL);
  const prisma = createPrisma(config.DATABASE_URL);
  onStop(() => prisma.$disconnect());
  installTemporalLogger();
  const temporal = await connectTemporalClient(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE);
  onStop(() => temporal.connection.close());
  // Before any household runs: a workflow setting an unregistered search attribute cannot progress.
  await ensureSearchAttributes(temporal.connection, config.TEMPORAL_NAMESPACE);
  const running = await startWorker({
    address: config.TEMPORAL_ADDRESS,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    prisma,
    publicUrl: config.publicUrl,
    smtpUrl: config.SMTP_URL,
    mailFrom: config.MAIL_FROM,
    timeZone: config.TZ,
    memoryMiB: config.WORKER_MEMORY_MIB,
    channels,
  }).catch((error: Error) => {
    throw new ConfigError(
      `cannot reach Temporal at ${config.TEMPORAL_ADDRESS}: ${error.message.split('\n')[0]}`,
    );
  });
  onStop(async () => {
    running.worker.shutdown();
    await running.done;
  });
  await ensureDigestSchedule(temporal, config.TEMPORAL_TASK_QUEUE, config);
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker is up');
  await running.done;
});
