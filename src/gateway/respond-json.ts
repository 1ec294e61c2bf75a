// The respond stages that answer in one body: an upstream's refusal, passed on with its own
// status, and a non-streamed answer, charged for its usage, which then carries the cost.
import type { Exchange } from './exchange';
import type { Flight, GatewayDeps } from './flight';
import type { UpstreamAnswer } from './forward-reserved';
import { UpstreamFailure } from './forward';
import { setMember } from './json-splice';
import { settleFailure, settleSuccess } from './settle';
import { readErrorText, upstreamErrorResponse } from './upstream-errors';
import { usageForClient, usageOfAnswer } from './usage';

/** The upstream answered with an error status: nothing was generated, so the reservation is released. */
export async function respondRejected(deps: GatewayDeps, flight: Flight, exchange: Exchange, answer: UpstreamAnswer): Promise<Response> {
  const { response } = answer;
  exchange.stopDeadline();
  const text = await readErrorText(response);
  await settleFailure(deps, flight, response.status, 'upstream_rejected');
  return upstreamErrorResponse(response.status, text, answer.headers);
}

/**
 * A non-streamed answer: charged for the usage it reports (or an estimate), with `usage.cost`
 * added. The answer is parsed once, to read it; the client gets the upstream's own text with only
 * the usage member rewritten, not a serialisation of the parsed value.
 */
export async function respondJson(deps: GatewayDeps, flight: Flight, exchange: Exchange, answer: UpstreamAnswer): Promise<Response> {
  const { request: parsed } = flight;
  let text: string;
  let json: Record<string, unknown>;
  try {
    text = await answer.response.text();
    json = parseJsonObject(text);
  } catch {
    await settleFailure(deps, flight, 502, exchange.abort.signal.aborted ? 'client_aborted' : 'upstream_broken');
    throw new UpstreamFailure(502, `The upstream "${answer.upstream.name}" sent an unreadable response.`, answer.upstream);
  } finally {
    exchange.stopDeadline();
  }
  const usage = usageOfAnswer(parsed, json, answer.upstream.name, flight.requestId);
  const cost = await settleSuccess(deps, flight, usage.usage, usage.estimated, 200, 'ok', null);
  const body = setMember(text, 'usage', JSON.stringify(usageForClient(parsed.endpoint, json.usage, usage, cost)));
  return new Response(body, { headers: { ...answer.headers, 'content-type': JSON_TYPE } });
}

/** What Response.json() says: the answer is JSON, whatever the upstream called it. */
const JSON_TYPE = 'application/json;charset=utf-8';

/** An upstream's 200 body as a JSON object; anything else is an unreadable response. */
function parseJsonObject(text: string): Record<string, unknown> {
  const json: unknown = JSON.parse(text);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('the upstream body is not a JSON object');
  return json as Record<string, unknown>;
}
