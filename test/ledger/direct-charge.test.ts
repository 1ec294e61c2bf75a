// The ledger's direct charge (src/ledger/direct-charge.ts, what a deployment's hour is charged
// by): all or nothing from unreserved live credit in spending order, against revenue, once per
// idempotency key; a wallet that cannot pay it all is refused (402) and nothing is written.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { ApiError } from '../../src/errors';
import * as ledger from '../../src/ledger/service';
import { expectAuditClean } from '../support/audit';
import { rejectionOf } from '../support/rejection';
import { createLedgerFixture, type LedgerFixture } from './support';

let fixture: LedgerFixture;
beforeAll(async () => {
  fixture = await createLedgerFixture();
});
afterAll(() => fixture.close());

const NOW = Date.now();
const DAY_MS = 86_400_000;

const grant = async (accountId: string, kind: 'paid' | 'promo', amountMicros: bigint, expiresAtMs: number | null = null) =>
  (await ledger.grant(fixture.handle.db, { accountId, kind, amountMicros, expiresAtMs, source: 'admin', idempotencyKey: `grant:${crypto.randomUUID()}` }, NOW)).grantId!;
const charge = (input: ledger.DirectChargeInput, nowMs = NOW) => fixture.handle.db.transaction().execute((trx) => ledger.chargeWallet(trx, input, nowMs));
const balanceOf = async (accountId: string, nowMs = NOW) => (await ledger.getWalletSummary(fixture.handle.db, accountId, nowMs)).balanceMicros;
const entriesOf = async (transactionId: string) =>
  (await fixture.handle.db.selectFrom('ledger_entries').select(['book', 'ledger_account', 'amount_micros']).where('transaction_id', '=', transactionId).execute())
    .map((entry) => ({ ...entry, amount_micros: BigInt(entry.amount_micros) }))
    .sort((a, b) => Number(a.amount_micros - b.amount_micros));
const transactionsOf = (accountId: string) => fixture.handle.db.selectFrom('ledger_transactions').select('id').where('account_id', '=', accountId).where('kind', '=', 'charge').execute();

describe('ledger direct charge', () => {
  test('draws the soonest-expiring credit first (promo before paid), once per key, against revenue', async () => {
    const accountId = await fixture.newAccount();
    const paid = await grant(accountId, 'paid', 5_000_000n);
    const promo = await grant(accountId, 'promo', 1_000_000n);
    const input = { accountId, amountMicros: 1_500_000n, idempotencyKey: `hour:${accountId}`, memo: 'one hour' };
    const first = await charge(input);
    const again = await charge(input);
    expect(first).toMatchObject({ chargedMicros: 1_500_000n, replayed: false });
    expect({ replayed: again.replayed, same: again.transactionId === first.transactionId }).toEqual({ replayed: true, same: true });
    expect(await balanceOf(accountId)).toBe(4_500_000n);
    expect(await entriesOf(first.transactionId)).toEqual([
      { book: 'grant', ledger_account: promo, amount_micros: -1_000_000n },
      { book: 'grant', ledger_account: paid, amount_micros: -500_000n },
      { book: 'system', ledger_account: 'revenue', amount_micros: 1_500_000n },
    ]);
    const conflict = await rejectionOf(charge({ ...input, amountMicros: 2_000_000n }));
    expect(conflict).toBeInstanceOf(ApiError);
    expect([conflict.status, conflict.code]).toEqual([409, 'idempotency_conflict']);
    expect((await transactionsOf(accountId)).length).toBe(1);
    await expectAuditClean(fixture.handle.db);
  });

  test('never takes reserved or expired credit, never charges in part: 402 and nothing written', async () => {
    const accountId = await fixture.newAccount();
    await grant(accountId, 'paid', 2_000_000n);
    await grant(accountId, 'promo', 3_000_000n, NOW + DAY_MS);
    // The hold takes the promo grant's 3 (it expires first) and 1 of the paid grant's 2.
    const hold = await ledger.reserve(fixture.handle.db, { accountId, amountMicros: 4_000_000n, idempotencyKey: `hold:${accountId}`, ttlMs: 2 * DAY_MS }, NOW);
    // A day later the promo grant has expired (not yet written off): 1 of the paid grant is free.
    const later = NOW + DAY_MS + 1;
    const refused = await rejectionOf(charge({ accountId, amountMicros: 1_200_000n, idempotencyKey: `hour:${accountId}` }, later));
    expect([refused.status, refused.code]).toEqual([402, 'insufficient_credits']);
    expect(refused.message).toContain('1.000000 are available');
    expect(await transactionsOf(accountId)).toEqual([]);
    const paidOff = await charge({ accountId, amountMicros: 1_000_000n, idempotencyKey: `hour:${accountId}:b` }, later);
    expect(paidOff.chargedMicros).toBe(1_000_000n);
    await ledger.cancel(fixture.handle.db, hold.id, later);
    expect(await balanceOf(accountId, later)).toBe(1_000_000n);
    await expectAuditClean(fixture.handle.db);
  });

  test('a zero charge is a transaction with no entries (an instance type priced at 0)', async () => {
    const accountId = await fixture.newAccount();
    const free = await charge({ accountId, amountMicros: 0n, idempotencyKey: `free:${accountId}` });
    expect(await entriesOf(free.transactionId)).toEqual([]);
    const negative = await rejectionOf(charge({ accountId, amountMicros: -1n, idempotencyKey: `neg:${accountId}` }));
    expect([negative.status, negative.code]).toEqual([400, 'invalid_request']);
    await expectAuditClean(fixture.handle.db);
  });
});
