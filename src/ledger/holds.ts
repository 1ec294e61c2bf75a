// Two-phase holds: reserve credit before forwarding a request, then post the real cost (at most
// once) or void it. A reservation is held against specific grants (its allocations), so that
// concurrent reservations can never promise the same credit twice.
import { ApiError, badRequest } from '../errors';
import { assert } from '../shared/assert';
import { newId } from '../shared/ids';
import { findReplay, loadOpenGrants, lockWalletById, recordTransaction, saveGrant, saveWallet, type Trx } from './books';
import { reserveOnGrants } from './grants';
import { SYSTEM_ACCOUNTS, type Grant, type Hold, type PostResult } from './model';
import { allocationsToJson, compareSpendingOrder, isExpired, rowToHold } from './rows';

export interface ReserveInput {
  accountId: string;
  amountMicros: bigint;
  idempotencyKey: string;
  ttlMs: number;
}

export async function reserveHold(trx: Trx, input: ReserveInput, nowMs: number): Promise<Hold> {
  if (input.amountMicros < 0n) throw badRequest('a reservation cannot be negative', 'amount');
  let wallet = await lockWalletById(trx, input.accountId, nowMs);
  const existing = await trx.selectFrom('holds').selectAll().where('idempotency_key', '=', input.idempotencyKey).executeTakeFirst();
  if (existing) {
    const hold = rowToHold(existing);
    if (hold.accountId !== input.accountId || hold.amountMicros !== input.amountMicros) throw idempotencyConflict(input.idempotencyKey);
    return hold;
  }
  const reserved = await reserveOnGrants(trx, wallet, input.amountMicros, input.amountMicros, nowMs);
  wallet = reserved.wallet;
  const allocations = reserved.allocations;
  const hold: Hold = {
    id: newId('hold'),
    accountId: input.accountId,
    amountMicros: input.amountMicros,
    allocations,
    status: 'pending',
    postedMicros: null,
    expiresAtMs: nowMs + input.ttlMs,
    createdAtMs: nowMs,
  };
  await trx
    .insertInto('holds')
    .values({
      id: hold.id,
      account_id: hold.accountId,
      idempotency_key: input.idempotencyKey,
      amount_micros: hold.amountMicros,
      allocations: allocationsToJson(allocations),
      status: 'pending',
      posted_micros: null,
      expires_at_ms: BigInt(hold.expiresAtMs),
      created_at_ms: BigInt(nowMs),
      resolved_at_ms: null,
    })
    .execute();
  await saveWallet(trx, { ...wallet, reservedMicros: wallet.reservedMicros + input.amountMicros }, nowMs);
  return hold;
}

export interface PostInput {
  holdId: string;
  amountMicros: bigint;
  idempotencyKey: string;
  memo?: string | null;
}

/**
 * Charges `amountMicros` against a pending hold and releases the rest. Normally the amount is at
 * most the hold; if the usage came out higher, the excess is drawn from unreserved credit, and
 * what even that cannot cover is reported as a shortfall instead of overdrawing the wallet.
 */
export async function postHold(trx: Trx, input: PostInput, nowMs: number): Promise<PostResult> {
  if (input.amountMicros < 0n) throw badRequest('a charge cannot be negative', 'amount');
  const accountId = await holdAccountId(trx, input.holdId);
  const wallet = await lockWalletById(trx, accountId, nowMs);
  const fingerprint = `charge|${input.holdId}|${input.amountMicros}`;
  const replay = await findReplay(trx, input.idempotencyKey, fingerprint);
  if (replay) {
    return { transactionId: replay.id, chargedMicros: replay.amountMicros, shortfallMicros: input.amountMicros - replay.amountMicros, replayed: true };
  }
  const hold = await loadPendingHold(trx, input.holdId);
  const grants = new Map((await loadOpenGrants(trx, accountId)).map((grant) => [grant.id, grant]));

  // First from the hold's own allocations, releasing each in full.
  let remaining = input.amountMicros;
  const taken = new Map<string, bigint>();
  for (const allocation of hold.allocations) {
    const grant = grants.get(allocation.grantId);
    assert(grant, `allocated grant ${allocation.grantId} still holds credit`);
    const take = min(remaining, allocation.micros);
    grant.reservedMicros -= allocation.micros;
    grant.remainingMicros -= take;
    remaining -= take;
    if (take > 0n) taken.set(grant.id, (taken.get(grant.id) ?? 0n) + take);
  }
  // Then, for usage beyond the estimate, from live unreserved credit in spending order.
  const live = [...grants.values()].filter((grant) => !isExpired(grant, nowMs)).sort(compareSpendingOrder);
  for (const grant of live) {
    if (remaining === 0n) break;
    const take = min(remaining, grant.remainingMicros - grant.reservedMicros);
    if (take <= 0n) continue;
    grant.remainingMicros -= take;
    remaining -= take;
    taken.set(grant.id, (taken.get(grant.id) ?? 0n) + take);
  }
  const chargedMicros = input.amountMicros - remaining;

  const transactionId = await recordTransaction(
    trx,
    {
      accountId,
      kind: 'charge',
      idempotencyKey: input.idempotencyKey,
      fingerprint,
      amountMicros: chargedMicros,
      holdId: hold.id,
      memo: input.memo ?? null,
      entries: [
        ...[...taken].map(([grantId, micros]) => ({ book: 'grant' as const, ledgerAccount: grantId, amountMicros: -micros })),
        { book: 'system', ledgerAccount: SYSTEM_ACCOUNTS.revenue, amountMicros: chargedMicros },
      ],
    },
    nowMs,
  );
  const touched = new Set([...hold.allocations.map((allocation) => allocation.grantId), ...taken.keys()]);
  for (const grantId of touched) await saveGrant(trx, grants.get(grantId)!);
  await resolveHold(trx, hold.id, 'posted', chargedMicros, nowMs);
  await saveWallet(
    trx,
    { accountId, balanceMicros: wallet.balanceMicros - chargedMicros, reservedMicros: wallet.reservedMicros - hold.amountMicros },
    nowMs,
  );
  return { transactionId, chargedMicros, shortfallMicros: remaining, replayed: false };
}

/** Releases a pending hold without charging. Voiding a voided or expired hold changes nothing. */
export async function voidHold(trx: Trx, holdId: string, nowMs: number, status: 'voided' | 'expired' = 'voided'): Promise<Hold> {
  const accountId = await holdAccountId(trx, holdId);
  const wallet = await lockWalletById(trx, accountId, nowMs);
  const row = await trx.selectFrom('holds').selectAll().where('id', '=', holdId).executeTakeFirstOrThrow();
  const hold = rowToHold(row);
  if (hold.status === 'voided' || hold.status === 'expired') return hold;
  if (hold.status !== 'pending') throw holdNotPending(hold);
  const grants = new Map((await loadOpenGrants(trx, accountId)).map((grant) => [grant.id, grant]));
  for (const allocation of hold.allocations) {
    const grant = grants.get(allocation.grantId);
    assert(grant, `allocated grant ${allocation.grantId} still holds credit`);
    grant.reservedMicros -= allocation.micros;
    await saveGrant(trx, grant);
  }
  await resolveHold(trx, hold.id, status, null, nowMs);
  await saveWallet(trx, { ...wallet, reservedMicros: wallet.reservedMicros - hold.amountMicros }, nowMs);
  return { ...hold, status };
}

/** The sweeper's release of a stale hold: null when it is no longer pending (posted meanwhile). */
export async function expireHold(trx: Trx, holdId: string, nowMs: number): Promise<Hold | null> {
  const accountId = await holdAccountId(trx, holdId);
  await lockWalletById(trx, accountId, nowMs);
  const row = await trx.selectFrom('holds').select('status').where('id', '=', holdId).executeTakeFirstOrThrow();
  if (row.status !== 'pending') return null;
  return voidHold(trx, holdId, nowMs, 'expired');
}

async function holdAccountId(trx: Trx, holdId: string): Promise<string> {
  const row = await trx.selectFrom('holds').select('account_id').where('id', '=', holdId).executeTakeFirst();
  if (!row) throw new ApiError(404, 'not_found', `hold ${holdId} not found`, 'hold_id');
  return row.account_id;
}

async function loadPendingHold(trx: Trx, holdId: string): Promise<Hold> {
  const row = await trx.selectFrom('holds').selectAll().where('id', '=', holdId).executeTakeFirstOrThrow();
  const hold = rowToHold(row);
  if (hold.status !== 'pending') throw holdNotPending(hold);
  return hold;
}

async function resolveHold(trx: Trx, holdId: string, status: Hold['status'], postedMicros: bigint | null, nowMs: number): Promise<void> {
  const result = await trx
    .updateTable('holds')
    .set({ status, posted_micros: postedMicros, resolved_at_ms: BigInt(nowMs) })
    .where('id', '=', holdId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  assert(result.numUpdatedRows === 1n, `hold ${holdId} resolves exactly once`);
}

function holdNotPending(hold: Hold): ApiError {
  return new ApiError(409, 'hold_not_pending', `Hold ${hold.id} is already ${hold.status}.`, 'hold_id');
}

function idempotencyConflict(key: string): ApiError {
  return new ApiError(409, 'idempotency_conflict', `Idempotency key "${key}" was already used for a different request.`, 'idempotency_key');
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

export type { Grant };
