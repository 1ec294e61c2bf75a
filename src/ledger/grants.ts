// Adding credit (grants) and writing off expired credit.
import { ApiError, badRequest } from '../errors';
import { formatMicros } from '../shared/money';
import { takeUnreserved } from './allocate';
import { newId } from '../shared/ids';
import {
  findReplay,
  insertGrant,
  loadOpenGrants,
  lockWalletById,
  recordTransaction,
  saveGrant,
  saveWallet,
  type Trx,
  type Wallet,
} from './books';
import { BALANCE_MICROS_MAX, SYSTEM_ACCOUNTS, type Allocation, type Grant, type GrantKind } from './model';
import { compareSpendingOrder, isExpired } from './rows';

export interface GrantInput {
  accountId: string;
  kind: GrantKind;
  amountMicros: bigint;
  expiresAtMs: number | null;
  /** Where the credit came from: trial, admin, pack, coupon, refill. */
  source: string;
  memo?: string | null;
  idempotencyKey: string;
}

export interface GrantResult {
  transactionId: string;
  grantId: string | null;
  replayed: boolean;
}

export async function grantCredits(trx: Trx, input: GrantInput, nowMs: number): Promise<GrantResult> {
  if (input.amountMicros <= 0n) throw badRequest('amount must be greater than zero', 'amount');
  if (input.amountMicros > BALANCE_MICROS_MAX) {
    throw badRequest(`amount must be at most ${formatMicros(BALANCE_MICROS_MAX)} credits, the most a wallet can hold`, 'amount');
  }
  const wallet = await lockWalletById(trx, input.accountId, nowMs);
  const fingerprint = `grant|${input.accountId}|${input.kind}|${input.amountMicros}|${input.expiresAtMs ?? ''}|${input.source}`;
  const replay = await findReplay(trx, input.idempotencyKey, fingerprint);
  if (replay) {
    const grant = await trx.selectFrom('ledger_entries').select('ledger_account').where('transaction_id', '=', replay.id).where('book', '=', 'grant').executeTakeFirst();
    return { transactionId: replay.id, grantId: grant?.ledger_account ?? null, replayed: true };
  }
  // Checked after the replay lookup: a retry of a grant that succeeded is answered as a replay
  // even once its expiry has passed.
  if (input.expiresAtMs !== null && input.expiresAtMs <= nowMs) throw badRequest('expires_at must be in the future', 'expires_at');
  if (wallet.balanceMicros + input.amountMicros > BALANCE_MICROS_MAX) throw balanceLimitExceeded(wallet, input.amountMicros);
  const grant: Grant = {
    id: newId('grant'),
    accountId: input.accountId,
    kind: input.kind,
    source: input.source,
    amountMicros: input.amountMicros,
    remainingMicros: input.amountMicros,
    reservedMicros: 0n,
    expiresAtMs: input.expiresAtMs,
    createdAtMs: nowMs,
  };
  await insertGrant(trx, grant);
  const transactionId = await recordTransaction(
    trx,
    {
      accountId: input.accountId,
      kind: 'grant',
      idempotencyKey: input.idempotencyKey,
      fingerprint,
      amountMicros: input.amountMicros,
      memo: input.memo ?? null,
      entries: [
        { book: 'grant', ledgerAccount: grant.id, amountMicros: input.amountMicros },
        { book: 'system', ledgerAccount: input.kind === 'paid' ? SYSTEM_ACCOUNTS.issuedPaid : SYSTEM_ACCOUNTS.issuedPromo, amountMicros: -input.amountMicros },
      ],
    },
    nowMs,
  );
  await saveWallet(trx, { ...wallet, balanceMicros: wallet.balanceMicros + input.amountMicros }, nowMs);
  return { transactionId, grantId: grant.id, replayed: false };
}

/**
 * Writes off the unreserved part of every expired grant among `grants` by an `expire` entry.
 * Credit still held by a pending reservation stays until that hold resolves: the reservation
 * was made while the grant was live, and the next pass writes off what it releases.
 * Mutates the grants and the wallet it is given; returns the wallet after the write-offs.
 */
export async function writeOffExpired(trx: Trx, wallet: Wallet, grants: Grant[], nowMs: number): Promise<Wallet> {
  let balanceMicros = wallet.balanceMicros;
  for (const grant of grants) {
    const amount = grant.remainingMicros - grant.reservedMicros;
    if (!isExpired(grant, nowMs) || amount <= 0n) continue;
    grant.remainingMicros -= amount;
    // Remaining only ever falls, so (grant, remaining after) names this write-off uniquely.
    const idempotencyKey = `expire:${grant.id}:${grant.remainingMicros}`;
    await recordTransaction(
      trx,
      {
        accountId: wallet.accountId,
        kind: 'expire',
        idempotencyKey,
        fingerprint: idempotencyKey,
        amountMicros: amount,
        memo: `${grant.kind} grant expired`,
        entries: [
          { book: 'grant', ledgerAccount: grant.id, amountMicros: -amount },
          { book: 'system', ledgerAccount: SYSTEM_ACCOUNTS.expired, amountMicros: amount },
        ],
      },
      nowMs,
    );
    await saveGrant(trx, grant);
    balanceMicros -= amount;
  }
  const updated = { ...wallet, balanceMicros };
  if (balanceMicros !== wallet.balanceMicros) await saveWallet(trx, updated, nowMs);
  return updated;
}

/**
 * Reserves between `needMicros` and `wantMicros` of the account's live credit, in spending
 * order, after writing off what has expired: the one place holds and leases take credit from
 * grants. Throws 402 (before writing any reservation) when not even `needMicros` is free.
 * The wallet must already be locked by this transaction.
 */
export async function reserveOnGrants(
  trx: Trx,
  wallet: Wallet,
  needMicros: bigint,
  wantMicros: bigint,
  nowMs: number,
): Promise<{ wallet: Wallet; allocations: Allocation[]; takenMicros: bigint }> {
  const grants = await loadOpenGrants(trx, wallet.accountId);
  const current = await writeOffExpired(trx, wallet, grants, nowMs);
  const live = grants.filter((grant) => !isExpired(grant, nowMs)).sort(compareSpendingOrder);
  const { allocations, takenMicros } = takeUnreserved(live, wantMicros);
  if (takenMicros < needMicros) throw insufficientCredits(needMicros, takenMicros);
  const byId = new Map(live.map((grant) => [grant.id, grant]));
  for (const allocation of allocations) {
    const grant = byId.get(allocation.grantId)!;
    grant.reservedMicros += allocation.micros;
    await saveGrant(trx, grant);
  }
  return { wallet: current, allocations, takenMicros };
}

function balanceLimitExceeded(wallet: Wallet, amountMicros: bigint): ApiError {
  return new ApiError(
    400,
    'balance_limit_exceeded',
    `This grant of ${formatMicros(amountMicros)} credits would take the balance of ${formatMicros(wallet.balanceMicros)} past the limit of ${formatMicros(BALANCE_MICROS_MAX)} credits a wallet can hold.`,
    'amount',
  );
}

export function insufficientCredits(neededMicros: bigint, availableMicros: bigint): ApiError {
  return new ApiError(
    402,
    'insufficient_credits',
    `Insufficient credits: this request needs up to ${formatMicros(neededMicros)} credits and ${formatMicros(availableMicros)} are available.`,
  );
}
