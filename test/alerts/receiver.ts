// A webhook receiver for the alert tests, on a free loopback port: one endpoint per path, each
// with the signing secret its account was given. It verifies each delivery's Standard Webhooks
// signature itself (written from the spec, not with inferport's signer), keeps every request,
// and can be told to fail the next ones with a 500, as a busy endpoint does.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface ReceivedWebhook {
  id: string;
  timestamp: number;
  signature: string;
  body: string;
  /** The signature matched the secret the receiver was given. */
  verified: boolean;
  /** What the receiver answered. */
  status: number;
}

export interface WebhookReceiver {
  /** The base URL; endpoints are paths below it. */
  url: string;
  received: ReceivedWebhook[];
  /** Each endpoint's signing secret (whsec_…, from GET /console/alerts), by URL path. */
  secrets: Map<string, string>;
  /** A new endpoint's URL. */
  endpoint(name: string): string;
  failNext(count: number): void;
  /** The deliveries it accepted (2xx) with a valid signature, by webhook-id. */
  accepted(): ReceivedWebhook[];
  stop(): void;
}

/** Standard Webhooks: HMAC-SHA256 keyed by the base64 after whsec_, over id.timestamp.body; any "v1,<sig>" of the header may match. */
export function verifySignature(secret: string, id: string, timestamp: string, body: string, header: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return header.split(' ').some((entry) => {
    const [version, value] = entry.split(',');
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export function startWebhookReceiver(): WebhookReceiver {
  let failures = 0;
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    secrets: new Map(),
    endpoint: (name) => `${receiver.url}/${name}`,
    failNext: (count) => void (failures = count),
    accepted: () => receiver.received.filter((entry) => entry.status >= 200 && entry.status < 300 && entry.verified),
    stop: () => server.stop(true),
  };
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: async (request) => {
      const body = await request.text();
      const id = request.headers.get('webhook-id') ?? '';
      const timestamp = request.headers.get('webhook-timestamp') ?? '';
      const signature = request.headers.get('webhook-signature') ?? '';
      const secret = receiver.secrets.get(new URL(request.url).pathname);
      const verified = secret !== undefined && verifySignature(secret, id, timestamp, body, signature);
      const status = !verified ? 401 : failures > 0 ? 500 : 204;
      if (status === 500) failures--;
      receiver.received.push({ id, timestamp: Number(timestamp), signature, body, verified, status });
      return new Response(null, { status });
    },
  });
  receiver.url = `http://127.0.0.1:${server.port}/hooks`;
  return receiver;
}
