import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS_DIR } from '../../db/migrate.js';
import { scratchDatabase } from '../helpers/scratch-database.js';

const MIGRATION = '20261129175422_user_capabilities';

// Accounts created under the old single role keep what they could do: the migration turns LEADER
// into a cadre-only account, SUPERVISOR into SUPERVISE and ADMIN into ADMINISTER.
describe(`migration ${MIGRATION}`, () => {
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let before: string;

  beforeAll(async () => {
    db = await scratchDatabase('user_caps');
    // The migrations folder as it was before this one.
    before = await mkdtemp(path.join(tmpdir(), 'duzhan-migrations-'));
    await cp(path.join(MIGRATIONS_DIR, 'migration_lock.toml'), path.join(before, 'migration_lock.toml'));
    for (const name of await readdir(MIGRATIONS_DIR))
      if (name < MIGRATION && !name.endsWith('.toml'))
        await cp(path.join(MIGRATIONS_DIR, name), path.join(before, name), { recursive: true });
  });
  afterAll(async () => {
    await db?.drop();
    if (before) await rm(before, { recursive: true, force: true });
  });

  it('converts each role to capabilities and keeps the cadre link', async () => {
    await applyMigrations(db.url, before);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO "Cadre" (id, name, email, rank) VALUES ('c1', '甲', 'c1@x.example', 'PARTY_SECRETARY')`,
      );
      await client.query(
        `INSERT INTO "User" (id, username, "displayName", "passwordHash", role, "cadreId") VALUES
          ('u1', 'leader', '甲', 'h', 'LEADER', NULL),
          ('u2', 'secretary', '乙', 'h', 'SUPERVISOR', 'c1'),
          ('u3', 'admin', '丙', 'h', 'ADMIN', NULL)`,
      );
      expect(await applyMigrations(db.url)).toContain(MIGRATION);
      const { rows } = await client.query(
        `SELECT username, capabilities, "cadreId", "mustChangePassword" FROM "User" ORDER BY username`,
      );
      expect(rows).toEqual([
        { username: 'admin', capabilities: ['ADMINISTER'], cadreId: null, mustChangePassword: false },
        { username: 'leader', capabilities: [], cadreId: null, mustChangePassword: false },
        { username: 'secretary', capabilities: ['SUPERVISE'], cadreId: 'c1', mustChangePassword: false },
      ]);
      const columns = await client.query(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'User' AND column_name = 'role'`,
      );
      expect(columns.rows).toEqual([]);
    } finally {
      await client.end();
    }
  });
});
