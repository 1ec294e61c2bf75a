// The one definition of a charge. A settled request, a fallback-settled one or a standalone hold's
// post becomes rows (charge-types.ts) here and nowhere else; each database only applies them
// (settlement-sqlite.ts, settlement-postgres.ts). Pure: no I/O, ids and times are given or drawn
// here, so the same charges always describe the same money movement.
import { usageRow } from '../usage/service';
import { assert } from '../shared/assert';
import { newId } from '../shared/ids';
import { mergeAllocations } from './allocate';
import { addTotals, grantRows, leaseRows, walletRows, type Totals } from './charge-totals';
import { chargeFingerprint, type Charge, type ChargeRows, type LeaseUpdate } from './charge-types';
import { SYSTEM_ACCOUNTS, type Allocation } from './model';

export * from './charge-types';

export function buildChargeRows(charges: Charge[], leases: LeaseUpdate[], nowMs: number): ChargeRows {
  const now = BigInt(nowMs);
  const rows: ChargeRows = { wallets: [], holds: [], holdResolutions: [], transactions: [], entries: [], usage: [], grants: [], leases: [] };
  const totals: Totals = { grants: new Map(), wallets: new Map(), leases: new Map() };
  for (const charge of charges) addCharge(rows, totals, charge, now);
  rows.wallets = walletRows(totals, now);
  rows.grants = grantRows(totals);
  rows.leases = leaseRows(totals, leases, now);
  return rows;
}

/** What was actually drawn: the draws merged per grant, checked against what was asked. */
function drawsOf(charge: Charge): { draws: Allocation[]; chargedMicros: bigint } {
  assert(charge.askedMicros >= 0n, 'a charge is never negative');
  if (charge.outcome !== 'posted') {
    assert(charge.draws.length === 0, `a ${charge.outcome} request draws nothing`);
    return { draws: [], chargedMicros: 0n };
  }
  const draws = mergeAllocations([], charge.draws).filter((draw) => draw.micros !== 0n);
  assert(draws.every((draw) => draw.micros > 0n), 'a draw takes credit, never adds it');
  const chargedMicros = draws.reduce((sum, draw) => sum + draw.micros, 0n);
  assert(chargedMicros <= charge.askedMicros, `a charge draws at most what it asks (${chargedMicros} > ${charge.askedMicros})`);
  if (charge.source.kind === 'lease') assert(chargedMicros === charge.askedMicros, `a charge is drawn in full from its lease (${chargedMicros} != ${charge.askedMicros})`);
  return { draws, chargedMicros };
}

function addCharge(rows: ChargeRows, totals: Totals, charge: Charge, now: bigint): void {
  const { draws, chargedMicros } = drawsOf(charge);
  if (charge.record) {
    rows.usage.push(usageRow({ ...charge.record, holdId: charge.holdId ?? charge.record.holdId, costMicros: chargedMicros }));
  }
  if (charge.outcome === 'record') return;
  assert(charge.holdId !== null, 'a reserved request has a hold');
  const status = charge.outcome;
  const postedMicros = status === 'posted' ? chargedMicros : null;
  if (charge.source.kind === 'hold') {
    rows.holdResolutions.push({ id: charge.holdId, status, posted_micros: postedMicros, resolved_at_ms: now });
  } else {
    // A gateway request's hold lived in memory (a lease's slice); it is written already resolved.
    rows.holds.push({
      id: charge.holdId,
      account_id: charge.accountId,
      idempotency_key: `request:${charge.holdId}`,
      amount_micros: charge.reservedMicros,
      allocations: '[]',
      status,
      posted_micros: postedMicros,
      expires_at_ms: now,
      created_at_ms: BigInt(charge.reservedAtMs),
      resolved_at_ms: now,
    });
  }
  if (status === 'posted') addTransaction(rows, charge, draws, chargedMicros, now);
  addTotals(totals, charge.accountId, charge.source, draws, chargedMicros);
}

/** The charge's balanced transaction: each grant gives its draw, revenue takes the sum. */
function addTransaction(rows: ChargeRows, charge: Charge, draws: Allocation[], chargedMicros: bigint, now: bigint): void {
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
  });
  if (chargedMicros === 0n) return;
  const entry = (book: 'grant' | 'system', ledgerAccount: string, amountMicros: bigint) => ({
    transaction_id: transactionId,
    book,
    ledger_account: ledgerAccount,
    account_id: charge.accountId,
    amount_micros: amountMicros,
    created_at_ms: now,
  });
  rows.entries.push(...draws.map((draw) => entry('grant', draw.grantId, -draw.micros)), entry('system', SYSTEM_ACCOUNTS.revenue, chargedMicros));
}
