// A reader that compares tables must see the database at one moment. The auditor made several
// statements outside any transaction, so a settlement committing between two of them showed up as
// "grant reserved 53907 != allocations of pending holds and open leases 53900" in a busy test
// run. readSnapshot (src/db/dialect.ts) gives it one snapshot; this pins that down.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { isSqlite, readSnapshot } from '../../src/db/dialect';
import { createTestApp, readJson, type TestApp } from '../support/app';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp({ wallet: { trial_credits: 0 } });
});
afterAll(async () => {
  await testApp?.close();
});

const countGrants = async (db: TestApp['context']['db']) => (await db.selectFrom('grants').select('id').execute()).length;

describe('readSnapshot', () => {
  test('a write that commits while a snapshot reads is not seen by its later statements', async () => {
    const db = testApp.context.db;
    const accountId = (await readJson(await testApp.admin('POST', '/admin/accounts', { name: 'snap' }))).id as string;
    const before = await countGrants(db);
    let write: Promise<unknown> | null = null;
    const seen = await readSnapshot(db, async (trx) => {
      const first = await countGrants(trx);
      write = testApp.admin('POST', `/admin/accounts/${accountId}/credits`, { amount: '1', kind: 'paid' });
      // Postgres: the write commits on another connection while the snapshot is open. SQLite has one
      // connection, so the write waits for the snapshot to end; awaiting it here would deadlock.
      if (!isSqlite(db)) expect((await write as Response).status).toBe(200);
      else await Bun.sleep(20);
      return [first, await countGrants(trx)];
    });
    expect(seen).toEqual([before, before]);
    expect(((await write!) as Response).status).toBe(200);
    expect(await countGrants(db)).toBe(before + 1);
  });
});
