// The state of one property-test run and the small helpers every step uses.
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema';
import { ApiError } from '../../src/errors';
import type * as ledger from '../../src/ledger/service';
import type { LedgerModel, ModelHold } from './ledger-model';

export interface Run {
  db: Kysely<Database>;
  accountId: string;
  model: LedgerModel;
  nowMs: number;
  counter: number;
  grants: { input: ledger.GrantInput; result: ledger.GrantResult }[];
  posts: { key: string; holdId: string; amountMicros: bigint }[];
  /** How often each kind of outcome happened, so the test can show it covered them all. */
  seen: Map<string, number>;
}

export function note(run: Run, what: string): void {
  run.seen.set(what, (run.seen.get(what) ?? 0) + 1);
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; status: number; code: string };

/** Domain errors become outcomes to compare; anything else (an invariant broke) fails the test. */
export async function outcome<T>(promise: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    if (error instanceof ApiError) return { ok: false, status: error.status, code: error.code };
    throw error;
  }
}

export function nextKey(run: Run, what: string): string {
  run.counter += 1;
  return `${run.accountId}:${what}:${run.counter}`;
}

/** A hold to act on: mostly a pending one, otherwise any, settled ones included. */
export function pickHold(run: Run, pick: number, pendingOnly: boolean): ModelHold | undefined {
  const pending = run.model.holds.filter((hold) => hold.status === 'pending');
  const candidates = pendingOnly && pending.length > 0 ? pending : run.model.holds;
  return candidates[pick % Math.max(candidates.length, 1)];
}
