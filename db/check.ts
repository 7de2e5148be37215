import pg from 'pg';
import { ConfigError } from '../config/env.js';

/** Connects once so that a wrong DATABASE_URL ends start-up with one clear line, not a stack trace. */
export async function assertDatabaseReachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const reason = (error as Error).message || (error as { code?: string }).code || 'unknown error';
    throw new ConfigError(`cannot reach PostgreSQL at ${redact(url)}: ${reason}`);
  } finally {
    await client.end().catch(() => {});
  }
}

/** A URL fit for a log line: the password replaced. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
