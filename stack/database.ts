import type { Config } from '../config/env.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

/** Runs `use` with a database URL: DATABASE_URL if set, else the embedded PostgreSQL, stopped after. */
export async function withDatabase<T>(config: Config, use: (url: string) => Promise<T>): Promise<T> {
  if (config.DATABASE_URL) return use(config.DATABASE_URL);
  const pg = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: config.PG_PORT,
    database: 'duzhan',
  });
  try {
    return await use(pg.url);
  } finally {
    await pg.stop();
  }
}
