// The ledger's public face: the only module that writes wallets, grants, entries and holds.
// Functions that take `trx` must run inside a caller's transaction (to compose with other
// writes, such as creating an account with its trial grant); the others open their own.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { loadOpenGrants, lockWalletById, type Trx } from './books';
import { grantCredits, writeOffExpired, type GrantInput, type GrantResult } from './grants';
import { closeLease } from './leases';
import { expireHold, postHold, reserveHold, voidHold, type PostInput, type ReserveInput } from './holds';
import type { Hold, PostResult } from './model';
import { log } from '../logs/logger';

export { grantCredits, postHold, reserveHold, voidHold };
export { BALANCE_MICROS_MAX } from './model';
export { auditLedger } from './audit';
export { askLeasedCreditBack, chargeWallet, type DirectChargeInput, type DirectChargeResult } from './direct-charge';
export { readUnusedPaidCredit, refundPaid, unusedPaidCredit, type RefundInput, type RefundResult } from './refunds';
export { CreditMeter, type Reservation } from './meter';
export { getWalletSummary, listLedger, readLedgerLines, type LedgerLine, type LedgerPage, type LedgerPosition, type LedgerWindow } from './read';
export type { GrantInput, GrantResult, PostInput, ReserveInput };
export type * from './model';

export function grant(db: Kysely<Database>, input: GrantInput, nowMs: number): Promise<GrantResult> {
  return db.transaction().execute((trx) => grantCredits(trx, input, nowMs));
}

export function reserve(db: Kysely<Database>, input: ReserveInput, nowMs: number): Promise<Hold> {
  return db.transaction().execute((trx) => reserveHold(trx, input, nowMs));
}

export function post(db: Kysely<Database>, input: PostInput, nowMs: number): Promise<PostResult> {
  return db.transaction().execute((trx) => postHold(trx, input, nowMs));
}

export function cancel(db: Kysely<Database>, holdId: string, nowMs: number): Promise<Hold> {
  return db.transaction().execute((trx) => voidHold(trx, holdId, nowMs));
}

/**
 * The sweeper's pass: releases holds whose time ran out (a crashed request never settles) and
 * writes off expired grants. Bounded per pass so one pass never holds locks for long.
 */
export async function sweep(db: Kysely<Database>, nowMs: number, limit = 500): Promise<{ holdsExpired: number; walletsWrittenOff: number }> {
  const stale = await db
    .selectFrom('holds')
    .select('id')
    .where('status', '=', 'pending')
    .where('expires_at_ms', '<=', BigInt(nowMs))
    .limit(limit)
    .execute();
  // A hold may be posted between this select and its void (a slow request settling late): the
  // void then finds it no longer pending and skips it. One failure never ends the whole pass.
  const holdsExpired = await eachIsolated(stale.map((row) => row.id), 'release hold', (id) =>
    db.transaction().execute(async (trx) => (await expireHold(trx, id, nowMs)) !== null),
  );

  const leases = await db
    .selectFrom('leases')
    .select('id')
    .where('status', '=', 'open')
    .where('expires_at_ms', '<=', BigInt(nowMs))
    .limit(limit)
    .execute();
  // A process that died (or stalled past its lease) leaves its lease here; give the credit back.
  await eachIsolated(leases.map((row) => row.id), 'expire lease', async (id) => {
    await db.transaction().execute((trx) => closeLease(trx, id, nowMs, 'expired'));
    return true;
  });

  // The grants due, soonest first, read through grants_expiring_idx (migration 014), whose
  // predicate these conditions imply: a pass reads at most `limit` due grants, never every grant
  // ever made. (DISTINCT in SQL led SQLite, before ANALYZE, to scan another index whole.)
  const due = await db
    .selectFrom('grants')
    .select('account_id')
    .where('expires_at_ms', '<=', BigInt(nowMs))
    .whereRef('remaining_micros', '>', 'reserved_micros')
    .orderBy('expires_at_ms')
    .limit(limit)
    .execute();
  const accounts = [...new Set(due.map((row) => row.account_id))];
  // Each wallet under its own lock, reading its grants after taking it: a replica sweeping the
  // same wallet at once waits, then finds nothing left to write off, so each expired credit is
  // written off by exactly one entry however many replicas sweep.
  const walletsWrittenOff = await eachIsolated(accounts, 'write off expired credit of', (accountId) =>
    db.transaction().execute(async (trx: Trx) => {
      const wallet = await lockWalletById(trx, accountId, nowMs);
      await writeOffExpired(trx, wallet, await loadOpenGrants(trx, accountId), nowMs);
      return true;
    }),
  );
  return { holdsExpired, walletsWrittenOff };
}

/** Runs `work` for each id on its own, logging failures; returns how many reported success. */
async function eachIsolated(ids: string[], what: string, work: (id: string) => Promise<boolean>): Promise<number> {
  let done = 0;
  for (const id of ids) {
    try {
      if (await work(id)) done += 1;
    } catch (error) {
      log.error(`[inferport] sweeper could not ${what} ${id}; the next pass retries`, error);
    }
  }
  return done;
}
