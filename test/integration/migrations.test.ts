import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, diffMigrationsToSchema, listMigrations } from '../../db/migrate.js';
import { scratchDatabase } from '../helpers/scratch-database.js';

describe('prisma/migrations applied by the WebAssembly schema engine', () => {
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  beforeAll(async () => {
    db = await scratchDatabase('migrations');
  });
  afterAll(async () => db?.drop());

  it('produce exactly schema.prisma (the diff is empty)', async () => {
    expect(await diffMigrationsToSchema(db.url)).toBe('');
  });

  it('apply once, record in _prisma_migrations, and change nothing the second time', async () => {
    const all = (await listMigrations()).migrationDirectories.map((m) => m.path);
    expect(all.length).toBeGreaterThan(0);
    expect(await applyMigrations(db.url)).toEqual(all);
    expect(await applyMigrations(db.url)).toEqual([]);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        'SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY migration_name',
      );
      expect(rows.map((r) => r.migration_name)).toEqual(all);
      expect(rows.every((r) => r.finished_at !== null && r.rolled_back_at === null)).toBe(true);
    } finally {
      await client.end();
    }
  });
});
