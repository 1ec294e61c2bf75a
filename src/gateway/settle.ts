// Ends a request's reservation: charged for what was generated, or released. Each request ends
// here exactly once: `flight.settled` is set the moment the meter takes the reservation over
// (its in-memory part is synchronous), and the handler's last resort, releaseUnsettled, runs on
// every exception, so no exit leaves credit locked and none settles twice. A plan request's
// quota ticket is finished at that same moment (its real usage, or 0 when released), so it
// too is finished once on every exit, and its concurrency slot never stays taken.
import { ApiError } from '../errors';
import { assert } from '../shared/assert';
import { formatMicros } from '../shared/money';
import * as teams from '../teams/service';
import type { Flight, GatewayDeps } from './flight';
import { finishPlanRequest } from './plan-quota';
import { costOfUsage, type TokenUsage } from './pricing';
import { usageRecord } from './usage';
import { log } from '../logs/logger';

/**
 * Charges for what was generated; returns the cost string for the response, or null for plan
 * keys. `usage` is already validated (usage.ts readUsage, or inferport's own count): the assert
 * only guards that rule, and a throw here is released by the caller's last resort.
 */
export async function settleSuccess(
  deps: GatewayDeps,
  flight: Flight,
  usage: TokenUsage,
  estimated: boolean,
  statusCode: number,
  outcome: string,
  ttftMs: number | null,
): Promise<string | null> {
  const { context } = deps;
  assert(isTokenUsage(usage), 'usage is validated before it is priced');
  const record = usageRecord(flight, statusCode, outcome, usage, estimated, costOfUsage(flight.price, usage), ttftMs);
  takeOver(flight);
  finishPlanRequest(context, flight, usage.promptTokens + usage.completionTokens);
  if (flight.reservation === null) {
    await context.meter.record({ ...record, costMicros: 0n });
    context.metrics.recordUsage(flight.request.model, usage.promptTokens, usage.completionTokens, 0n);
    return null;
  }
  // A capped request is charged at most what it reserved (and so held under its caps): the meter
  // could otherwise draw an upstream's overrun past max_tokens from the lease, past the cap.
  const costMicros = flight.spendHeld && record.costMicros > flight.reservation.amountMicros ? flight.reservation.amountMicros : record.costMicros;
  const chargedMicros = await context.meter.settle(flight.reservation, costMicros, record, `${record.endpoint} ${record.model}`);
  context.metrics.recordUsage(flight.request.model, usage.promptTokens, usage.completionTokens, chargedMicros);
  await dropSpendHold(deps, flight);
  return formatMicros(chargedMicros);
}

export async function settleFailure(deps: GatewayDeps, flight: Flight, statusCode: number, outcome: string): Promise<void> {
  const record = usageRecord(flight, statusCode, outcome, { promptTokens: 0, completionTokens: 0 }, false, 0n, null);
  takeOver(flight);
  finishPlanRequest(deps.context, flight, 0);
  if (flight.reservation === null) await deps.context.meter.record(record);
  else {
    await deps.context.meter.release(flight.reservation, record, `${record.endpoint} ${record.model}`);
    await dropSpendHold(deps, flight);
  }
}

/**
 * After the charge (or release) committed: the request's spend is now in the rollup. When the
 * meter's settle threw, the hold is kept (to expire): whether the charge committed is not known.
 */
async function dropSpendHold(deps: GatewayDeps, flight: Flight): Promise<void> {
  if (flight.spendHeld) await teams.dropSpendHold(deps.context.db, flight.id);
}

/**
 * The last resort of every exit: a request still open when something threw is released, so
 * its credit is never left locked (a reservation that is never settled keeps its lease renewed
 * for ever). It never throws; `error` is the caller's to log or pass on.
 */
export async function releaseUnsettled(deps: GatewayDeps, flight: Flight, error: unknown): Promise<void> {
  if (flight.settled) return;
  const status = error instanceof ApiError ? error.status : 500;
  const outcome = error instanceof ApiError ? error.code : 'internal_error';
  try {
    await settleFailure(deps, flight, status, outcome);
  } catch (releaseError) {
    log.error(`[inferport] request ${flight.id}: releasing its reservation failed`, releaseError);
  }
}

function takeOver(flight: Flight): void {
  assert(!flight.settled, 'a request settles or releases its reservation once');
  flight.settled = true;
}

function isTokenUsage(usage: TokenUsage): boolean {
  return isTokenCount(usage.promptTokens) && isTokenCount(usage.completionTokens);
}

function isTokenCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}
