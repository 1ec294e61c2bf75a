// Two-phase holds: reserve credit before forwarding a request, then post the real cost (at most
// once) or void it. A reservation is held against specific grants (its allocations), so that
// concurrent reservations can never promise the same credit twice.
import { ApiError, badRequest } from '../errors';
import { assert } from '../shared/assert';
import { newId } from '../shared/ids';
import { chooseDraws } from './allocate';
import { findReplay, loadOpenGrants, lockWalletById, saveGrant, saveWallet, type Trx } from './books';
import { buildChargeRows, chargeFingerprint, type Charge } from './charge-rows';
import { reserveOnGrants } from './grants';
import type { Grant, Hold, PostResult } from './model';
import { allocationsToJson, rowToHold } from './rows';
import { applyChargeRows } from './settlement';

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
 * The rows it writes are those of every charge (charge-rows.ts), applied like a batch of one.
 */
export async function postHold(trx: Trx, input: PostInput, nowMs: number): Promise<PostResult> {
  if (input.amountMicros < 0n) throw badRequest('a charge cannot be negative', 'amount');
  const accountId = await holdAccountId(trx, input.holdId);
  await lockWalletById(trx, accountId, nowMs);
  const replay = await findReplay(trx, input.idempotencyKey, chargeFingerprint(input.holdId, input.amountMicros));
  if (replay) {
    return { transactionId: replay.id, chargedMicros: replay.amountMicros, shortfallMicros: input.amountMicros - replay.amountMicros, replayed: true };
  }
  const hold = await loadPendingHold(trx, input.holdId);
  const { draws, shortMicros } = chooseDraws(await loadOpenGrants(trx, accountId), hold.allocations, input.amountMicros, nowMs);
  const charge: Charge = {
    accountId,
    holdId: hold.id,
    outcome: 'posted',
    reservedMicros: hold.amountMicros,
    reservedAtMs: hold.createdAtMs,
    askedMicros: input.amountMicros,
    draws,
    source: { kind: 'hold', allocations: hold.allocations },
    idempotencyKey: input.idempotencyKey,
    memo: input.memo ?? null,
    record: null,
  };
  const rows = buildChargeRows([charge], [], nowMs);
  await applyChargeRows(trx, rows);
  return { transactionId: rows.transactions[0]!.id, chargedMicros: input.amountMicros - shortMicros, shortfallMicros: shortMicros, replayed: false };
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

export type { Grant };
