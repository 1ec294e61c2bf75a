// Compares one account's rows with the reference model, and checks the ledger's invariants for
// that account straight from the tables (the auditor covers the whole database, more slowly).
import { expect } from 'bun:test';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema';
import * as ledger from '../../src/ledger/service';
import { compareModelGrants, isGrantExpired, type LedgerModel } from './ledger-model';

export async function expectDatabaseMatchesModel(db: Kysely<Database>, accountId: string, model: LedgerModel, nowMs: number): Promise<void> {
  const [wallet, grantRows, holdRows, summary, entrySums] = await Promise.all([
    db.selectFrom('wallets').selectAll().where('account_id', '=', accountId).executeTakeFirst(),
    db.selectFrom('grants').selectAll().where('account_id', '=', accountId).execute(),
    db.selectFrom('holds').selectAll().where('account_id', '=', accountId).execute(),
    ledger.getWalletSummary(db, accountId, nowMs),
    db
      .selectFrom('ledger_entries')
      .select(['ledger_account', (eb) => eb.fn.sum<bigint>('amount_micros').as('total')])
      .where('account_id', '=', accountId)
      .where('book', '=', 'grant')
      .groupBy('ledger_account')
      .execute(),
  ]);
  // Cached figures equal the entry sums: each grant's remaining, and so the wallet's balance.
  const remainingByGrant = Object.fromEntries(model.grants.map((grant) => [grant.id, grant.remainingMicros]));
  expect(Object.fromEntries(entrySums.map((row) => [row.ledger_account, BigInt(row.total)]))).toEqual(remainingByGrant);
  const balanceMicros = BigInt(wallet?.balance_micros ?? 0n);
  expect(balanceMicros).toBe(model.balanceMicros());
  expect(balanceMicros).toBe(model.grantedMicros - model.chargedMicros - model.expiredMicros);
  expect(balanceMicros >= 0n).toBe(true);
  expect(BigInt(wallet?.reserved_micros ?? 0n)).toBe(model.reservedMicros());

  const grants = grantRows.map((row) => ({
    id: row.id,
    kind: row.kind,
    amountMicros: BigInt(row.amount_micros),
    remainingMicros: BigInt(row.remaining_micros),
    reservedMicros: BigInt(row.reserved_micros),
    expiresAtMs: row.expires_at_ms === null ? null : Number(row.expires_at_ms),
    createdAtMs: Number(row.created_at_ms),
  }));
  expect(grants.sort(compareModelGrants)).toEqual([...model.grants].sort(compareModelGrants));

  const holds = holdRows.map((row) => ({
    id: row.id,
    key: row.idempotency_key,
    amountMicros: BigInt(row.amount_micros),
    allocations: (JSON.parse(row.allocations) as { grant_id: string; micros: string }[]).map((a) => ({ grantId: a.grant_id, micros: BigInt(a.micros) })),
    status: row.status,
    postedMicros: row.posted_micros === null ? null : BigInt(row.posted_micros),
    expiresAtMs: Number(row.expires_at_ms),
  }));
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
  expect(holds.sort(byId)).toEqual([...model.holds].sort(byId));

  const live = model.grants.filter((grant) => !isGrantExpired(grant, nowMs));
  const sumOf = (list: typeof live, pick: (grant: (typeof live)[number]) => bigint) => list.reduce((sum, grant) => sum + pick(grant), 0n);
  expect(summary).toEqual({
    accountId,
    balanceMicros: sumOf(live, (grant) => grant.remainingMicros),
    paidMicros: sumOf(live.filter((grant) => grant.kind === 'paid'), (grant) => grant.remainingMicros),
    promoMicros: sumOf(live.filter((grant) => grant.kind === 'promo'), (grant) => grant.remainingMicros),
    // What the live grants hold (holds on grants that have since expired are outside the balance).
    reservedMicros: sumOf(live, (grant) => grant.reservedMicros),
    availableMicros: model.availableMicros(nowMs),
  });
  expect(summary.availableMicros).toBe(summary.balanceMicros - summary.reservedMicros);
}

/** The account's transactions: totals by kind, one charge per posted hold, balanced entries. */
export async function expectAccountBooksBalance(db: Kysely<Database>, accountId: string, model: LedgerModel): Promise<void> {
  const totals = await db
    .selectFrom('ledger_transactions')
    .select(['kind', (eb) => eb.fn.sum<bigint>('amount_micros').as('total')])
    .where('account_id', '=', accountId)
    .groupBy('kind')
    .execute();
  const byKind = Object.fromEntries(totals.map((row) => [row.kind, BigInt(row.total)]));
  expect({ grant: byKind.grant ?? 0n, charge: byKind.charge ?? 0n, expire: byKind.expire ?? 0n }).toEqual({
    grant: model.grantedMicros,
    charge: model.chargedMicros,
    expire: model.expiredMicros,
  });

  const charges = await db.selectFrom('ledger_transactions').select(['hold_id', 'amount_micros']).where('account_id', '=', accountId).where('kind', '=', 'charge').execute();
  const chargesByHold = charges.map((row) => [row.hold_id, BigInt(row.amount_micros)] as const).sort(([a], [b]) => (a! < b! ? -1 : 1));
  const posted = model.holds.filter((hold) => hold.status === 'posted').map((hold) => [hold.id, hold.postedMicros!] as const);
  expect(chargesByHold).toEqual(posted.sort(([a], [b]) => (a < b ? -1 : 1)));

  const unbalanced = await sql<{ transaction_id: string }>`
    SELECT e.transaction_id FROM ledger_entries e WHERE e.account_id = ${accountId}
    GROUP BY e.transaction_id HAVING SUM(e.amount_micros) <> 0`.execute(db);
  expect(unbalanced.rows).toEqual([]);
}

export { expectAuditClean } from '../support/audit';
