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
/**
 * Options of every PostgreSQL session duzhan opens (this client's, the session store's): the columns
 * are UTC `timestamp(3)` and raw queries compare them with instants sent as text, so a session in
 * another time zone (a server's default) would shift every such comparison.
 */
export const SESSION_OPTIONS = '-c TimeZone=UTC';

/** What to log of a lost connection: its first line and code, never the pg client it carries. */
export const connectionLost = (error: Error & { code?: string }) => ({
  reason: error.message.split('\n')[0],
  code: error.code,
});

export function createPrisma(databaseUrl: string): PrismaClient {
  const log = (where: string) => (error: Error) =>
    logger.warn(connectionLost(error), `PostgreSQL ${where} connection lost`);
  const adapter = new PrismaPg(
    {
      connectionString: databaseUrl,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      options: SESSION_OPTIONS,
    },
    { onPoolError: log('idle'), onConnectionError: log('transaction') },
  );
  return new PrismaClient({ adapter });
}
