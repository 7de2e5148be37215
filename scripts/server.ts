/** `npm run server`: the web app and API alone, against TEMPORAL_ADDRESS and DATABASE_URL. */
import { ConfigError, loadConfig } from '../config/env.js';
import { logger } from '../config/logger.js';
import { assertDatabaseReachable } from '../db/check.js';
import { createPrisma } from '../db/client.js';
import { createApp } from '../server/app.js';
import { listen } from '../server/listen.js';
import { connectTemporalClient } from '../server/temporal-client.js';
import { assertPortFree } from '../stack/ports.js';
import { runMain } from './run-main.js';

runMain(async (onStop) => {
  const config = loadConfig();
  if (!config.TEMPORAL_ADDRESS || !config.DATABASE_URL) {
    throw new ConfigError(
      'npm run server needs TEMPORAL_ADDRESS and DATABASE_URL (npm start runs a server itself)',
    );
  }
  await assertPortFree(config.PORT, 'PORT', '0.0.0.0');
  await assertDatabaseReachable(config.DATABASE_URL);
  const prisma = createPrisma(config.DATABASE_URL);
  onStop(() => prisma.$disconnect());
  const temporal = await connectTemporalClient(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE);
  onStop(() => temporal.connection.close());
  const server = await listen(createApp({ config, prisma, temporal }), config.PORT);
  onStop(server.close);
  logger.info({ url: config.publicUrl }, 'server is up');
});
