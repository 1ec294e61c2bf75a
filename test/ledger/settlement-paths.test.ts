// A charge is defined once (src/ledger/charge-rows.ts): whichever database applies it and
// whichever path settles it (a batch drawn from a lease, the one-by-one fallback drawn from free
// credit, a standalone hold's post), the same request leaves the same rows.
import { afterAll, describe, expect, test } from 'bun:test';
import { rejectionOf } from '../support/rejection';
import { closeLease } from '../../src/ledger/leases';
import * as ledger from '../../src/ledger/service';
import { settleBatch } from '../../src/ledger/settlement';
import { settleOneByOne } from '../../src/ledger/settlement-fallback';
import { createLedgerFixture, type LedgerFixture } from './support';
import { drawFromLease, dumpRows, entrySums, leaseAllocations, leasedWallet, NOW, requestsOf, type Dump, type Wallet } from './settlement-support';
import type { DbHandle } from '../../src/db';
import { TEST_DB_KIND } from '../support/env';

// One database per kind for the whole file (every test uses accounts of its own).
const fixtures = new Map<string, Promise<LedgerFixture>>();
afterAll(async () => {
  for (const fixture of fixtures.values()) await (await fixture).close();
});
function fixtureOf(kind: 'postgres' | 'sqlite' = TEST_DB_KIND): Promise<LedgerFixture> {
  if (!fixtures.has(kind)) fixtures.set(kind, createLedgerFixture(kind));
  return fixtures.get(kind)!;
}

async function expectAudited(handle: DbHandle): Promise<void> {
  expect((await ledger.auditLedger(handle.db)).problems).toEqual([]);
}

/** The batch of requestsOf(wallet) through the fast path, then the lease given back. */
async function settleFast(handle: DbHandle, wallet: Wallet): Promise<void> {
  const items = requestsOf(wallet);
  const update = drawFromLease(wallet, items, await leaseAllocations(handle, wallet.leaseId));
  await settleBatch(handle, items, [update], NOW);
  await handle.db.transaction().execute((trx) => closeLease(trx, wallet.leaseId, NOW));
}

function withoutLeases(dump: Dump): Omit<Dump, 'leases'> {
  const { leases, ...rest } = dump;
  expect(leases).toHaveLength(1);
  return rest;
}

describe('one charge definition', () => {
  test('the same batch applied on SQLite and on Postgres writes identical rows', async () => {
    const dumps: Dump[] = [];
    for (const kind of ['sqlite', 'postgres'] as const) {
      const { handle } = await fixtureOf(kind);
      const wallet = await leasedWallet(handle, `same-${kind}`);
      const items = requestsOf(wallet);
      await settleBatch(handle, items, [drawFromLease(wallet, items, await leaseAllocations(handle, wallet.leaseId))], NOW);
      await expectAudited(handle);
      dumps.push(await dumpRows(handle, wallet));
    }
    expect(dumps[0]!.ledger_entries.length).toBeGreaterThan(4);
    expect(dumps[1]).toEqual(dumps[0]!);
  });

  test('a request settled by the fallback leaves the rows of the fast path, lease bookkeeping aside', async () => {
    const { handle } = await fixtureOf();
    const fast = await leasedWallet(handle, 'fast');
    await settleFast(handle, fast);
    const slow = await leasedWallet(handle, 'slow');
    const items = requestsOf(slow);
    // The fast path drew these from the lease; the fallback must choose again from free credit.
    drawFromLease(slow, items, await leaseAllocations(handle, slow.leaseId));
    const charged = await settleOneByOne(handle, items, [slow.leaseId], NOW);
    expect(items.map((item) => charged.get(item))).toEqual([300_000n, 250_000n, 0n, 0n, 0n]);
    await expectAudited(handle);
    // The same request rows, holds, wallet and grants; the fallback's batches are of one request each.
    const [slowRows, fastRows] = [withoutLeases(await dumpRows(handle, slow)), withoutLeases(await dumpRows(handle, fast))];
    for (const table of ['usage_records', 'holds', 'wallets', 'grants'] as const) expect({ table, rows: slowRows[table] }).toEqual({ table, rows: fastRows[table] });
    expect(await entrySums(handle, slow)).toEqual(await entrySums(handle, fast));
    const requestCounts = (dump: Omit<Dump, 'leases'>) => dump.ledger_transactions.filter((row) => row.includes('kind=charge')).map((row) => /request_count=(\d+)/.exec(row)![1]);
    expect(requestCounts(fastRows)).toEqual(['3']);
    expect(requestCounts(slowRows)).toEqual(['1', '1', '1']);
  });

  test("a standalone hold's post writes the charge a batched request writes", async () => {
    const { handle } = await fixtureOf();
    const batched = await leasedWallet(handle, 'posted');
    const [first] = requestsOf(batched);
    await settleBatch(handle, [first!], [drawFromLease(batched, [first!], await leaseAllocations(handle, batched.leaseId))], NOW);
    await handle.db.transaction().execute((trx) => closeLease(trx, batched.leaseId, NOW));
    const standalone = await leasedWallet(handle, 'held');
    await handle.db.transaction().execute((trx) => closeLease(trx, standalone.leaseId, NOW));
    const hold = await ledger.reserve(handle.db, { accountId: standalone.accountId, amountMicros: 350_000n, idempotencyKey: 'standalone-hold', ttlMs: 60_000 }, NOW);
    standalone.names.set(hold.id, `${standalone.prefix}-hold-1`);
    await ledger.post(handle.db, { holdId: hold.id, amountMicros: 300_000n, idempotencyKey: `charge:${standalone.prefix}-use-1`, memo: first!.memo }, NOW);
    await expectAudited(handle);
    const [one, two] = [await dumpRows(handle, batched), await dumpRows(handle, standalone)];
    // The same money moved: the batch's transaction sums its one request, the hold's is its own.
    for (const table of ['wallets', 'grants'] as const) expect({ table, rows: two[table] }).toEqual({ table, rows: one[table] });
    expect(await entrySums(handle, standalone)).toEqual(await entrySums(handle, batched));
    const amounts = (dump: Dump) => dump.ledger_transactions.filter((row) => row.includes('kind=charge')).map((row) => /amount_micros=(\d+)/.exec(row)![1]);
    expect(amounts(two)).toEqual(amounts(one));
  });

  test('the fallback after a batch that committed, and a retried fallback, change nothing', async () => {
    const { handle } = await fixtureOf();
    const wallet = await leasedWallet(handle, 'twice');
    const items = requestsOf(wallet);
    await settleBatch(handle, items, [drawFromLease(wallet, items, await leaseAllocations(handle, wallet.leaseId))], NOW);
    const settled = await dumpRows(handle, wallet);
    for (let run = 0; run < 2; run++) {
      const charged = await settleOneByOne(handle, items, [], NOW);
      expect(items.map((item) => charged.get(item))).toEqual([300_000n, 250_000n, 0n, 0n, 0n]);
      expect(await dumpRows(handle, wallet)).toEqual(settled);
    }
    await expectAudited(handle);
  });

  test("a replayed batch is refused by its request rows' keys and writes nothing", async () => {
    const { handle } = await fixtureOf();
    const wallet = await leasedWallet(handle, 'replay');
    const items = requestsOf(wallet);
    const allocations = await leaseAllocations(handle, wallet.leaseId);
    await settleBatch(handle, items, [drawFromLease(wallet, items, allocations)], NOW);
    const settled = await dumpRows(handle, wallet);
    // The same requests drawn again from what the lease has left: only the request rows can refuse it.
    const again = requestsOf(wallet);
    expect(await rejectionOf(settleBatch(handle, again, [drawFromLease(wallet, again, await leaseAllocations(handle, wallet.leaseId))], NOW))).toBeInstanceOf(Error);
    expect(await dumpRows(handle, wallet)).toEqual(settled);
    await expectAudited(handle);
  });

  test('a batch drawing on a lease closed under it fails whole; the fallback then settles it from free credit', async () => {
    const { handle } = await fixtureOf();
    const wallet = await leasedWallet(handle, 'closed');
    const items = requestsOf(wallet);
    const update = drawFromLease(wallet, items, await leaseAllocations(handle, wallet.leaseId));
    await handle.db.transaction().execute((trx) => closeLease(trx, wallet.leaseId, NOW, 'expired'));
    const before = await dumpRows(handle, wallet);
    expect(String(await rejectionOf(settleBatch(handle, items, [update], NOW)))).toMatch(/lease/);
    expect(await dumpRows(handle, wallet)).toEqual(before);
    const charged = await settleOneByOne(handle, items, [wallet.leaseId], NOW);
    expect(items.map((item) => charged.get(item))).toEqual([300_000n, 250_000n, 0n, 0n, 0n]);
    expect((await ledger.getWalletSummary(handle.db, wallet.accountId, NOW)).balanceMicros).toBe(1_400_000n - 550_000n);
    await expectAudited(handle);
  });
});
