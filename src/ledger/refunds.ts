// Taking paid credit back for a refund: a 'refund' transaction debits one paid grant's unused
// credit against the system account 'refunded'. Promo credit is never refunded, and credit a
// reservation holds (a request in flight, a gateway lease) is not unused: neither is touched.
import { ApiError, badRequest } from '../errors';
import { assert } from '../shared/assert';
import { formatMicros } from '../shared/money';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { findReplay, lockWalletById, recordTransaction, saveGrant, saveWallet, type Trx } from './books';
import { SYSTEM_ACCOUNTS, type Grant } from './model';
import { isExpired, rowToGrant } from './rows';

export interface RefundInput {
  accountId: string;
  /** The paid grant the refunded credit is taken from. */
  grantId: string;
  amountMicros: bigint;
  idempotencyKey: string;
  memo?: string | null;
}

export interface RefundResult {
  transactionId: string;
  replayed: boolean;
}

/**
 * Locks the account's wallet and answers, for each of these grants that is a live paid grant of
 * the account, its credit that is neither spent nor reserved. Under the lock nothing can spend
 * or reserve it before this transaction's refundPaid takes it.
 */
export async function unusedPaidCredit(trx: Trx, accountId: string, grantIds: readonly string[], nowMs: number): Promise<Map<string, bigint>> {
  await lockWalletById(trx, accountId, nowMs);
  return readUnusedPaidCredit(trx, accountId, grantIds, nowMs);
}

/** The same figures without the lock: what a refund would take if it were approved now. */
export async function readUnusedPaidCredit(db: Kysely<Database>, accountId: string, grantIds: readonly string[], nowMs: number): Promise<Map<string, bigint>> {
  const unused = new Map<string, bigint>();
  if (grantIds.length === 0) return unused;
  const rows = await db.selectFrom('grants').selectAll().where('account_id', '=', accountId).where('id', 'in', [...grantIds]).execute();
  for (const grant of rows.map(rowToGrant)) unused.set(grant.id, refundableOf(grant, nowMs));
  return unused;
}

/** Debits `amountMicros` of a paid grant's unused credit, once per idempotency key. */
export async function refundPaid(trx: Trx, input: RefundInput, nowMs: number): Promise<RefundResult> {
  if (input.amountMicros <= 0n) throw badRequest('a refund takes back more than zero credits', 'amount');
  const wallet = await lockWalletById(trx, input.accountId, nowMs);
  const fingerprint = `refund|${input.accountId}|${input.grantId}|${input.amountMicros}`;
  const replay = await findReplay(trx, input.idempotencyKey, fingerprint);
  if (replay) return { transactionId: replay.id, replayed: true };
  const row = await trx.selectFrom('grants').selectAll().where('id', '=', input.grantId).where('account_id', '=', input.accountId).executeTakeFirst();
  if (!row) throw new ApiError(404, 'not_found', `grant ${input.grantId} of account ${input.accountId} not found`);
  const grant = rowToGrant(row);
  const unused = refundableOf(grant, nowMs);
  if (input.amountMicros > unused) {
    throw new ApiError(409, 'conflict', `grant ${grant.id} has ${formatMicros(unused)} refundable credits, less than the ${formatMicros(input.amountMicros)} asked`);
  }
  grant.remainingMicros -= input.amountMicros;
  await saveGrant(trx, grant);
  const transactionId = await recordTransaction(
    trx,
    {
      accountId: input.accountId,
      kind: 'refund',
      idempotencyKey: input.idempotencyKey,
      fingerprint,
      amountMicros: input.amountMicros,
      memo: input.memo ?? null,
      entries: [
        { book: 'grant', ledgerAccount: grant.id, amountMicros: -input.amountMicros },
        { book: 'system', ledgerAccount: SYSTEM_ACCOUNTS.refunded, amountMicros: input.amountMicros },
      ],
    },
    nowMs,
  );
  assert(wallet.balanceMicros >= input.amountMicros, 'a refund never takes more than the balance');
  await saveWallet(trx, { ...wallet, balanceMicros: wallet.balanceMicros - input.amountMicros }, nowMs);
  return { transactionId, replayed: false };
}

/** What a refund may take from a grant: a live paid grant's credit no reservation holds. */
function refundableOf(grant: Grant, nowMs: number): bigint {
  if (grant.kind !== 'paid' || isExpired(grant, nowMs)) return 0n;
  return grant.remainingMicros - grant.reservedMicros;
}
