// A load generator for the fault tests: several clients, each sending one request after another
// through the official SDK (streams and non-streams in turn), each with a request id of its own so
// its charge can be found afterwards. A request counts as completed only when the client saw its
// end: a JSON body with its cost, or a stream's usage chunk with its cost, which the gateway sends
// after the charge is durable (sse.ts). Anything else is an attempt the test accounts for apart.
import OpenAI from 'openai';

export interface Outcome {
  requestId: string;
  stream: boolean;
  /** The cost the client was told, in micro-credits; null when it saw no complete response. */
  costMicros: bigint | null;
  /** The HTTP status of an error answer (503 while the database is away), or null for none. */
  errorStatus: number | null;
  /** The OpenAI error code of that answer; null for a broken connection or a success. */
  errorCode: string | null;
  /** From sending to the end of the answer, as the client waited. */
  elapsedMs: number;
}

export interface LoadOptions {
  baseUrl: string;
  key: string;
  clients: number;
  /** Request ids start with this, so rounds of one test never share an id. */
  prefix: string;
  /** The clients stop starting requests once this resolves (a crash, the end of a fault). */
  until: Promise<unknown>;
  maxTokens?: number;
}

/** "0.000123" (credits, as `usage.cost` says) in micro-credits. */
export function microsOf(cost: string): bigint {
  const [whole, fraction = ''] = cost.split('.');
  return BigInt(whole!) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
}

/** Runs the clients until `until` resolves; every request they started is in the result. */
export async function runLoad(options: LoadOptions): Promise<Outcome[]> {
  let stopped = false;
  void options.until.then(() => (stopped = true));
  const client = new OpenAI({ baseURL: `${options.baseUrl}/v1`, apiKey: options.key, maxRetries: 0, timeout: 30_000 });
  const outcomes: Outcome[] = [];
  await Promise.all(
    Array.from({ length: options.clients }, async (_, clientIndex) => {
      for (let sequence = 0; !stopped; sequence++) {
        const requestId = `${options.prefix}-${clientIndex}-${sequence}`;
        const stream = (clientIndex + sequence) % 2 === 0;
        const startedAt = Date.now();
        const outcome = await sendOne(client, requestId, stream, options.maxTokens ?? 16);
        outcomes.push({ ...outcome, elapsedMs: Date.now() - startedAt });
      }
    }),
  );
  return outcomes;
}

async function sendOne(client: OpenAI, requestId: string, stream: boolean, maxTokens: number): Promise<Omit<Outcome, 'elapsedMs'>> {
  const body = { model: 'fake-model', messages: [{ role: 'user' as const, content: 'a b c' }], max_tokens: maxTokens };
  const headers = { 'x-request-id': requestId };
  try {
    if (!stream) {
      const completion = await client.chat.completions.create(body, { headers });
      return done(requestId, false, (completion.usage as unknown as { cost?: string } | undefined)?.cost);
    }
    const events = await client.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, { headers });
    let cost: string | undefined;
    for await (const chunk of events) if (chunk.usage) cost = (chunk.usage as unknown as { cost?: string }).cost;
    return done(requestId, true, cost);
  } catch (error) {
    const status = error instanceof OpenAI.APIError && typeof error.status === 'number' ? error.status : null;
    const code = error instanceof OpenAI.APIError && typeof error.code === 'string' ? error.code : null;
    return { requestId, stream, costMicros: null, errorStatus: status, errorCode: code };
  }
}

function done(requestId: string, stream: boolean, cost: string | undefined): Omit<Outcome, 'elapsedMs'> {
  return { requestId, stream, costMicros: cost === undefined ? null : microsOf(cost), errorStatus: null, errorCode: null };
}

/**
 * A 503 service_unavailable (or 507 storage_full) in OpenAI's error JSON: the answer to a request
 * while the database is away. A stream already under way gets it as its last event (no status).
 */
export function isDatabaseUnavailableAnswer(outcome: Outcome): boolean {
  if (outcome.errorStatus === 503 || outcome.errorStatus === 507) return outcome.errorCode !== null;
  return outcome.stream && outcome.errorStatus === null && (outcome.errorCode === 'service_unavailable' || outcome.errorCode === 'storage_full');
}
