// The transactions of charge rows (charge-rows.ts): one per wallet for the requests of a set,
// which their request rows reference, and one per standalone hold's post. Each is balanced: every
// grant gives what was drawn from it, revenue takes the sum.
import { newId } from '../shared/ids';
import { batchFingerprint, chargeFingerprint, type Charge, type ChargeRows } from './charge-types';
import { SYSTEM_ACCOUNTS, type Allocation } from './model';

/** A wallet's batch transaction, summed while its requests are added. */
export interface Batch {
  id: string;
  accountId: string;
  count: number;
  /** Micros drawn per grant, over the batch's requests. */
  draws: Map<string, bigint>;
}

export function joinBatch(batches: Map<string, Batch>, accountId: string, draws: Allocation[]): Batch {
  let batch = batches.get(accountId);
  if (!batch) batches.set(accountId, (batch = { id: newId('txn'), accountId, count: 0, draws: new Map() }));
  batch.count++;
  for (const draw of draws) batch.draws.set(draw.grantId, (batch.draws.get(draw.grantId) ?? 0n) + draw.micros);
  return batch;
}

/** A wallet's charges of the set as one transaction: each grant gives its draws, revenue takes the sum. */
export function addBatchTransaction(rows: ChargeRows, batch: Batch, now: bigint): void {
  const draws = [...batch.draws].map(([grantId, micros]) => ({ grantId, micros }));
  const amountMicros = draws.reduce((sum, draw) => sum + draw.micros, 0n);
  rows.transactions.push({
    id: batch.id,
    // Replays are refused by the request rows' keys; the transaction's own key only has to be unique.
    idempotency_key: `batch:${batch.id}`,
    fingerprint: batchFingerprint(batch.count, amountMicros),
    kind: 'charge',
    account_id: batch.accountId,
    amount_micros: amountMicros,
    hold_id: null,
    memo: batch.count === 1 ? '1 request' : `${batch.count} requests`,
    created_at_ms: now,
    request_count: BigInt(batch.count),
  });
  addEntries(rows, batch.id, batch.accountId, draws, amountMicros, now);
}

/** A standalone hold's charge: its own transaction, with the post's idempotency key. */
export function addHoldTransaction(rows: ChargeRows, charge: Charge, draws: Allocation[], chargedMicros: bigint, now: bigint): string {
  const transactionId = newId('txn');
  rows.transactions.push({
    id: transactionId,
    idempotency_key: charge.idempotencyKey,
    fingerprint: chargeFingerprint(charge.holdId, charge.askedMicros),
    kind: 'charge',
    account_id: charge.accountId,
    amount_micros: chargedMicros,
    hold_id: charge.holdId,
    memo: charge.memo,
    created_at_ms: now,
    request_count: null,
  });
  addEntries(rows, transactionId, charge.accountId, draws, chargedMicros, now);
  return transactionId;
}

function addEntries(rows: ChargeRows, transactionId: string, accountId: string, draws: Allocation[], totalMicros: bigint, now: bigint): void {
  if (totalMicros === 0n) return;
  const entry = (book: 'grant' | 'system', ledgerAccount: string, amountMicros: bigint) => ({
    transaction_id: transactionId,
    book,
    ledger_account: ledgerAccount,
    account_id: accountId,
    amount_micros: amountMicros,
    created_at_ms: now,
  });
  rows.entries.push(...draws.filter((draw) => draw.micros !== 0n).map((draw) => entry('grant', draw.grantId, -draw.micros)), entry('system', SYSTEM_ACCOUNTS.revenue, totalMicros));
}
