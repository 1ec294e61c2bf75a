// The ledger's refund: a 'refund' transaction takes a paid grant's unused credit back against
// the system account 'refunded', once per idempotency key; promo credit, reserved credit and
// more than is unused are refused and change nothing (src/ledger/refunds.ts).
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

async function accountWith(kind: 'paid' | 'promo', amountMicros: bigint): Promise<{ accountId: string; grantId: string }> {
  const accountId = await fixture.newAccount();
  const granted = await ledger.grant(fixture.handle.db, { accountId, kind, amountMicros, expiresAtMs: null, source: 'pack', idempotencyKey: `grant:${accountId}` }, NOW);
  return { accountId, grantId: granted.grantId! };
}

const refund = (input: ledger.RefundInput) => fixture.handle.db.transaction().execute((trx) => ledger.refundPaid(trx, input, NOW));
const balanceOf = async (accountId: string) => (await ledger.getWalletSummary(fixture.handle.db, accountId, NOW)).balanceMicros;

describe('ledger refunds', () => {
  test('take back unused paid credit once per key, against the refunded system account', async () => {
    const { accountId, grantId } = await accountWith('paid', 50_000_000n);
    const input = { accountId, grantId, amountMicros: 30_000_000n, idempotencyKey: `refund:${accountId}`, memo: 'refund test' };
    const first = await refund(input);
    const again = await refund(input);
    expect({ replayed: again.replayed, same: again.transactionId === first.transactionId }).toEqual({ replayed: true, same: true });
    expect(await balanceOf(accountId)).toBe(20_000_000n);
    const entries = await fixture.handle.db.selectFrom('ledger_entries').select(['book', 'ledger_account', 'amount_micros']).where('transaction_id', '=', first.transactionId).orderBy('book').execute();
    expect(entries.map((entry) => ({ ...entry, amount_micros: BigInt(entry.amount_micros) }))).toEqual([
      { book: 'grant', ledger_account: grantId, amount_micros: -30_000_000n },
      { book: 'system', ledger_account: 'refunded', amount_micros: 30_000_000n },
    ]);
    const conflict = await rejectionOf(refund({ ...input, amountMicros: 1_000_000n }));
    expect((conflict as ApiError).code).toBe('idempotency_conflict');
    await expectAuditClean(fixture.handle.db);
  });

  test('never promo credit, never reserved credit, never more than is unused', async () => {
    const promo = await accountWith('promo', 10_000_000n);
    expect((await rejectionOf(refund({ ...promo, amountMicros: 1n, idempotencyKey: `refund:${promo.accountId}` })) as ApiError).status).toBe(409);
    expect(await balanceOf(promo.accountId)).toBe(10_000_000n);

    const paid = await accountWith('paid', 10_000_000n);
    await ledger.reserve(fixture.handle.db, { accountId: paid.accountId, amountMicros: 4_000_000n, idempotencyKey: `hold:${paid.accountId}`, ttlMs: 60_000 }, NOW);
    const unused = await fixture.handle.db.transaction().execute((trx) => ledger.unusedPaidCredit(trx, paid.accountId, [paid.grantId, promo.grantId], NOW));
    expect([...unused]).toEqual([[paid.grantId, 6_000_000n]]);
    const tooMuch = await rejectionOf(refund({ ...paid, amountMicros: 6_000_001n, idempotencyKey: `refund:${paid.accountId}` }));
    expect({ status: (tooMuch as ApiError).status, code: (tooMuch as ApiError).code }).toEqual({ status: 409, code: 'conflict' });
    expect(await balanceOf(paid.accountId)).toBe(10_000_000n);
    await refund({ ...paid, amountMicros: 6_000_000n, idempotencyKey: `refund:${paid.accountId}` });
    expect(await balanceOf(paid.accountId)).toBe(4_000_000n);
    await expectAuditClean(fixture.handle.db);
  });
});
