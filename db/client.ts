import { PrismaPg } from '@prisma/adapter-pg';
import { logger } from '../config/logger.js';
import { PrismaClient } from '../prisma/generated/client.js';

export type { PrismaClient } from '../prisma/generated/client.js';

/**
 * How long a query waits for a connection. While PostgreSQL is down a connect is refused at once;
 * while it is starting up or unreachable the wait is cut short, so the request answers 503 in
 * seconds instead of hanging.
 */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * A Prisma client that talks to PostgreSQL through node-postgres: no native query engine.
 * A connection lost while idle (PostgreSQL restarted) is logged, never thrown: the pool drops it and
 * opens a new one when PostgreSQL is back, so the same process serves again.
 */
export function createPrisma(databaseUrl: string): PrismaClient {
  const log = (where: string) => (error: Error) =>
    logger.warn({ reason: error.message.split('\n')[0] }, `PostgreSQL ${where} connection lost`);
  const adapter = new PrismaPg(
    {
      connectionString: databaseUrl,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      // The columns are UTC `timestamp(3)` and raw queries compare them with instants sent as text:
      // a session in another time zone (a server's default) would shift every such comparison.
      options: '-c TimeZone=UTC',
    },
    { onPoolError: log('idle'), onConnectionError: log('transaction') },
  );
  return new PrismaClient({ adapter });
}
