// The first stages of a generation request once it is parsed: the flight that carries it, and
// the credit it may cost, reserved before anything is forwarded (plan requests: plan-quota.ts).
import type { PriceConfig, UpstreamConfig } from '../config';
import type { AppContext } from '../context';
import { SANE_REQUEST_ID } from '../http/request-id';
import type { AuthenticatedKey } from '../keys/auth';
import type { ResolvedPlan } from '../quotas/plans';
import { newId } from '../shared/ids';
import type { Flight } from './flight';
import { reservationMicros, type GenerationRequest } from './request';

/** A new flight; its request id is the client's x-request-id when that one is sane, else its own id. */
export function openFlight(
  context: AppContext,
  key: AuthenticatedKey,
  request: GenerationRequest,
  price: PriceConfig,
  plan: ResolvedPlan | null,
  deployment: UpstreamConfig | null,
  clientRequestId: string | null,
  startedAt: number,
): Flight {
  const id = newId('req');
  return {
    id,
    requestId: clientRequestId && SANE_REQUEST_ID.test(clientRequestId) ? clientRequestId : id,
    key,
    request,
    price,
    holdId: null,
    reservation: null,
    deployment,
    plan,
    quota: null,
    startedAt,
    startedAtMs: context.now(),
    upstream: null,
    settled: false,
  };
}

/**
 * Reserves the most the request can cost, for credit-billed keys (not for a deployment's requests). It throws before anything is
 * held (402 when the wallet cannot cover it), so a throw here leaves nothing to release.
 */
export async function reserveCredit(context: AppContext, flight: Flight): Promise<void> {
  // A deployment's requests are paid by its hours.
  if (flight.key.billing !== 'credits' || flight.deployment !== null) return;
  flight.reservation = await context.meter.reserve(flight.key.accountId, reservationMicros(flight.request, flight.price), newId('hold'));
  flight.holdId = flight.reservation.holdId;
}
