// The model's lease growth, from the meter's rules: a growth leases what its reservation lacks
// plus what the reservations waiting on it need, and headroom (growthFactor times the
// reservation) only while at least twice the headroom would stay free for other processes;
// a lease leased without headroom is "tight" and goes back as soon as it is idle. When the
// wallet's free credit falls short, the process asks the other owners of open leases for their
// unused credit (unless even all of it could not cover the need), retries as they answer, and
// refuses (402) once all answered, or RECLAIM_WAIT_MS passed for an owner that never answers
// (a crashed process), with one last attempt.
import { minMicros, type ModelAllocation } from './ledger-model';
import { cloneAllocations, leaseMicros, mergeAllocations, type MeterModel, type ModelLease, type ModelProcess } from './meter-model';

export const RECLAIM_WAIT_MS = 2_000;
const SPARE_LEFT_FOR_OTHERS = 2n;

export interface GrowthContext {
  process: ModelProcess;
  /** The other running processes: they answer asks for their leases. */
  others: ModelProcess[];
  clock: { nowMs: number };
}

export function growLease(model: MeterModel, ctx: GrowthContext, amountMicros: bigint, waitingMicros: bigint): boolean {
  const deadlineMs = ctx.clock.nowMs + RECLAIM_WAIT_MS;
  let asked: ModelLease[] | null = null;
  let lastAttempt = false;
  const answers = new Set<string>();
  for (;;) {
    if (acquire(model, ctx, amountMicros, waitingMicros)) {
      if (asked) note(model, [...answers].map((how) => `reserve served by ${how}`));
      return true;
    }
    if (lastAttempt) {
      model.note(asked && asked.length > 0 ? 'reserve refused after asking leases back' : model.leases.some((lease) => lease.status === 'open' && lease.owner !== ctx.process.owner && leaseMicros(lease) > 0n) ? 'reserve refused, other leases could not cover it either' : 'reserve refused');
      return false;
    }
    if (asked === null) {
      asked = askLeasesBack(model, ctx, amountMicros);
      lastAttempt = asked.length === 0;
    } else {
      lastAttempt = ctx.clock.nowMs >= deadlineMs || asked.every((lease) => lease.status !== 'open' || !lease.asked);
    }
    if (!lastAttempt) waitForAnswers(model, ctx, answers);
  }
}

function note(model: MeterModel, whats: string[]): void {
  for (const what of whats) model.note(what);
}

/** Stamps the other owners' open leases that hold credit, unless free credit and all of theirs fall short. */
function askLeasesBack(model: MeterModel, ctx: GrowthContext, amountMicros: bigint): ModelLease[] {
  const others = model.leases.filter((lease) => lease.status === 'open' && lease.owner !== ctx.process.owner && leaseMicros(lease) > 0n);
  const needMicros = amountMicros - liveAvailable(ctx.process);
  const leasedMicros = others.reduce((sum, lease) => sum + leaseMicros(lease), 0n);
  if (others.length === 0 || model.books.availableMicros(ctx.clock.nowMs) + leasedMicros < needMicros) return [];
  for (const lease of others) lease.asked = true;
  model.note('reserve asked other processes for their leases back');
  return others;
}

/**
 * One retry interval: every running owner of a stamped lease answers (an idle lease is closed,
 * a busy one gives back what its requests do not hold); when only dead owners' stamps are
 * left, nothing answers until the wait is over.
 */
function waitForAnswers(model: MeterModel, ctx: GrowthContext, answers: Set<string>): void {
  const stamped = model.leases.filter((lease) => lease.status === 'open' && lease.asked);
  const answering = ctx.others.filter((other) => stamped.some((lease) => lease.owner === other.owner));
  if (answering.length === 0) {
    ctx.clock.nowMs += RECLAIM_WAIT_MS;
    model.note("reserve waited out a dead process's lease");
    return;
  }
  for (const other of answering) {
    const slot = other.slot;
    if (!slot || slot.dead || slot.lease.status !== 'open' || !slot.lease.asked) throw new Error(`model: ${other.owner} holds a stamped lease it does not track`);
    slot.tight = true;
    if (slot.inFlight === 0) {
      model.closeSlot(other, slot);
      answers.add("reclaiming another process's idle lease");
      continue;
    }
    const keepMicros = leaseMicros(slot.lease) - slot.availableMicros;
    const { kept, released } = splitAllocations(slot.lease.allocations, keepMicros);
    for (const allocation of released) model.books.grant(allocation.grantId).reservedMicros -= allocation.micros;
    slot.availableMicros = 0n;
    slot.lease.allocations = kept;
    slot.lease.asked = false;
    slot.allocations = cloneAllocations(kept);
    answers.add("shrinking another process's busy lease");
  }
}

function liveAvailable(process: ModelProcess): bigint {
  const slot = process.slot;
  return slot && !slot.dead ? slot.availableMicros : 0n;
}

/** One attempt, in one transaction: false (402, nothing written) when less than the need can be leased. */
function acquire(model: MeterModel, ctx: GrowthContext, amountMicros: bigint, waitingMicros: bigint): boolean {
  const { process, clock } = ctx;
  const nowMs = clock.nowMs;
  const slot = process.slot && !process.slot.dead ? process.slot : null;
  const needMicros = amountMicros - (slot?.availableMicros ?? 0n);
  if (needMicros <= 0n) return true;
  const spareMicros = amountMicros * model.rules.growthFactor;
  const freeMicros = model.books.availableMicros(nowMs);
  const tight = freeMicros - (needMicros + waitingMicros) < SPARE_LEFT_FOR_OTHERS * spareMicros;
  const wantMicros = needMicros + waitingMicros + (tight ? 0n : spareMicros);
  const allocations: ModelAllocation[] = [];
  let takenMicros = 0n;
  for (const grant of model.books.liveGrants(nowMs)) {
    const take = minMicros(wantMicros - takenMicros, grant.remainingMicros - grant.reservedMicros);
    if (take <= 0n) continue;
    allocations.push({ grantId: grant.id, micros: take });
    takenMicros += take;
  }
  if (takenMicros < needMicros) return false;
  if (model.books.writeOffExpired(nowMs) > 0n) model.note('reserve wrote off expired credit');
  for (const allocation of allocations) model.books.grant(allocation.grantId).reservedMicros += allocation.micros;
  if (tight) model.note('tight lease leased');
  const expiresAtMs = nowMs + model.rules.leaseTtlMs;
  if (slot && slot.lease.status === 'open') {
    slot.lease.allocations = mergeAllocations(slot.lease.allocations, allocations);
    slot.lease.expiresAtMs = expiresAtMs;
    slot.allocations = cloneAllocations(slot.lease.allocations);
    slot.availableMicros += takenMicros;
    slot.expiresAtMs = expiresAtMs;
    slot.tight = tight;
    model.note('lease grown');
    return true;
  }
  if (slot) {
    slot.dead = true;
    model.note('lease replaced after it was closed under its process');
  }
  const lease: ModelLease = { owner: process.owner, status: 'open', allocations, expiresAtMs, asked: false };
  model.leases.push(lease);
  process.slot = { lease, availableMicros: takenMicros, allocations: cloneAllocations(allocations), inFlight: 0, lastUsedMs: nowMs, expiresAtMs, dead: false, tight };
  model.note('lease opened');
  return true;
}

/** The first `keepMicros` of a lease's allocations (what batches draw from first), and the rest. */
function splitAllocations(allocations: ModelAllocation[], keepMicros: bigint): { kept: ModelAllocation[]; released: ModelAllocation[] } {
  const kept: ModelAllocation[] = [];
  const released: ModelAllocation[] = [];
  let needed = keepMicros;
  for (const allocation of allocations) {
    const take = minMicros(allocation.micros, needed);
    if (take > 0n) kept.push({ grantId: allocation.grantId, micros: take });
    if (allocation.micros > take) released.push({ grantId: allocation.grantId, micros: allocation.micros - take });
    needed -= take;
  }
  return { kept, released };
}
