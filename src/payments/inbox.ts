// The Stripe webhook inbox (table stripe_events): plain functions over the db handle. An event
// is stored once, then claimed, handled and marked by the processor (processor.ts).
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema';

export interface VerifiedEvent {
  id: string;
  type: string;
  /** Stripe's event.created, in seconds. */
  created: number;
}

/** Stores a verified event; false when its id is already in the inbox (a redelivery). */
export async function storeEvent(db: Kysely<Database>, event: VerifiedEvent, payload: string, nowMs: number): Promise<boolean> {
  const result = await db
    .insertInto('stripe_events')
    .values({
      id: event.id,
      type: event.type,
      payload,
      created_at_ms: BigInt(event.created) * 1000n,
      received_at_ms: BigInt(nowMs),
      status: 'pending',
      processed_at_ms: null,
      attempts: 0n,
      last_error: null,
      next_attempt_at_ms: BigInt(nowMs),
    })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .returning('id')
    .execute();
  return result.length > 0;
}

/** Ids of events due for an attempt, oldest event first. */
export async function listDueEventIds(db: Kysely<Database>, nowMs: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('stripe_events')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at_ms', '<=', BigInt(nowMs))
    .orderBy('created_at_ms')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}

export interface ClaimedEvent {
  id: string;
  type: string;
  payload: string;
  /** This attempt's number (1 for the first): the processor's proof that the claim is its own. */
  attempt: number;
}

/**
 * Takes an event for one attempt until `claimUntilMs`: another processor (a second replica)
 * skips it meanwhile, and takes it up after then if this one died holding it.
 */
export async function claimEvent(db: Kysely<Database>, id: string, nowMs: number, claimUntilMs: number): Promise<ClaimedEvent | null> {
  const result = await db
    .updateTable('stripe_events')
    .set((eb) => ({ attempts: eb('attempts', '+', 1n), next_attempt_at_ms: BigInt(claimUntilMs) }))
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('next_attempt_at_ms', '<=', BigInt(nowMs))
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) return null;
  const row = await db.selectFrom('stripe_events').select(['id', 'type', 'payload', 'attempts']).where('id', '=', id).executeTakeFirstOrThrow();
  return { id: row.id, type: row.type, payload: row.payload, attempt: Number(row.attempts) };
}

/**
 * Marks the event processed inside the transaction that handles it, so the two commit or roll
 * back together. False when the claim is no longer this attempt's: the event was finished by
 * another processor after this one's claim ran out, and must not be handled twice.
 */
export async function markProcessed(trx: Transaction<Database>, id: string, attempt: number, nowMs: number): Promise<boolean> {
  const result = await trx
    .updateTable('stripe_events')
    .set({ status: 'processed', processed_at_ms: BigInt(nowMs), next_attempt_at_ms: null })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('attempts', '=', BigInt(attempt))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Records a failed attempt: due again at `retryAtMs`, or given up ('failed') when that is null. */
export async function recordFailure(db: Kysely<Database>, id: string, attempt: number, error: string, retryAtMs: number | null): Promise<void> {
  await db
    .updateTable('stripe_events')
    .set({ status: retryAtMs === null ? 'failed' : 'pending', last_error: error, next_attempt_at_ms: retryAtMs === null ? null : BigInt(retryAtMs) })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('attempts', '=', BigInt(attempt))
    .execute();
}

/** Events stored and not yet processed (pending, retries included): the inbox's depth, for /metrics. */
export async function countPendingEvents(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('stripe_events').select((eb) => eb.fn.countAll<string | number | bigint>().as('count')).where('status', '=', 'pending').executeTakeFirstOrThrow();
  return Number(row.count);
}
