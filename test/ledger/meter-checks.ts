// After every command of the meter's model test: the account's rows equal the model's, and the
// money invariants hold straight from the tables (the auditor checks the whole database).
import { expect } from 'bun:test';
import * as ledger from '../../src/ledger/service';
import { parseAllocations } from '../../src/ledger/leases';
import { leaseMicros } from './meter-model';
import { expectRequestRowsMatchModel } from './meter-request-checks';
import type { MeterRun } from './meter-run';

export async function expectLedgerMatchesModel(run: MeterRun): Promise<void> {
  const { db, accountId, model } = run;
  const nowMs = run.clock.nowMs;
  const [wallet, grants, leases, charges, summary] = await Promise.all([
    db.selectFrom('wallets').select('balance_micros').where('account_id', '=', accountId).executeTakeFirst(),
    db.selectFrom('grants').select(['id', 'remaining_micros', 'reserved_micros']).where('account_id', '=', accountId).execute(),
    db.selectFrom('leases').select(['owner', 'status', 'amount_micros', 'allocations', 'expires_at_ms', 'reclaim_requested_at_ms']).where('account_id', '=', accountId).execute(),
    db.selectFrom('ledger_transactions').select((eb) => eb.fn.sum<bigint>('amount_micros').as('total')).where('account_id', '=', accountId).where('kind', '=', 'charge').executeTakeFirst(),
    ledger.getWalletSummary(db, accountId, nowMs),
  ]);
  const books = model.books;
  const balanceMicros = BigInt(wallet?.balance_micros ?? 0n);
  expect(balanceMicros).toBe(books.balanceMicros());
  // The true reserved: everything held on live grants (leases included), and available is the rest.
  const live = books.liveGrants(nowMs);
  expect({ balance: summary.balanceMicros, reserved: summary.reservedMicros, available: summary.availableMicros }).toEqual({
    balance: live.reduce((sum, grant) => sum + grant.remainingMicros, 0n),
    reserved: live.reduce((sum, grant) => sum + grant.reservedMicros, 0n),
    available: books.availableMicros(nowMs),
  });
  expect(summary.reservedMicros).toBe(summary.balanceMicros - summary.availableMicros);
  const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : 1);
  expect(grants.map((row) => ({ id: row.id, remaining: BigInt(row.remaining_micros), reserved: BigInt(row.reserved_micros) })).sort(byId)).toEqual(
    books.grants.map((grant) => ({ id: grant.id, remaining: grant.remainingMicros, reserved: grant.reservedMicros })).sort(byId),
  );

  // Leases: who holds what on which grants until when (open ones), and how each one ended.
  const leaseKey = (lease: { owner: string; status: string; amount: bigint }) => `${lease.owner}|${lease.status}|${lease.amount}`;
  const actualLeases = leases.map((row) => {
    const open = row.status === 'open';
    return { owner: row.owner, status: row.status, amount: BigInt(row.amount_micros), allocations: open ? parseAllocations(row.allocations) : [], expiresAtMs: open ? Number(row.expires_at_ms) : 0, asked: open && row.reclaim_requested_at_ms !== null };
  });
  const modelLeases = model.leases.map((lease) => {
    const open = lease.status === 'open';
    return { owner: lease.owner, status: lease.status, amount: leaseMicros(lease), allocations: lease.allocations, expiresAtMs: open ? lease.expiresAtMs : 0, asked: open && lease.asked };
  });
  const byLease = (a: { owner: string; status: string; amount: bigint }, b: typeof a) => (leaseKey(a) < leaseKey(b) ? -1 : 1);
  expect(actualLeases.sort(byLease)).toEqual(modelLeases.sort(byLease));

  // Committed is exactly what was answered: one request row per settle, release or record
  // (lost ones have none) carrying the charge the caller was told, summed by its batch.
  await expectRequestRowsMatchModel(db, accountId, model);

  // No overspend: charges never exceed grants, and every micro-credit is accounted for.
  const chargedMicros = BigInt(charges?.total ?? 0n);
  expect(chargedMicros).toBe(books.chargedMicros);
  expect(chargedMicros <= books.grantedMicros).toBe(true);
  expect(books.grantedMicros).toBe(balanceMicros + chargedMicros + books.expiredMicros);

  // A live process never holds more in reservations than its open lease has, and says so.
  for (const proc of run.processes) {
    const slot = proc.model.slot;
    expect(proc.real.meter.inFlightOf(accountId)).toBe(slot?.inFlight ?? 0);
    const lease = actualLeases.find((row) => row.owner === proc.model.owner && row.status === 'open');
    if (!lease || !slot || slot.lease.status !== 'open') continue;
    const reservedMicros = proc.open.filter((entry) => entry.request.slot === slot).reduce((sum, entry) => sum + entry.request.amountMicros, 0n);
    expect(slot.availableMicros >= 0n).toBe(true);
    expect(reservedMicros + slot.availableMicros).toBe(lease.amount);
  }
}

export async function expectAuditClean(run: MeterRun): Promise<void> {
  const report = await ledger.auditLedger(run.db);
  expect(report.problems).toEqual([]);
}
