// One OpenAI generation request, end to end (its key already authenticated by the routes' plugin,
// src/http/api-key-auth.ts): parse, reserve credit (or admit it by its plan's quotas), forward
// (with one failover before any byte), then respond with JSON or a stream, charged for the real
// usage or released. The stages live in their own files; the order and the last resort live here.
import type { PriceConfig } from '../config';
import { bodyTextOf } from '../http/body';
import type { AuthenticatedKey } from '../keys/auth';
import { ApiError } from '../errors';
import type { ResolvedPlan } from '../quotas/plans';
import { checkKeyMayUse, checkModel } from './access';
import { deploymentUpstream } from './deployment-route';
import { Exchange } from './exchange';
import type { GatewayDeps } from './flight';
import { forwardReserved } from './forward-reserved';
import { priceFor } from './pricing';
import { parseGenerationRequest, type Endpoint, type GenerationRequest } from './request';
import { admitPlanRequest, boundByPlan, planHeaders, planOfKey } from './plan-quota';
import { openFlight, reserveCredit } from './reserve';
import { respondJson, respondRejected } from './respond-json';
import { respondStream } from './respond-stream';
import { releaseUnsettled } from './settle';

/** `body` is what the app's parse hook read (size-limited JSON; see http/body.ts). */
export async function handleGeneration(deps: GatewayDeps, endpoint: Endpoint, request: Request, body: unknown, key: AuthenticatedKey): Promise<Response> {
  const { context } = deps;
  const startedAt = performance.now();
  // A model the account has a deployment of is served (and paid) by it, whatever the key's billing.
  const deployment = deploymentUpstream(context, key, body);
  const plan = deployment ? null : planOfKey(context, key);
  const { parsed, price } = parseRequest(deps, key, plan, deployment !== null, endpoint, request, body);
  const flight = openFlight(context, key, parsed, price, plan, deployment, request.headers.get('x-request-id'), startedAt);
  context.observer.noteFlight(request, flight);
  const exchange = new Exchange(request);
  await (plan ? admitPlanRequest(context, flight) : reserveCredit(context, flight));

  // From here on a reservation (or a quota ticket) exists: whatever throws at any stage, the
  // request ends in one settlement or release (settle.ts), never with its credit or slot held.
  exchange.startDeadline(context.config.server.streamMaxSeconds);
  try {
    const answer = await forwardReserved(deps, flight, exchange);
    if (!answer.response.ok) return await respondRejected(deps, flight, exchange, answer);
    if (!parsed.stream) return await respondJson(deps, flight, exchange, answer);
    return respondStream(deps, flight, exchange, answer);
  } catch (error) {
    exchange.end();
    await releaseUnsettled(deps, flight, error);
    // A plan request's errors carry its limits too (a 502 from the upstream, a 499).
    if (error instanceof ApiError) error.headers = { ...planHeaders(flight), ...error.headers };
    throw error;
  }
}

/** The request as billing needs it, once the key may make it, and its model's price (looked up here, once per request). */
function parseRequest(
  deps: GatewayDeps,
  key: AuthenticatedKey,
  plan: ResolvedPlan | null,
  deployed: boolean,
  endpoint: Endpoint,
  request: Request,
  body: unknown,
): { parsed: GenerationRequest; price: PriceConfig } {
  // The text the parse hook read is what the upstream gets: its length bounds the prompt, no
  // serialising of the parsed body needed (a chunked body declares no length).
  const text = bodyTextOf(request);
  const bodyBytes = Number(request.headers.get('content-length') ?? 0) || Buffer.byteLength(text ?? JSON.stringify(body ?? null));
  // Priced before it is validated (the reservation needs the model's output limit): a model that
  // is not a string gets the default price here and its 400 from parseGenerationRequest.
  const model = (body as { model?: unknown } | undefined)?.model;
  const price = priceFor(deps.context.config, typeof model === 'string' ? model : '');
  const unbounded = parseGenerationRequest(endpoint, body, bodyBytes, price, text);
  const parsed = plan ? boundByPlan(plan, unbounded, price) : unbounded;
  if (deployed) checkKeyMayUse(key, parsed.model);
  else checkModel(deps.upstreams, key, parsed.model);
  return { parsed, price };
}
