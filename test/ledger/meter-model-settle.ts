// The model's settlement rules. A settle is priced the moment it is called: a charge within the
// reservation gives the rest back to the lease; a charge above it takes the excess from the
// lease, but never more than the lease has left (and nothing from a dead lease). Settlements
// then commit in batches (a process's first settlement of a burst goes alone, the rest gather
// behind it), drawing from the lease's grants in the lease's order. A batch that draws from a
// lease no longer open fails whole; its leases are given back and each request is charged on its
// own from the wallet's free credit, which may cover less than asked.
import { isGrantExpired, minMicros, type ModelAllocation } from './ledger-model';
import { cloneAllocations, type MeterModel, type ModelProcess, type ModelRequest, type ModelSlot } from './meter-model';

export interface ModelItem {
  request: ModelRequest | null;
  slot: ModelSlot | null;
  recordId: string;
  outcome: 'posted' | 'voided' | 'record';
  chargeMicros: bigint;
}

export function settleItem(model: MeterModel, request: ModelRequest, askedMicros: bigint): ModelItem {
  const slot = request.slot;
  slot.inFlight -= 1;
  let chargeMicros = askedMicros;
  if (askedMicros <= request.amountMicros) {
    slot.availableMicros += request.amountMicros - askedMicros;
  } else {
    const extraMicros = minMicros(askedMicros - request.amountMicros, slot.dead ? 0n : slot.availableMicros);
    slot.availableMicros -= extraMicros;
    chargeMicros = request.amountMicros + extraMicros;
    model.note(chargeMicros === askedMicros ? 'settle above the reservation, covered by the lease' : 'settle above the reservation, capped by the lease');
  }
  return { request, slot, recordId: request.recordId, outcome: 'posted', chargeMicros };
}

export function releaseItem(request: ModelRequest): ModelItem {
  request.slot.inFlight -= 1;
  request.slot.availableMicros += request.amountMicros;
  return { request, slot: request.slot, recordId: request.recordId, outcome: 'voided', chargeMicros: 0n };
}

export function recordItem(recordId: string): ModelItem {
  return { request: null, slot: null, recordId, outcome: 'record', chargeMicros: 0n };
}

/** Commits one process's burst of settlements; returns what each item was charged. */
export function flushItems(model: MeterModel, process: ModelProcess, items: ModelItem[], nowMs: number): Map<ModelItem, bigint> {
  const charged = new Map<ModelItem, bigint>();
  const batches = items.length <= 1 ? [items] : [items.slice(0, 1), items.slice(1)];
  if (items.length > 2) model.note('batch of several settlements');
  for (const [index, batch] of batches.entries()) {
    writeBatch(model, process, batch, nowMs, charged);
    giveTightLeasesBack(model, process, batch, batches.slice(index + 1).flat());
  }
  return charged;
}

/**
 * After a batch (the writer's `settled` hook): a tight lease whose last request just settled,
 * with nothing of it queued behind, goes back at once, before the next batch is written.
 */
function giveTightLeasesBack(model: MeterModel, process: ModelProcess, batch: ModelItem[], later: ModelItem[]): void {
  for (const slot of new Set(batch.flatMap((item) => (item.slot ? [item.slot] : [])))) {
    if (!slot.tight || slot.dead || slot.inFlight > 0 || later.some((item) => item.slot === slot)) continue;
    if (model.closeSlot(process, slot)) model.note('tight lease given back when idle');
  }
}

function writeBatch(model: MeterModel, process: ModelProcess, batch: ModelItem[], nowMs: number, charged: Map<ModelItem, bigint>): void {
  const fast = batch.filter((item) => !item.slot?.dead);
  const slow = batch.filter((item) => item.slot?.dead);
  const draws = new Map<ModelItem, ModelAllocation[]>();
  const drawnSlots = new Set<ModelSlot>();
  for (const item of fast) {
    if (!item.slot || item.outcome !== 'posted') continue;
    const drawn = drawAllocations(item.slot.allocations, item.chargeMicros);
    item.slot.allocations = drawn.rest;
    draws.set(item, drawn.draws);
    drawnSlots.add(item.slot);
  }
  // Every posted charge updates its lease row (a charge of 0 too), guarded on the lease being open.
  const fails = fast.some((item) => item.outcome === 'posted' && item.slot!.lease.status !== 'open');
  if (!fails) {
    for (const item of fast) {
      for (const draw of draws.get(item) ?? []) {
        const grant = model.books.grant(draw.grantId);
        grant.remainingMicros -= draw.micros;
        grant.reservedMicros -= draw.micros;
      }
      commit(model, item, item.chargeMicros, charged, draws.get(item) ?? []);
    }
    for (const slot of drawnSlots) {
      slot.expiresAtMs = nowMs + model.rules.leaseTtlMs;
      if (slot.lease.status !== 'open') continue;
      slot.lease.expiresAtMs = slot.expiresAtMs;
      slot.lease.allocations = cloneAllocations(slot.allocations);
    }
  } else {
    model.note('batch fell back to one by one');
    for (const item of fast) if (item.slot) item.slot.dead = true;
    slow.push(...fast);
  }
  if (slow.length > 0) settleOneByOne(model, process, slow, nowMs, charged);
}

/**
 * The fallback: give the leases back, then settle each request as a batch of one through the
 * same rows, its charge drawn from the wallet's free credit in spending order (no write-off, no
 * pending hold: the hold row is written resolved), which may cover less than asked.
 */
function settleOneByOne(model: MeterModel, process: ModelProcess, items: ModelItem[], nowMs: number, charged: Map<ModelItem, bigint>): void {
  const leases = [...new Set(items.flatMap((item) => (item.slot ? [item.slot.lease] : [])))];
  for (const item of items) if (item.slot && process.slot === item.slot) process.slot = null;
  for (const lease of leases) if (model.closeLease(lease, 'closed')) model.note('fallback gave a lease back');
  for (const item of items) {
    if (item.outcome === 'record') {
      commit(model, item, 0n, charged, []);
      continue;
    }
    let chargedMicros = 0n;
    const taken: ModelAllocation[] = [];
    if (item.outcome === 'posted') {
      for (const grant of model.books.liveGrants(nowMs)) {
        const take = minMicros(item.chargeMicros - chargedMicros, grant.remainingMicros - grant.reservedMicros);
        if (take <= 0n || isGrantExpired(grant, nowMs)) continue;
        grant.remainingMicros -= take;
        chargedMicros += take;
        taken.push({ grantId: grant.id, micros: take });
      }
      if (chargedMicros < item.chargeMicros) model.note('fallback charged less than asked');
    }
    commit(model, item, chargedMicros, charged, taken);
  }
}

function commit(model: MeterModel, item: ModelItem, chargedMicros: bigint, charged: Map<ModelItem, bigint>, draws: ModelAllocation[]): void {
  charged.set(item, chargedMicros);
  const status = item.outcome === 'record' ? null : item.outcome;
  model.usage.set(item.recordId, { costMicros: chargedMicros, status, reservedMicros: item.request?.amountMicros ?? 0n, draws });
  model.books.chargedMicros += chargedMicros;
  if (!item.request) return;
  item.request.state = 'settled';
  item.request.outcome = item.outcome === 'voided' ? 'voided' : 'posted';
  item.request.chargedMicros = chargedMicros;
}

function drawAllocations(allocations: ModelAllocation[], amountMicros: bigint): { draws: ModelAllocation[]; rest: ModelAllocation[] } {
  const draws: ModelAllocation[] = [];
  const rest: ModelAllocation[] = [];
  let needed = amountMicros;
  for (const allocation of allocations) {
    const take = minMicros(allocation.micros, needed);
    if (take > 0n) draws.push({ grantId: allocation.grantId, micros: take });
    if (allocation.micros > take) rest.push({ grantId: allocation.grantId, micros: allocation.micros - take });
    needed -= take;
  }
  return { draws, rest };
}
