// Acceptance: migrations apply once, even when two processes race; every SQL file is embedded;
// and the Postgres and SQLite schemas have the same tables and columns.
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase, type DbHandle } from '../../src/db';
import { migrate } from '../../src/db/migrate';
import { MIGRATIONS } from '../../src/db/migrations';
import { createTestDatabase, type TestDatabase } from '../support/database';

// These tests start OS processes; bun's 5 s default is too tight on a loaded machine.
setDefaultTimeout(20_000);

const ROOT = join(import.meta.dir, '../..');
const ALL_VERSIONS = MIGRATIONS.map((migration) => migration.version);
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => console.error('cleanup failed', error));
});

async function openMigrated(kind: 'postgres' | 'sqlite'): Promise<{ database: TestDatabase; handle: DbHandle }> {
  const database = await createTestDatabase(kind);
  const handle = openDatabase({ url: database.url, dataDir: database.dataDir });
  cleanups.push(database.drop, handle.close);
  expect(await migrate(handle)).toEqual({ applied: ALL_VERSIONS, skipped: [] });
  return { database, handle };
}

async function recordedVersions(handle: DbHandle): Promise<number[]> {
  const rows = await handle.db.selectFrom('schema_migrations').select('version').orderBy('version').execute();
  return rows.map((row) => Number(row.version));
}

describe('migrations', () => {
  test.each(['postgres', 'sqlite'] as const)('applying them again on %s is a no-op', async (kind) => {
    const { handle } = await openMigrated(kind);
    expect(await migrate(handle)).toEqual({ applied: [], skipped: ALL_VERSIONS });
    expect(await recordedVersions(handle)).toEqual(ALL_VERSIONS);
  });

  test('two processes migrating postgres at once apply each file once', async () => {
    await raceMigrations('postgres');
  });

  // Bug: src/db/sqlite.ts runs `PRAGMA journal_mode = WAL` before setting busy_timeout, and even
  // after it SQLite answers SQLITE_BUSY at once when two connections switch a new file to WAL
  // together; one `inferport migrate` then dies with "database is locked". Five rounds make the
  // race near-certain to show.
  test('two processes migrating sqlite at once apply each file once', async () => {
    for (let round = 0; round < 5; round++) await raceMigrations('sqlite');
  });

  test('every SQL file is embedded, with the same numbers in both dialects', async () => {
    const filesOf = (dialect: string) => readdirSync(join(ROOT, 'sql', dialect)).filter((file) => file.endsWith('.sql')).sort();
    const postgresFiles = filesOf('postgres');
    const sqliteFiles = filesOf('sqlite');
    expect(sqliteFiles).toEqual(postgresFiles);
    const expected = postgresFiles.map((file) => {
      const match = /^(\d+)_(.+)\.sql$/.exec(file);
      expect(match).not.toBeNull();
      return { version: Number(match![1]), name: match![2]! };
    });
    expect(MIGRATIONS.map(({ version, name }) => ({ version, name }))).toEqual(expected);
    for (const [index, migration] of MIGRATIONS.entries()) {
      expect(migration.postgres).toBe(await Bun.file(join(ROOT, 'sql/postgres', postgresFiles[index]!)).text());
      expect(migration.sqlite).toBe(await Bun.file(join(ROOT, 'sql/sqlite', sqliteFiles[index]!)).text());
    }
    // Versions increase strictly, so a replica never applies them out of order.
    expect(ALL_VERSIONS).toEqual([...new Set(ALL_VERSIONS)].sort((a, b) => a - b));
  });

  test('the Postgres and SQLite schemas have the same tables, columns, types and nullability', async () => {
    const postgres = await openMigrated('postgres');
    const sqlite = await openMigrated('sqlite');
    const postgresSchema = await describePostgres(postgres.handle);
    const sqliteSchema = await describeSqlite(sqlite.handle);
    expect(Object.keys(postgresSchema)).toEqual(expect.arrayContaining(['accounts', 'api_keys', 'schema_migrations']));
    expect(sqliteSchema).toEqual(postgresSchema);
  });
});

/** Runs two `inferport migrate` processes on a fresh database at once; both succeed, each file applies once. */
async function raceMigrations(kind: 'postgres' | 'sqlite'): Promise<void> {
  const database = await createTestDatabase(kind);
  cleanups.push(database.drop);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', INFERPORT_DATA_DIR: database.dataDir };
  if (database.url) env.DATABASE_URL = database.url;
  const spawnMigrate = () => Bun.spawn(['bun', 'src/index.ts', 'migrate'], { cwd: ROOT, env, stdout: 'pipe', stderr: 'pipe' });
  const processes = [spawnMigrate(), spawnMigrate()];
  const outputs = await Promise.all(
    processes.map(async (child) => ({ code: await child.exited, stdout: await new Response(child.stdout).text(), stderr: await new Response(child.stderr).text() })),
  );
  for (const output of outputs) expect(output).toMatchObject({ code: 0, stderr: '' });
  // Between them, the two runs applied every version exactly once.
  const applied = outputs.flatMap((output) => /applied \[([\d, ]*)\]/.exec(output.stdout)![1]!.split(', ').filter(Boolean).map(Number));
  expect(applied.sort((a, b) => a - b)).toEqual(ALL_VERSIONS);

  const handle = openDatabase({ url: database.url, dataDir: database.dataDir });
  cleanups.push(handle.close);
  expect(await recordedVersions(handle)).toEqual(ALL_VERSIONS);
}

type Schema = Record<string, Record<string, string>>;

// Postgres types mapped to the SQLite type affinity that stores the same values.
const POSTGRES_AFFINITY: Record<string, string> = {
  text: 'TEXT',
  'character varying': 'TEXT',
  jsonb: 'TEXT',
  bigint: 'INTEGER',
  integer: 'INTEGER',
  smallint: 'INTEGER',
  boolean: 'INTEGER',
  'double precision': 'REAL',
  real: 'REAL',
  bytea: 'BLOB',
};

/** SQLite's rules for the affinity of a declared column type (sqlite.org/datatype3.html, 3.1). */
function sqliteAffinity(declared: string): string {
  const type = declared.toUpperCase();
  if (type.includes('INT')) return 'INTEGER';
  if (/CHAR|CLOB|TEXT/.test(type)) return 'TEXT';
  if (type === '' || type.includes('BLOB')) return 'BLOB';
  if (/REAL|FLOA|DOUB/.test(type)) return 'REAL';
  return 'NUMERIC';
}

async function describePostgres(handle: DbHandle): Promise<Schema> {
  const { rows } = await sql<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>`
    SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
    WHERE table_schema = 'public' ORDER BY table_name, column_name`.execute(handle.db);
  const schema: Schema = {};
  for (const row of rows) {
    const affinity = POSTGRES_AFFINITY[row.data_type] ?? `unmapped ${row.data_type}`;
    (schema[row.table_name] ??= {})[row.column_name] = `${affinity} ${row.is_nullable === 'NO' ? 'NOT NULL' : 'NULL'}`;
  }
  return schema;
}

async function describeSqlite(handle: DbHandle): Promise<Schema> {
  const { rows: tables } = await sql<{ name: string }>`
    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`.execute(handle.db);
  const schema: Schema = {};
  for (const { name } of tables) {
    const { rows } = await sql<{ name: string; type: string; notnull: bigint; pk: bigint }>`
      SELECT name, type, "notnull", pk FROM pragma_table_info(${name}) ORDER BY name`.execute(handle.db);
    schema[name] = {};
    for (const column of rows) {
      // A Postgres primary key is implicitly NOT NULL; SQLite reports it only when declared.
      const notNull = column.notnull === 1n || column.pk > 0n;
      schema[name][column.name] = `${sqliteAffinity(column.type)} ${notNull ? 'NOT NULL' : 'NULL'}`;
    }
  }
  return schema;
}
