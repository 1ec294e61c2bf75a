// A fresh database per test file: a new Postgres database (dropped in cleanup) or a new SQLite
// file in a temp directory. Returns the config fragments that point inferport at it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { TEST_DB_KIND, TEST_PG_URL } from './env';

export interface TestDatabase {
  kind: 'postgres' | 'sqlite';
  /** Postgres URL, or null for SQLite. */
  url: string | null;
  /** Data directory (holds the SQLite file; scratch space for Postgres runs too). */
  dataDir: string;
  drop: () => Promise<void>;
}

export async function createTestDatabase(kind: 'postgres' | 'sqlite' = TEST_DB_KIND): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'inferport-test-'));
  if (kind === 'sqlite') {
    return { kind, url: null, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `inferport_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(TEST_PG_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = TEST_PG_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  return {
    kind,
    url,
    dataDir,
    drop: async () => {
      const cleanup = postgres(TEST_PG_URL, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
