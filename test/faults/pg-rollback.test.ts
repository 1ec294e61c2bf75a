// A transaction whose PostgreSQL connection is killed in the middle (pg_terminate_backend, a
// restart): the caller must get the connection's own error, which the onError answers 503, and
// not the TypeError Kysely's rollback used to throw on this driver's connections (a 500).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'kysely';
import postgres from 'postgres';
import { openDatabase, type DbHandle } from '../../src/db';
import { databaseUnavailableError } from '../../src/db/unavailable';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { TEST_DB_KIND, TEST_PG_URL } from '../support/env';
import { rejectionOf } from '../support/rejection';

let database: TestDatabase;
let handle: DbHandle;

describe.skipIf(TEST_DB_KIND !== 'postgres')('a transaction whose connection is killed', () => {
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    handle = openDatabase({ url: database.url, dataDir: database.dataDir, poolSize: 2 });
  });
  afterAll(async () => {
    await handle.close();
    await database.drop();
  });

  test('rejects with the connection error (a 503), and the next query is served', async () => {
    const killer = postgres(TEST_PG_URL, { max: 1, onnotice: () => {} });
    try {
      const error = await rejectionOf(
        handle.db.transaction().execute(async (trx) => {
          const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx);
          await killer`SELECT pg_terminate_backend(${rows[0]!.pid})`;
          await sql`SELECT 1`.execute(trx);
        }),
      );
      expect(error).not.toBeInstanceOf(TypeError);
      expect(databaseUnavailableError(error)?.status).toBe(503);
      const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(handle.db);
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await killer.end();
    }
  });
});
