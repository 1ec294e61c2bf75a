// The lean write path's rows, checked against the model: a request reserved from a lease has no
// hold row; its usage record carries its charge (status, reservation, draws, batch transaction),
// and each batch is one charge transaction per wallet summing the requests that reference it.
import { expect } from 'bun:test';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema';
import { parseAllocations } from '../../src/ledger/leases';
import { SYSTEM_ACCOUNTS } from '../../src/ledger/model';
import type { ModelAllocation } from './ledger-model';
import type { MeterModel } from './meter-model';

type Draws = ModelAllocation[];
const byGrant = (draws: Draws) => draws.filter((draw) => draw.micros !== 0n).sort((a, b) => (a.grantId < b.grantId ? -1 : 1));

export async function expectRequestRowsMatchModel(db: Kysely<Database>, accountId: string, model: MeterModel): Promise<void> {
  const [holds, usage, transactions, entries] = await Promise.all([
    db.selectFrom('holds').select(['id', 'status']).where('account_id', '=', accountId).execute(),
    db.selectFrom('usage_records').select(['id', 'hold_id', 'cost_micros', 'charge_status', 'reserved_micros', 'draws', 'transaction_id']).where('account_id', '=', accountId).execute(),
    db.selectFrom('ledger_transactions').select(['id', 'kind', 'amount_micros', 'request_count', 'hold_id']).where('account_id', '=', accountId).where('kind', '=', 'charge').execute(),
    db.selectFrom('ledger_entries').innerJoin('ledger_transactions', 'ledger_transactions.id', 'ledger_entries.transaction_id').select(['ledger_entries.transaction_id', 'ledger_entries.book', 'ledger_entries.ledger_account', 'ledger_entries.amount_micros']).where('ledger_transactions.account_id', '=', accountId).where('ledger_transactions.kind', '=', 'charge').execute(),
  ]);
  // The meter reserves from leases only: no request writes a hold row.
  expect(holds).toEqual([]);

  // One row per answered settle, release or record (lost ones have none), with what the caller was told.
  const holdOf = new Map(model.requests.map((request) => [request.recordId, request.holdId]));
  const actual = Object.fromEntries(
    usage.map((row) => [row.id, { hold: row.hold_id, status: row.charge_status, cost: BigInt(row.cost_micros), reserved: BigInt(row.reserved_micros), draws: byGrant(parseAllocations(row.draws)), batched: row.transaction_id !== null }]),
  );
  const expected = Object.fromEntries(
    [...model.usage].map(([id, row]) => [id, { hold: row.status === null ? null : holdOf.get(id)!, status: row.status, cost: row.costMicros, reserved: row.reservedMicros, draws: byGrant([...row.draws]), batched: row.status === 'posted' }]),
  );
  expect(actual).toEqual(expected);
  for (const row of usage) {
    const draws = parseAllocations(row.draws);
    expect(draws.reduce((sum, draw) => sum + draw.micros, 0n)).toBe(BigInt(row.cost_micros));
  }

  // Every charge transaction is a batch (the meter posts no standalone hold): its request count is
  // the posted rows that name it, its amount their sum, one entry per grant drawn and one revenue entry.
  const ids = new Set(transactions.map((txn) => txn.id));
  for (const row of usage) if (row.transaction_id !== null) expect(ids.has(row.transaction_id)).toBe(true);
  const actualBatches = transactions.map((txn) => ({
    id: txn.id,
    hold: txn.hold_id,
    count: txn.request_count === null ? null : Number(txn.request_count),
    amount: BigInt(txn.amount_micros),
    entries: entriesOf(entries.filter((entry) => entry.transaction_id === txn.id)),
  }));
  const expectedBatches = transactions.map((txn) => {
    const rows = usage.filter((row) => row.transaction_id === txn.id);
    const amount = rows.reduce((sum, row) => sum + BigInt(row.cost_micros), 0n);
    const perGrant = new Map<string, bigint>();
    for (const draw of rows.flatMap((row) => parseAllocations(row.draws))) perGrant.set(draw.grantId, (perGrant.get(draw.grantId) ?? 0n) + draw.micros);
    const grantEntries = [...perGrant].filter(([, micros]) => micros !== 0n).map(([grantId, micros]) => `grant|${grantId}|${-micros}`);
    return { id: txn.id, hold: null, count: rows.filter((row) => row.charge_status === 'posted').length, amount, entries: amount === 0n ? [] : [...grantEntries, `system|${SYSTEM_ACCOUNTS.revenue}|${amount}`].sort() };
  });
  expect(actualBatches).toEqual(expectedBatches);
}

function entriesOf(rows: { book: string; ledger_account: string; amount_micros: bigint | string | number }[]): string[] {
  return rows.map((row) => `${row.book}|${row.ledger_account}|${BigInt(row.amount_micros)}`).sort();
}
