// Applies the embedded migrations, each once and in its own transaction. Replicas starting at
// the same time serialize on a lock: a Postgres advisory transaction lock, or SQLite's write lock
// (BEGIN IMMEDIATE); whoever comes second finds the version recorded and skips it.
import { sql, type Transaction } from 'kysely';
import type { Database } from './schema';
import type { DbHandle } from './index';
import { MIGRATIONS, type Migration } from './migrations';

const ADVISORY_LOCK_KEY = 7_142_001; // an arbitrary constant that names "inferport migrations"

export interface MigrateResult {
  applied: number[];
  skipped: number[];
}

export async function migrate(handle: DbHandle, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrateResult> {
  const result: MigrateResult = { applied: [], skipped: [] };
  for (const migration of migrations) {
    const applied = await handle.db.transaction().execute(async (trx) => {
      if (handle.kind === 'postgres') await sql`SELECT pg_advisory_xact_lock(${ADVISORY_LOCK_KEY})`.execute(trx);
      await ensureMigrationsTable(trx);
      const done = await trx
        .selectFrom('schema_migrations')
        .select('version')
        .where('version', '=', BigInt(migration.version))
        .executeTakeFirst();
      if (done) return false;
      for (const statement of splitStatements(handle.kind === 'postgres' ? migration.postgres : migration.sqlite)) {
        await sql.raw(statement).execute(trx);
      }
      await trx
        .insertInto('schema_migrations')
        .values({ version: BigInt(migration.version), name: migration.name, applied_at_ms: BigInt(Date.now()) })
        .execute();
      return true;
    });
    (applied ? result.applied : result.skipped).push(migration.version);
  }
  return result;
}

/** True when every embedded migration is recorded: /readyz reports this. */
export async function isFullyMigrated(handle: DbHandle): Promise<boolean> {
  const rows = await handle.db.selectFrom('schema_migrations').select('version').execute();
  const applied = new Set(rows.map((row) => Number(row.version)));
  return MIGRATIONS.every((migration) => applied.has(migration.version));
}

async function ensureMigrationsTable(trx: Transaction<Database>): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS schema_migrations (
    version bigint PRIMARY KEY,
    name text NOT NULL,
    applied_at_ms bigint NOT NULL
  )`.execute(trx);
}

/**
 * Splits a migration file into statements. Prepared statements take one command each, so the
 * files follow one rule: a statement ends with a semicolon at the end of a line (outside a
 * $$-quoted function body).
 */
export function splitStatements(text: string): string[] {
  const statements: string[] = [];
  let current: string[] = [];
  let inBody = false; // inside a $$-quoted function body, where semicolons end nothing
  for (const line of text.split('\n')) {
    if (!inBody && /^\s*--/.test(line)) continue;
    current.push(line);
    if ((line.match(/\$\$/g)?.length ?? 0) % 2 === 1) inBody = !inBody;
    if (!inBody && /;\s*$/.test(line)) {
      statements.push(current.join('\n').trim().replace(/;$/, ''));
      current = [];
    }
  }
  const rest = current.join('\n').trim();
  if (rest) statements.push(rest);
  return statements.filter((statement) => statement.length > 0);
}
