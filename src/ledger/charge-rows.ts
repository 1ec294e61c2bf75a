// The one definition of a charge. A settled request, a fallback-settled one or a standalone hold's
// post becomes rows (charge-types.ts) here and nowhere else; each database only applies them
// (settlement-sqlite.ts, settlement-postgres.ts). Pure: no I/O, ids and times are given or drawn
// here, so the same charges always describe the same money movement.
//
// The lean form: a gateway request (drawn from a lease or, in the fallback, from free credit) is
// ONE row, its usage record with its charge in it; the money of all such requests of a wallet
// in the set is one balanced transaction (one entry per grant drawn, one revenue entry), which
// the request rows reference. Only a standalone hold's post keeps a transaction of its own.
import { usageDailyRows, usageTopRows } from '../usage/rollup';
import { usageRow } from '../usage/service';
import { assert } from '../shared/assert';
import { mergeAllocations } from './allocate';
import { addTotals, grantRows, leaseRows, walletRows, type Totals } from './charge-totals';
import { addBatchTransaction, addHoldTransaction, joinBatch, type Batch } from './charge-transactions';
import type { Charge, ChargeRows, LeaseUpdate } from './charge-types';
import type { Allocation } from './model';
import { allocationsToJson } from './rows';

export * from './charge-types';

export function buildChargeRows(charges: Charge[], leases: LeaseUpdate[], nowMs: number): ChargeRows {
  const now = BigInt(nowMs);
  const rows: ChargeRows = { wallets: [], holdResolutions: [], transactions: [], entries: [], usage: [], grants: [], leases: [], usageDaily: [], usageTop: [] };
  const totals: Totals = { grants: new Map(), wallets: new Map(), leases: new Map() };
  const batches = new Map<string, Batch>();
  for (const charge of charges) addCharge(rows, totals, batches, charge, now);
  for (const batch of batches.values()) addBatchTransaction(rows, batch, now);
  rows.wallets = walletRows(totals, now);
  rows.grants = grantRows(totals);
  rows.leases = leaseRows(totals, leases, now);
  rows.usageDaily = usageDailyRows(rows.usage);
  rows.usageTop = usageTopRows(rows.usage);
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

function addCharge(rows: ChargeRows, totals: Totals, batches: Map<string, Batch>, charge: Charge, now: bigint): void {
  const { draws, chargedMicros } = drawsOf(charge);
  if (charge.outcome === 'record') {
    if (charge.record) rows.usage.push(usageRow({ ...charge.record, costMicros: 0n }));
    return;
  }
  assert(charge.holdId !== null, 'a reserved request has a hold');
  const status = charge.outcome;
  let transactionId: string | null = null;
  if (charge.source.kind === 'hold') {
    rows.holdResolutions.push({ id: charge.holdId, status, posted_micros: status === 'posted' ? chargedMicros : null, resolved_at_ms: now });
    if (status === 'posted') transactionId = addHoldTransaction(rows, charge, draws, chargedMicros, now);
  } else {
    // A gateway request's reservation lived in memory (a lease's slice): its row is the record.
    assert(charge.record !== null, 'a request settled from a lease or free credit has its usage record');
    if (status === 'posted') transactionId = joinBatch(batches, charge.accountId, draws).id;
  }
  if (charge.record) {
    rows.usage.push({
      ...usageRow({ ...charge.record, holdId: charge.holdId, costMicros: chargedMicros }),
      charge_status: status,
      reserved_micros: charge.reservedMicros,
      draws: allocationsToJson(draws),
      transaction_id: transactionId,
    });
  }
  addTotals(totals, charge.accountId, charge.source, draws, chargedMicros);
}
