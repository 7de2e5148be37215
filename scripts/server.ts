/** `npm run server`: the web app and API alone, against TEMPORAL_ADDRESS and DATABASE_URL. */
import { ConfigError, loadConfig } from '../config/env.js';
import { logger } from '../config/logger.js';
import { assertDatabaseReachable } from '../db/check.js';
import { createPrisma } from '../db/client.js';
import { ensureFirstAdmin } from '../domain/users.js';
import { createApp } from '../server/app.js';
import { listen } from '../server/listen.js';
import { connectTemporalClient } from '../server/temporal-client.js';
import { assertPortFree } from '../stack/ports.js';
import { runMain } from './run-main.js';

runMain(async (onStop) => {
  const config = loadConfig();
  const { TEMPORAL_ADDRESS, DATABASE_URL, SESSION_SECRET } = config;
  if (!TEMPORAL_ADDRESS || !DATABASE_URL || !SESSION_SECRET) {
    throw new ConfigError(
      'npm run server needs TEMPORAL_ADDRESS, DATABASE_URL and SESSION_SECRET (npm start runs a server itself)',
    );
  }
  await assertPortFree(config.PORT, 'PORT', '0.0.0.0');
  await assertDatabaseReachable(DATABASE_URL);
  const prisma = createPrisma(DATABASE_URL);
  onStop(() => prisma.$disconnect());
  const temporal = await connectTemporalClient(TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE);
  onStop(() => temporal.connection.close());
  const firstAdmin = await ensureFirstAdmin(prisma, config.ADMIN_PASSWORD);
  if (firstAdmin?.password)
    logger.warn(
      { username: firstAdmin.username },
      `first admin created, password ${firstAdmin.password} (shown once)`,
    );
  const web = createApp({
    config: { ...config, sessionSecret: SESSION_SECRET },
    prisma,
    temporal,
    databaseUrl: DATABASE_URL,
  });
  onStop(web.close);
  const server = await listen(web.app, config.PORT);
  onStop(server.close);
  logger.info({ url: config.publicUrl }, 'server is up');
});
