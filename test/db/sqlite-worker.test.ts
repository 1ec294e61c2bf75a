// The embedded database runs its statements on a worker thread (src/db/sqlite-driver.ts). It used
// to run them on the event loop through bun:sqlite, so a commit's fsync (and a WAL checkpoint
// inside some commit) stalled every request and stream of the process. (The embedded database
// is used here whatever INFERPORT_TEST_DB says.)
import { afterAll, describe, expect, test } from 'bun:test';
import { rejectionOf } from '../support/rejection';
import { sql, type Kysely } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type DbHandle } from '../../src/db';
import { isSqlite } from '../../src/db/dialect';
import { DEFAULT_CHECKPOINT_POLICY } from '../../src/db/sqlite-checkpoint';
import { sqliteBatch } from '../../src/db/sqlite-driver';
import { SqliteWorkerClient } from '../../src/db/sqlite-worker-client';

const scratch = mkdtempSync(join(tmpdir(), 'inferport-sqlite-worker-'));
const handles: DbHandle[] = [];
afterAll(async () => {
  for (const handle of handles) await handle.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function openWithTable(name: string): Promise<Kysely<any>> {
  const handle = openDatabase({ url: null, dataDir: join(scratch, name) });
  handles.push(handle);
  await sql`CREATE TABLE items (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, body BLOB, parent INTEGER REFERENCES items (id))`.execute(handle.db);
  return handle.db;
}


/** Counts turns of the event loop (setImmediate callbacks) until stopped. */
function countTicks(): { ticks: () => number; stop: () => void } {
  let ticks = 0;
  let running = true;
  const spin = () => {
    ticks += 1;
    if (running) setImmediate(spin);
  };
  setImmediate(spin);
  return { ticks: () => ticks, stop: () => void (running = false) };
}

// A 20 MB insert and its commit take the worker long enough for the loop to turn; with the
// synchronous driver both were one call on the event loop, and the count stayed at 0.
const BIG_INSERT = sql`INSERT INTO items (n, body)
  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) SELECT x, randomblob(1000) FROM c`;

describe('the embedded database off the event loop', () => {
  test('the event loop keeps turning while a large write runs and while it commits', async () => {
    const db = await openWithTable('ticks');
    const trx = await db.startTransaction().execute();
    const counter = countTicks();
    const beforeInsert = counter.ticks();
    await BIG_INSERT.execute(trx);
    const beforeCommit = counter.ticks();
    await trx.commit().execute();
    const afterCommit = counter.ticks();
    counter.stop();
    expect({ duringInsert: beforeCommit - beforeInsert > 0, duringCommit: afterCommit - beforeCommit > 0 }).toEqual({ duringInsert: true, duringCommit: true });
    expect(await db.selectFrom('items').select((eb) => eb.fn.countAll().as('count')).executeTakeFirst()).toEqual({ count: 20000n });
  });

  test('integers come back as bigint, the extremes of int64 intact; blobs as bytes', async () => {
    const db = await openWithTable('bigint');
    const values = [9223372036854775807n, -9223372036854775808n, 9007199254740993n, 0n, 7n];
    for (const n of values) await db.insertInto('items').values({ n, body: new Uint8Array([0, 255, n === 0n ? 1 : 2]) }).execute();
    const rows = await db.selectFrom('items').select(['id', 'n', 'body']).orderBy('id').execute();
    expect(rows.map((row) => row.n)).toEqual(values);
    expect(rows.every((row) => typeof row.n === 'bigint' && typeof row.id === 'bigint')).toBe(true);
    expect(rows[3]!.body).toEqual(new Uint8Array([0, 255, 1]));
    const inserted = await db.insertInto('items').values({ n: 1n }).executeTakeFirstOrThrow();
    expect(inserted).toEqual({ insertId: 6n, numInsertedOrUpdatedRows: 1n });
    expect(isSqlite(db)).toBe(true);
  });

  test("SQLite's errors arrive with their code, errno and message", async () => {
    const db = await openWithTable('errors');
    await db.insertInto('items').values({ id: 1n, n: 1n }).execute();
    const duplicate = await db.insertInto('items').values({ id: 1n, n: 2n }).execute().then(() => null, (error) => error);
    expect(duplicate).toBeInstanceOf(Error);
    expect({ name: duplicate.name, code: duplicate.code, errno: duplicate.errno, message: duplicate.message }).toEqual({
      name: 'SQLiteError',
      code: 'SQLITE_CONSTRAINT_PRIMARYKEY',
      errno: 1555,
      message: 'UNIQUE constraint failed: items.id',
    });
    // foreign_keys = ON holds on the worker's connection.
    const orphan = await db.insertInto('items').values({ n: 3n, parent: 99n }).execute().then(() => null, (error) => error);
    expect(orphan.code).toBe('SQLITE_CONSTRAINT_FOREIGNKEY');
    const syntax = await rejectionOf(sql`SELEC 1`.execute(db));
    expect({ code: syntax.code, message: syntax.message }).toEqual({ code: 'SQLITE_ERROR', message: 'near "SELEC": syntax error' });
  });

  test('a transaction that throws, or whose statement fails, leaves nothing behind', async () => {
    const db = await openWithTable('rollback');
    await db.insertInto('items').values({ id: 1n, n: 1n }).execute();
    const thrown = db.transaction().execute(async (trx) => {
      await trx.insertInto('items').values({ id: 2n, n: 2n }).execute();
      throw new Error('changed my mind');
    });
    expect((await rejectionOf(thrown)).message).toBe('changed my mind');
    const failed = db.transaction().execute(async (trx) => {
      await trx.insertInto('items').values({ id: 3n, n: 3n }).execute();
      await trx.insertInto('items').values({ id: 1n, n: 4n }).execute(); // duplicate id
    });
    expect((await rejectionOf(failed)).code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY');
    expect(await db.selectFrom('items').select('id').execute()).toEqual([{ id: 1n }]);
  });

  // Settlement batches go to the worker as one message (settlement-sqlite.ts applySqliteRowsAlone).
  test('a batch commits all of its statements, or, when a statement or a guard fails, none', async () => {
    const db = await openWithTable('batch');
    const insert = (id: number) => ({ sql: 'INSERT INTO items (id, n) VALUES (?, ?)', parameters: [id, id] });
    const bump = (id: number, changes: number) => ({ sql: 'UPDATE items SET n = n + 1 WHERE id = ?', parameters: [id], changes, what: `item ${id}` });
    await db.executeQuery(sqliteBatch([insert(1), insert(2), bump(1, 1)]));
    const guardFailed = await rejectionOf(db.executeQuery(sqliteBatch([insert(3), bump(2, 1), bump(9, 1)])));
    expect(guardFailed.message).toBe('item 9 changed 0 rows, expected 1');
    const statementFailed = await rejectionOf(db.executeQuery(sqliteBatch([insert(4), insert(1)])));
    expect((statementFailed as Error & { code?: string }).code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY');
    expect(await db.selectFrom('items').select(['id', 'n']).orderBy('id').execute()).toEqual([{ id: 1n, n: 2n }, { id: 2n, n: 2n }]);
    // The connection is left outside any transaction: a plain transaction works after them.
    await db.transaction().execute((trx) => trx.insertInto('items').values({ id: 5n, n: 5n }).execute());
    expect(await db.selectFrom('items').select('id').where('id', '=', 5n).execute()).toEqual([{ id: 5n }]);
  });

  test('a batch never runs inside a transaction another caller has open', async () => {
    const db = await openWithTable('batch-lock');
    const trx = await db.startTransaction().execute();
    await trx.insertInto('items').values({ id: 1n, n: 1n }).execute();
    // Sent while the transaction is open: it waits for Kysely's connection lock, so the
    // transaction's rollback cannot take the batch's row with it.
    const batch = db.executeQuery(sqliteBatch([{ sql: 'INSERT INTO items (id, n) VALUES (?, ?)', parameters: [2, 2] }]));
    await Bun.sleep(20);
    await trx.rollback().execute();
    await batch;
    expect(await db.selectFrom('items').select('id').execute()).toEqual([{ id: 2n }]);
  });

  test('closing with queries pending settles every one of them and ends the worker', async () => {
    const handle = openDatabase({ url: null, dataDir: join(scratch, 'close') });
    await sql`CREATE TABLE items (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)`.execute(handle.db);
    const pending = Array.from({ length: 50 }, (_, index) => handle.db.insertInto('items' as never).values({ n: BigInt(index) } as never).execute());
    const settled = Promise.allSettled(pending); // handled from now on: some may fail as the handle closes
    await handle.close();
    const outcomes = await settled;
    for (const outcome of outcomes) if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(Error);
    expect(outcomes.length).toBe(50);
    expect(await rejectionOf(handle.db.selectFrom('items' as never).selectAll().execute())).toBeInstanceOf(Error);
    // Whatever was answered is in the file: a fresh handle sees exactly the fulfilled inserts.
    const reopened = openDatabase({ url: null, dataDir: join(scratch, 'close') });
    handles.push(reopened);
    const rows = await reopened.db.selectFrom('items' as never).selectAll().execute();
    expect(rows.length).toBe(outcomes.filter((outcome) => outcome.status === 'fulfilled').length);
  });

  test('a worker that stops fails what it had not answered, and everything after', async () => {
    const path = join(scratch, 'stop.sqlite');
    const client = await SqliteWorkerClient.open('writer', path, DEFAULT_CHECKPOINT_POLICY);
    await client.query('CREATE TABLE c (x INTEGER)', []);
    const long = client.query('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) SELECT count(*) FROM c', []);
    client.terminate();
    expect((await rejectionOf(long)).message).toBe('the SQLite worker was terminated');
    expect((await rejectionOf(client.query('SELECT 1', []))).message).toBe('the SQLite worker was terminated');
  });
});
