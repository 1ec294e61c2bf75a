// One fuzz case: send the request over a real socket, read the answer to its end, and check the
// answer and what the request changed. Throws one error naming every broken invariant and the
// request that broke them.
import type { FuzzFixture } from './fixture';
import { describeRequest, type FuzzRequest } from './request-arbitrary';
import Stripe from 'stripe';
import type { SignatureMode } from './request-headers';
import { checkAnswer, type Answer } from './response-checks';
import type { FuzzRoute } from './route-catalog';
import { diffHeld, diffStore, readHeld, readStore } from './state-checks';

/** A liveness guard, not a speed check: a request that never answers is a hang to report. */
const ANSWER_TIMEOUT_MS = 30_000;

/** Runs one case; returns the answer's status when every invariant held. */
export async function runCase(fixture: FuzzFixture, route: FuzzRoute, request: FuzzRequest): Promise<number> {
  const { db, meter } = fixture.testApp.context;
  // Key-authenticated routes other than GETs may spend the customer's credit.
  const spends = route.auth === 'apiKey' && route.method !== 'GET';
  const storeBefore = await readStore(db, !spends);
  const heldBefore = spends ? await readHeld(db, fixture.customerId) : null;
  fixture.fake.reset();

  const signature = request.signature ? await signatureHeader(request, fixture.targets.webhookSecret) : null;
  const answer = await send(fixture.baseUrl, request, signature);
  // Gives the process's lease back, so that whatever is still reserved is a leak.
  if (spends) await meter.close();
  // A stored webhook is processed after its answer; it is done before the store is read again.
  await fixture.testApp.context.stripeEvents.whenIdle();

  const problems = checkAnswer(answer);
  const refused = answer.status >= 400 && answer.status < 500;
  if (request.method === 'GET' || refused) problems.push(...diffStore(storeBefore, await readStore(db, !spends)));
  if (heldBefore) problems.push(...diffHeld(heldBefore, await readHeld(db, fixture.customerId), refused));
  if (problems.length > 0) throw new Error(`${problems.join('\n')}\nrequest: ${describeRequest(request)}`);
  return answer.status;
}

async function send(baseUrl: string, request: FuzzRequest, signature: string | null): Promise<Answer> {
  const headers = new Headers();
  for (const [name, value] of request.headers) headers.append(name, value);
  if (signature !== null) headers.set('stripe-signature', signature);
  let body: RequestInit['body'];
  if (request.body.kind === 'bytes') body = request.body.bytes;
  if (request.body.kind === 'text') body = request.body.chunked ? chunkedStream(request.body.text) : request.body.text;
  try {
    const response = await fetch(`${baseUrl}${request.target}`, { method: request.method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) });
    const text = await response.text();
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', text };
  } catch (error) {
    throw new Error(`no answer (the server hung, crashed or broke the connection): ${error}\nrequest: ${describeRequest(request)}`);
  }
}

/** The body in two pieces with no Content-Length: the chunked path of the body reader. */
function chunkedStream(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  const middle = Math.floor(bytes.length / 2);
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes.slice(0, middle));
      controller.enqueue(bytes.slice(middle));
      controller.close();
    },
  });
}

/** The Stripe-Signature header the case's mode asks for, over the exact body text it sends. */
async function signatureHeader(request: FuzzRequest, secret: string): Promise<string | null> {
  const mode = request.signature as SignatureMode;
  if (mode.kind === 'none') return null;
  if (mode.kind === 'raw') return mode.header;
  const body = request.body;
  const payload = body.kind === 'text' ? body.text : body.kind === 'bytes' ? new TextDecoder().decode(body.bytes) : '';
  const nowSeconds = Math.floor(Date.now() / 1000);
  return Stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: mode.kind === 'wrong-secret' ? `${secret}x` : secret,
    timestamp: mode.kind === 'stale' ? nowSeconds - 3600 : nowSeconds,
  });
}
