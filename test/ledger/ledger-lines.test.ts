// The ledger an account owner reads (listLedger, behind /console/ledger and the admin ledger):
// a request settled in a batch is one charge line of its own, from its request row, although
// its money is in one transaction per batch and wallet; paging stays exact across both kinds.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import * as ledger from '../../src/ledger/service';
import { settleBatch, type SettlementItem } from '../../src/ledger/settlement';
import { createLedgerFixture, type LedgerFixture } from './support';
import { drawFromLease, leaseAllocations, leasedWallet, NOW, requestsOf, type Wallet } from './settlement-support';

let fixture: LedgerFixture;
let wallet: Wallet;
beforeAll(async () => {
  fixture = await createLedgerFixture();
  wallet = await leasedWallet(fixture.handle, 'lines');
});
afterAll(async () => {
  await fixture?.close();
});

/** `count` charged requests of `micros` each, all recorded at `atMs`, ids in random order. */
function chargedRequests(batch: number, count: number, micros: bigint, atMs: number): SettlementItem[] {
  const [template] = requestsOf(wallet);
  return Array.from({ length: count }, (_, n) => {
    const tag = `${batch}-${Math.random().toString(36).slice(2, 8)}-${n}`;
    const holdId = `lines-hold-${tag}`;
    return { ...template!, holdId, reservedMicros: micros, chargeMicros: micros, record: { ...template!.record!, id: `lines-use-${tag}`, holdId, createdAtMs: atMs } };
  });
}

async function settle(items: SettlementItem[]): Promise<void> {
  await settleBatch(fixture.handle, items, [drawFromLease(wallet, items, await leaseAllocations(fixture.handle, wallet.leaseId))], NOW);
}

describe('ledger lines of batched requests', () => {
  test('each charged request is a line of its own; the batch transaction and voided or plan requests are not', async () => {
    const items = requestsOf(wallet);
    await settle(items);
    const { lines } = await ledger.listLedger(fixture.handle.db, wallet.accountId, { limit: 100, beforeMs: null, after: null });
    const charges = lines.filter((line) => line.kind === 'charge');
    expect(charges.map((line) => [line.transactionId, line.amountMicros, line.balanceChangeMicros, line.holdId, line.memo, line.createdAtMs]).sort()).toEqual([
      ['lines-use-1', 300_000n, -300_000n, 'lines-hold-1', 'chat.completions test-model', NOW - 5],
      ['lines-use-2', 250_000n, -250_000n, 'lines-hold-2', 'chat.completions test-model', NOW - 5],
      ['lines-use-4', 0n, 0n, 'lines-hold-4', 'chat.completions test-model', NOW - 5],
    ]);
    expect(lines.filter((line) => line.kind === 'grant')).toHaveLength(2);
    expect(lines).toHaveLength(5);
    expect((await ledger.auditLedger(fixture.handle.db)).problems).toEqual([]);
  });

  test('paging by (time, id) returns every line once, in order, when request lines and transactions share milliseconds', async () => {
    // Requests recorded at the grants' millisecond and at others, in batches of different sizes.
    await settle(chargedRequests(1, 23, 7n, NOW));
    await settle(chargedRequests(2, 9, 3n, NOW - 5));
    await settle(chargedRequests(3, 17, 5n, NOW + 1));
    const all = (await ledger.listLedger(fixture.handle.db, wallet.accountId, { limit: 1000, beforeMs: null, after: null })).lines;
    expect(all).toHaveLength(5 + 23 + 9 + 17);
    for (const limit of [1, 7, 50]) {
      const seen: string[] = [];
      let after: ledger.LedgerPosition | null = null;
      for (;;) {
        const page = await ledger.listLedger(fixture.handle.db, wallet.accountId, { limit, beforeMs: null, after });
        seen.push(...page.lines.map((line) => line.transactionId));
        if (!page.hasMore) break;
        const last = page.lines.at(-1)!;
        after = { createdAtMs: last.createdAtMs, transactionId: last.transactionId };
      }
      expect(seen).toEqual(all.map((line) => line.transactionId));
    }
    const sumOfLines = all.reduce((sum, line) => sum + line.balanceChangeMicros, 0n);
    expect(sumOfLines).toBe((await ledger.getWalletSummary(fixture.handle.db, wallet.accountId, NOW)).balanceMicros);
    expect((await ledger.auditLedger(fixture.handle.db)).problems).toEqual([]);
  });
});

describe('the auditor on request rows', () => {
  test('reports a request row that disagrees with its draws or with its batch transaction, grant by grant', async () => {
    const db = fixture.handle.db;
    const [item] = chargedRequests(9, 1, 11n, NOW);
    await settle([item!]);
    const id = item!.record!.id;
    const row = await db.selectFrom('usage_records').select(['draws', 'transaction_id']).where('id', '=', id).executeTakeFirstOrThrow();
    const problemsAfter = async (change: Partial<{ cost_micros: bigint; draws: string }>) => {
      await db.updateTable('usage_records').set(change).where('id', '=', id).execute();
      const { problems } = await ledger.auditLedger(db);
      await db.updateTable('usage_records').set({ cost_micros: 11n, draws: row.draws }).where('id', '=', id).execute();
      return problems;
    };
    const costChanged = await problemsAfter({ cost_micros: 12n });
    expect(costChanged.filter((problem) => !problem.startsWith('usage_'))).toEqual([`request ${id} draws 11 but costs 12`, `batch transaction ${row.transaction_id} is 11 but its requests sum to 12`]);
    // The console's rollups (src/usage/audit-rollups.ts) no longer match the record either.
    expect(costChanged.filter((problem) => problem.startsWith('usage_daily'))).toHaveLength(1);
    const [grantA, grantB] = wallet.grantIds;
    const drawnFrom = (JSON.parse(row.draws) as { grant_id: string }[])[0]!.grant_id;
    const other = drawnFrom === grantA ? grantB! : grantA!;
    expect(await problemsAfter({ draws: JSON.stringify([{ grant_id: other, micros: '11' }]) })).toEqual(
      expect.arrayContaining([`batch transaction ${row.transaction_id} takes 11 from grant ${drawnFrom}, its requests drew 0`]),
    );
    expect((await ledger.auditLedger(db)).problems).toEqual([]);
  });
});
