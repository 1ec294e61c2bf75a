// The settling steps of the property test: posts (new, replayed, conflicting, on settled holds)
// and voids, each compared with the reference model.
import { expect } from 'bun:test';
import * as ledger from '../../src/ledger/service';
import { isGrantExpired } from './ledger-model';
import type { Op } from './property-ops';
import { nextKey, note, outcome, pickHold, type Run } from './property-run';

export async function postStep(run: Run, op: Extract<Op, { type: 'post' }>): Promise<void> {
  const hold = pickHold(run, op.pick, op.pendingOnly);
  if (!hold) {
    const missing = await outcome(ledger.post(run.db, { holdId: 'hold_missing', amountMicros: 1n, idempotencyKey: nextKey(run, 'charge') }, run.nowMs));
    expect(missing).toEqual({ ok: false, status: 404, code: 'not_found' });
    return;
  }
  const amountMicros = op.over ? hold.amountMicros + BigInt(op.micros) : (hold.amountMicros * BigInt(op.permille)) / 1_000n;
  await postAndCompare(run, hold.id, amountMicros, nextKey(run, 'charge'));
}

export async function replayPostStep(run: Run, op: Extract<Op, { type: 'replayPost' }>): Promise<void> {
  const earlier = run.posts[op.pick % Math.max(run.posts.length, 1)];
  if (!earlier) return;
  if (op.variant === 'same') return postAndCompare(run, earlier.holdId, earlier.amountMicros, earlier.key);
  if (op.variant === 'otherAmount') return postAndCompare(run, earlier.holdId, earlier.amountMicros + 1n, earlier.key);
  const other = run.model.holds.find((hold) => hold.id !== earlier.holdId);
  if (other) return postAndCompare(run, other.id, earlier.amountMicros, earlier.key);
}

/** Posts and compares with the model: replay, conflict, not pending, or the exact charge. */
async function postAndCompare(run: Run, holdId: string, amountMicros: bigint, key: string): Promise<void> {
  const hold = run.model.holds.find((candidate) => candidate.id === holdId)!;
  const prediction = run.model.predictPost(hold, amountMicros, key);
  run.posts.push({ key, holdId, amountMicros });
  const result = await outcome(ledger.post(run.db, { holdId, amountMicros, idempotencyKey: key }, run.nowMs));
  if (prediction.kind === 'error') {
    expect(result).toEqual({ ok: false, status: 409, code: prediction.code });
    note(run, `post ${prediction.code}`);
    return;
  }
  if (!result.ok) throw new Error(`post of ${amountMicros} on ${hold.status} hold failed with ${result.code}, expected ${prediction.kind}`);
  if (prediction.kind === 'replay') {
    const { transactionId, chargedMicros } = prediction.charge;
    expect(result.value).toEqual({ transactionId, chargedMicros, shortfallMicros: amountMicros - chargedMicros, replayed: true });
    note(run, 'post replayed');
    return;
  }
  // Expired grants are never drawn beyond what the hold itself reserved on them.
  const expected = run.model.applyPost(hold, amountMicros, key, result.value.transactionId, run.nowMs);
  expect(result.value).toEqual({ transactionId: result.value.transactionId, ...expected, replayed: false });
  note(run, amountMicros > hold.amountMicros ? (expected.shortfallMicros > 0n ? 'post over hold, shortfall' : 'post over hold, covered') : 'post within hold');
  if (hold.expiresAtMs <= run.nowMs) note(run, 'post of a hold past its expiry');
  if (hold.allocations.some((allocation) => isGrantExpired(run.model.grant(allocation.grantId), run.nowMs))) note(run, 'post on an expired grant');
}

export async function voidStep(run: Run, op: Extract<Op, { type: 'void' }>): Promise<void> {
  const hold = pickHold(run, op.pick, op.pendingOnly);
  if (!hold) return;
  const before = hold.status;
  const result = await outcome(ledger.cancel(run.db, hold.id, run.nowMs));
  note(run, `void ${before}`);
  if (before === 'posted') {
    expect(result).toEqual({ ok: false, status: 409, code: 'hold_not_pending' });
    return;
  }
  if (before === 'pending') run.model.release(hold, 'voided');
  expect(result.ok && result.value.status).toBe(hold.status);
}
