import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrateTypes } from '@prisma/internals';
import prismaMigrate from '@prisma/migrate';
import pg from 'pg';

/**
 * Applies prisma/migrations/* with Prisma's own schema engine compiled to WebAssembly (the native
 * engine cannot be downloaded here), recording them in `_prisma_migrations` exactly as
 * `prisma migrate deploy` does, so either can be used on the same database.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const MIGRATIONS_DIR = path.join(root, 'prisma', 'migrations');
export const SCHEMA_FILE = path.join(root, 'prisma', 'schema.prisma');

// @prisma/migrate is CommonJS whose named exports Node cannot detect statically.
const { SchemaEngineWasm } = prismaMigrate;
type SchemaEngineWasm = InstanceType<typeof SchemaEngineWasm>;
const require = createRequire(import.meta.url);
type FileContent = MigrateTypes.MigrationDirectory['migrationFile']['content'];
const noFilters: MigrateTypes.SchemaFilter = { externalTables: [], externalEnums: [] };

/**
 * @prisma/internals loads the engine from its own `build/` folder, which its npm package does not
 * ship; the `prisma` package of the same version carries the identical file.
 */
async function ensureSchemaEngineWasm(): Promise<void> {
  const internals = path.dirname(require.resolve('@prisma/internals/package.json'));
  const target = path.join(internals, 'build', 'schema_engine_bg.wasm');
  if (
    await stat(target).then(
      (s) => s.size > 0,
      () => false,
    )
  )
    return;
  const source = path.join(
    path.dirname(require.resolve('prisma/package.json')),
    'build',
    'schema_engine_bg.wasm',
  );
  await mkdir(path.dirname(target), { recursive: true });
  await copyFile(source, target);
}

/** The migrations folder in the shape the engine expects (what `prisma migrate` reads itself). */
export async function listMigrations(dir = MIGRATIONS_DIR): Promise<MigrateTypes.MigrationList> {
  const lockfileContent = await readFile(path.join(dir, 'migration_lock.toml'), 'utf8').catch(() => null);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrationDirectories = await Promise.all(
    names.map(async (name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql' as const,
        content: await readFile(path.join(dir, name, 'migration.sql'), 'utf8').then(
          (value): FileContent => ({ tag: 'ok', value }),
          (error: Error): FileContent => ({ tag: 'error', value: error.message }),
        ),
      },
    })),
  );
  return {
    baseDir: dir,
    lockfile: { path: 'migration_lock.toml', content: lockfileContent },
    migrationDirectories,
    shadowDbInitScript: '',
  };
}

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

/**
 * The engine reads PostgreSQL's catalogs, whose single-byte `"char"` columns (pg_class.relkind…)
 * @prisma/adapter-pg does not map ("Column type 'char' could not be deserialized"). node-postgres
 * already parses them as strings, so they are announced as text. Used for migrations only.
 */
function announceCharAsText(res: pg.QueryResult | undefined): void {
  for (const field of res?.fields ?? []) if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
}

class CatalogFriendlyClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg's query() has a dozen overloads; we only post-process results.
  override query(...args: any[]): any {
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      // pg-pool calls the callback form.
      args[last] = (error: Error | null, res: pg.QueryResult) => {
        announceCharAsText(res);
        callback(error, res);
      };
    }
    // biome-ignore lint/suspicious/noExplicitAny: see above.
    const result = (super.query as (...a: any[]) => any)(...args);
    return result instanceof Promise
      ? result.then((res: pg.QueryResult) => {
          announceCharAsText(res);
          return res;
        })
      : result;
  }
}

/**
 * @prisma/adapter-pg runs a migration script by splitting it on every `;`, which cuts a function body
 * (`$fn$ … ; … $fn$`, the household_standing triggers) into pieces PostgreSQL refuses. The script is
 * sent whole instead, as one simple query: PostgreSQL parses dollar quotes itself and runs the
 * statements in one implicit transaction (a migration applies entirely or not at all), as the native
 * schema engine does.
 */
function wholeScripts(factory: PrismaPg): PrismaPg {
  type Adapter = Awaited<ReturnType<PrismaPg['connect']>>;
  const whole = (adapter: Adapter): Adapter => {
    const driver = adapter.underlyingDriver() as pg.Pool;
    // onError turns a pg error into the adapter's own error (the engine reads its code and message).
    const { onError } = adapter as unknown as { onError(error: unknown): never };
    adapter.executeScript = async (script: string) => {
      try {
        await driver.query(script);
      } catch (error) {
        onError.call(adapter, error);
      }
    };
    return adapter;
  };
  const connect = factory.connect.bind(factory);
  const connectToShadowDb = factory.connectToShadowDb.bind(factory);
  factory.connect = async () => whole(await connect());
  // The diff replays the migrations into a shadow database, through an adapter of its own.
  factory.connectToShadowDb = async () => whole(await connectToShadowDb());
  return factory;
}

async function withEngine<T>(databaseUrl: string, use: (engine: SchemaEngineWasm) => Promise<T>): Promise<T> {
  await ensureSchemaEngineWasm();
  // Our own pool, ended afterwards: the engine holds a session-level advisory lock that is released
  // only when its connection closes, and an idle pooled connection would keep it for 10 s.
  const pool = new pg.Pool({ connectionString: databaseUrl, Client: CatalogFriendlyClient });
  const adapter = bindMigrationAwareSqlAdapterFactory(wholeScripts(new PrismaPg(pool)));
  const engine = await SchemaEngineWasm.setup({ adapter });
  try {
    return await use(engine);
  } finally {
    await engine.stop();
    await pool.end();
  }
}

/** Applies every pending migration; returns the names it applied (none on a second run). */
export async function applyMigrations(databaseUrl: string, dir = MIGRATIONS_DIR): Promise<string[]> {
  const migrationsList = await listMigrations(dir);
  return withEngine(databaseUrl, async (engine) => {
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: noFilters });
    return appliedMigrationNames;
  });
}

/** The diff engine's own command: its result carries the script, which SchemaEngineWasm would print. */
interface DiffCapable {
  runCommand(command: 'diff', input: unknown): Promise<{ stdout?: string; exitCode: number }>;
}

/**
 * SQL that takes a database built by the committed migrations to what schema.prisma says; empty when
 * they agree. The WebAssembly engine replays the migrations into the database it is connected to
 * (it has no shadow database of its own), so it is given a scratch database, dropped afterwards.
 */
export async function diffMigrationsToSchema(serverUrl: string, dir = MIGRATIONS_DIR): Promise<string> {
  const migrationsList = await listMigrations(dir);
  const schema = await readFile(SCHEMA_FILE, 'utf8');
  return withScratchDatabase(serverUrl, (scratchUrl) =>
    withEngine(scratchUrl, async (engine) => {
      // runCommand is private in the typings; it is the one way to get the script back as a string.
      const { stdout } = await (engine as unknown as DiffCapable).runCommand('diff', {
        from: { tag: 'migrations', ...migrationsList },
        to: { tag: 'schemaDatamodel', files: [{ path: SCHEMA_FILE, content: schema }] },
        script: true,
        exitCode: null,
        filters: noFilters,
      });
      return stripEmptyDiff(stdout ?? '');
    }),
  );
}

async function withScratchDatabase<T>(serverUrl: string, use: (url: string) => Promise<T>): Promise<T> {
  const name = `duzhan_scratch_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return await use(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}

/** The engine answers "-- This is an empty migration." when nothing differs. */
function stripEmptyDiff(sql: string): string {
  const meaningful = sql
    .split('\n')
    .filter((line) => line.trim() && !line.trim().startsWith('--'))
    .join('\n');
  return meaningful ? sql : '';
}
