// Opens, reserves and ends a media request: the same meter and quota calls the gateway's
// generation requests make (src/gateway/reserve.ts, settle.ts), priced in images and seconds.
// Credit keys reserve the most the request can cost and are charged what the answer measured
// (never more than the reservation: that is the promise the reservation made); plan keys count
// one request against their plan's requests-per-minute and concurrency, and no tokens. Each
// flight ends here exactly once, on every path (`settled`), so no credit or slot stays held.
import { log } from '../logs/logger';
import type { AppContext } from '../context';
import { ApiError } from '../errors';
import { checkKeyMayUse, checkModel } from '../gateway/access';
import { deploymentUpstream } from '../gateway/deployment-route';
import { planOfKey } from '../gateway/plan-quota';
import { priceFor } from '../gateway/pricing';
import type { UpstreamPool } from '../upstreams/pool';
import { requestIdOf } from '../http/request-id';
import type { AuthenticatedKey } from '../keys/auth';
import { checkPlanModel } from '../quotas/plans';
import { assert } from '../shared/assert';
import { newId } from '../shared/ids';
import { formatMicros } from '../shared/money';
import type { MediaCharge, MediaEndpoint, MediaFlight } from './flight';
import { usageRecordOf } from './usage';

/** A flight for a request whose key may use the model (403/404 otherwise); nothing is held yet. */
export function openMediaFlight(context: AppContext, upstreams: UpstreamPool, key: AuthenticatedKey, endpoint: MediaEndpoint, model: string, request: Request): MediaFlight {
  const deployment = deploymentUpstream(context, key, { model });
  const plan = deployment ? null : planOfKey(context, key);
  if (plan) checkPlanModel(plan, model);
  if (deployment) checkKeyMayUse(key, model);
  else checkModel(upstreams, key, model);
  const id = newId('req');
  const clientRequestId = request.headers.get('x-request-id');
  return {
    id,
    requestId: requestIdOf(clientRequestId, id),
    key,
    endpoint,
    model,
    price: priceFor(context.config, model),
    deployment,
    plan,
    quota: null,
    reservation: null,
    startedAt: performance.now(),
    startedAtMs: context.now(),
    upstream: null,
    settled: false,
  };
}

/** Reserves `maxMicros` (credit keys) or admits the request by its plan; throws (402, 429) before anything is held. */
export async function reserveMedia(context: AppContext, flight: MediaFlight, maxMicros: bigint): Promise<void> {
  const { key } = flight;
  if (flight.plan) {
    flight.quota = await context.quotas.admit({ accountId: key.accountId, keyId: key.id, keyLimits: key.limits, plan: flight.plan, model: flight.model, reserveTokens: 0 });
    return;
  }
  if (key.billing !== 'credits' || flight.deployment !== null) return;
  flight.reservation = await context.meter.reserve(key.accountId, maxMicros, newId('hold'));
}

/** Charges what the answer measured; returns the cost for the answer, or null when the key pays no credit. */
export async function settleMedia(context: AppContext, flight: MediaFlight, charge: MediaCharge): Promise<string | null> {
  takeOver(context, flight);
  const { reservation } = flight;
  const chargedMicros = reservation === null ? 0n : min(charge.costMicros, reservation.amountMicros);
  const record = usageRecordOf(flight, 200, 'ok', chargedMicros, charge.estimated);
  if (reservation === null) {
    await context.meter.record(record);
    return null;
  }
  if (charge.costMicros > reservation.amountMicros) {
    log.warn(`[inferport] media request ${flight.requestId}: measured ${charge.units}, more than was reserved; charged the reservation`);
  }
  return formatMicros(await context.meter.settle(reservation, chargedMicros, record, `${flight.endpoint} ${flight.model}: ${charge.units}`));
}

/** Ends a request that produced nothing billable (an upstream error, the client gone): releases it. */
export async function releaseMedia(context: AppContext, flight: MediaFlight, status: number, outcome: string): Promise<void> {
  takeOver(context, flight);
  const record = usageRecordOf(flight, status, outcome, 0n, false);
  if (flight.reservation === null) await context.meter.record(record);
  else await context.meter.release(flight.reservation, record, `${flight.endpoint} ${flight.model}`);
}

/** The last resort of every exit: an open flight is released. Never throws. */
export async function releaseUnsettledMedia(context: AppContext, flight: MediaFlight, error: unknown): Promise<void> {
  if (flight.settled) return;
  const status = error instanceof ApiError ? error.status : 500;
  try {
    await releaseMedia(context, flight, status, error instanceof ApiError ? error.code : 'internal_error');
  } catch (releaseError) {
    log.error(`[inferport] media request ${flight.id}: releasing its reservation failed`, releaseError);
  }
}

/** The x-ratelimit-* headers of a plan request. */
export function mediaPlanHeaders(flight: MediaFlight): Record<string, string> {
  return flight.quota?.headers ?? {};
}

function takeOver(context: AppContext, flight: MediaFlight): void {
  assert(!flight.settled, 'a media request settles or releases once');
  flight.settled = true;
  // A media request uses no tokens: its plan counted it as one request, now over.
  if (flight.quota) context.quotas.finish(flight.quota, 0);
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
