// WAL checkpoints run on their own thread (src/db/sqlite-checkpoint.ts), never inside a commit.
// SQLite's default ran one inside whichever commit pushed the WAL past 1000 pages: that request
// waited for the copy and an fsync of the database file, and the event loop with it.
import { afterAll, describe, expect, test } from 'bun:test';
import { Kysely, sql } from 'kysely';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db';
import { openSqlite } from '../../src/db/sqlite';
import type { CheckpointPolicy } from '../../src/db/sqlite-protocol';

const scratch = mkdtempSync(join(tmpdir(), 'inferport-checkpoint-'));
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
  rmSync(scratch, { recursive: true, force: true });
});

/** SQLite's default wal_autocheckpoint (pages) times its default page size. */
const OLD_AUTO_CHECKPOINT_BYTES = 1000 * 4096;
const TRANSACTIONS = 60;
const ROWS_PER_TRANSACTION = 25; // of 4000 bytes: about 25 pages a commit, 1500 in all

function open(name: string, policy: Partial<CheckpointPolicy>): { db: Kysely<any>; file: string } {
  mkdirSync(join(scratch, name), { mode: 0o700 });
  const file = join(scratch, name, 'inferport.sqlite');
  const db = new Kysely<any>({ dialect: openSqlite(file, policy) });
  closers.push(() => db.destroy());
  return { db, file };
}

/** Many small commits, like a busy gateway's settlements, together far past the old checkpoint size. */
async function writeMany(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB NOT NULL)`.execute(db);
  for (let index = 0; index < TRANSACTIONS; index++) {
    await db.transaction().execute((trx) =>
      sql`INSERT INTO blobs (body) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${ROWS_PER_TRANSACTION})
        SELECT randomblob(4000) FROM c`.execute(trx),
    );
  }
}

const sizeOf = (file: string) => (existsSync(file) ? statSync(file).size : 0);

describe('WAL checkpoints', () => {
  test("the writer's connection never checkpoints on its own", async () => {
    const handle = openDatabase({ url: null, dataDir: join(scratch, 'pragma') });
    closers.push(handle.close);
    const { rows } = await sql<{ wal_autocheckpoint: bigint }>`PRAGMA wal_autocheckpoint`.execute(handle.db);
    expect(rows).toEqual([{ wal_autocheckpoint: 0n }]);
  });

  test('commits leave the WAL to grow past the old checkpoint size, copying nothing into the database', async () => {
    const { db, file } = open('no-checkpoint', { intervalMs: 3_600_000 }); // the background never runs
    await sql`SELECT 1`.execute(db);
    const opened = sizeOf(file); // the header page, written when the file switched to WAL
    await writeMany(db);
    expect(sizeOf(file + '-wal')).toBeGreaterThan(OLD_AUTO_CHECKPOINT_BYTES);
    // Every page written since is still only in the WAL.
    expect(sizeOf(file)).toBe(opened);
  });

  test('the background copies the WAL into the database and, once idle, truncates it', async () => {
    const { db, file } = open('background', { intervalMs: 20, idleIntervalsBeforeTruncate: 3 });
    await writeMany(db);
    // Waits (bounded by the test's timeout) for the background; no commit is running any more.
    while (sizeOf(file + '-wal') > 0) await Bun.sleep(20);
    expect(sizeOf(file)).toBeGreaterThan(TRANSACTIONS * ROWS_PER_TRANSACTION * 4000);
    const { rows } = await sql<{ count: bigint }>`SELECT count(*) AS count FROM blobs`.execute(db);
    expect(rows).toEqual([{ count: BigInt(TRANSACTIONS * ROWS_PER_TRANSACTION) }]);
  });
});
