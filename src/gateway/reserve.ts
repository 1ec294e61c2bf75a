// The first stages of a generation request once it is parsed: the flight that carries it, and
// the credit it may cost, reserved before anything is forwarded (plan requests: plan-quota.ts).
import type { PriceConfig, UpstreamConfig } from '../config';
import type { AppContext } from '../context';
import { requestIdOf } from '../http/request-id';
import type { AuthenticatedKey } from '../keys/auth';
import type { ResolvedPlan } from '../quotas/plans';
import { newId } from '../shared/ids';
import * as teams from '../teams/service';
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
    requestId: requestIdOf(clientRequestId, id),
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
    spendHeld: false,
  };
}

/**
 * Reserves the most the request can cost, for credit-billed keys (not for a deployment's requests). It throws before anything is
 * held (402 when the wallet cannot cover it), so a throw here leaves nothing to release.
 */
export async function reserveCredit(context: AppContext, flight: Flight): Promise<void> {
  // A deployment's requests are paid by its hours.
  if (flight.key.billing !== 'credits' || flight.deployment !== null) return;
  const amountMicros = reservationMicros(flight.request, flight.price);
  const spendHeld = flight.key.spendCapped && (await takeSpendHold(context, flight, amountMicros));
  try {
    flight.reservation = await context.meter.reserve(flight.key.accountId, amountMicros, newId('hold'));
  } catch (error) {
    if (spendHeld) await teams.dropSpendHold(context.db, flight.id);
    throw error;
  }
  flight.holdId = flight.reservation.holdId;
  flight.spendHeld = spendHeld;
}

// A spend hold outlives the longest request (streams end at server.stream_max_seconds) and its
// settlement: deleted earlier, a live request would stop counting under its caps.
const SPEND_HOLD_MARGIN_MS = 10 * 60_000;

/** Room under the key's and its member's spend caps, taken before the wallet's reservation (429 spend_cap_reached). */
function takeSpendHold(context: AppContext, flight: Flight, amountMicros: bigint): Promise<boolean> {
  const nowMs = context.now();
  const expiresAtMs = nowMs + context.config.server.streamMaxSeconds * 1000 + SPEND_HOLD_MARGIN_MS;
  const { id: keyId, accountId, memberId } = flight.key;
  return teams.takeSpendHold(context.db, { id: flight.id, accountId, keyId, memberId, amountMicros, expiresAtMs }, nowMs);
}
