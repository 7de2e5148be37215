/**
 * `npm run db:migration -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql with the
 * SQL that takes the committed migrations to schema.prisma. Needs a PostgreSQL for the engine's
 * shadow database: DATABASE_URL, or the embedded one started for the purpose.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../config/env.js';
import { diffMigrationsToSchema, MIGRATIONS_DIR } from '../db/migrate.js';
import { withDatabase } from '../stack/database.js';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: npm run db:migration -- <name in snake_case>');
  process.exit(2);
}

const sql = await withDatabase(loadConfig(), (url) => diffMigrationsToSchema(url));
if (!sql) {
  console.log('schema.prisma and the migrations agree: nothing to write');
} else {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'migration.sql'), sql);
  console.log(`wrote ${path.relative(process.cwd(), dir)}/migration.sql`);
}
