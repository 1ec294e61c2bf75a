// The one Stripe SDK client of the process, built from the config, or null when no
// STRIPE_SECRET_KEY is set (the routes that need Stripe then answer 503 stripe_not_configured).
import Stripe from 'stripe';
import type { Config } from '../config';
import { ApiError } from '../errors';
import { log } from '../logs/logger';

export function createStripeClient(settings: Config['stripe']): Stripe | null {
  if (!settings.secretKey) return null;
  return new Stripe(settings.secretKey, {
    ...endpointOf(settings.apiBase),
    // fetch, which Bun has natively; the SDK's Node http client is not needed.
    httpClient: Stripe.createFetchHttpClient(),
    // The SDK retries with the same idempotency key, so a retried create creates once.
    maxNetworkRetries: 2,
    // A checkout waits on this call: a Stripe that does not answer must not hold it for 80 s.
    timeout: 20_000,
    telemetry: false,
  });
}

/** `[stripe] api_base` as the SDK takes it: protocol, host and port apart. */
function endpointOf(apiBase: string | null): { protocol?: 'http' | 'https'; host?: string; port?: number } {
  if (apiBase === null) return {};
  const url = new URL(apiBase);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { protocol, host: url.hostname, port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443 };
}

export function stripeNotConfigured(missing: string): ApiError {
  return new ApiError(503, 'stripe_not_configured', `Payments through Stripe are not configured on this server: set ${missing}.`);
}

/** Runs one Stripe API call; a failure of Stripe's (or of the way to it) is a 502 stripe_error. */
export async function callStripe<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.error(`[inferport] Stripe call failed (${what})`, message);
    throw new ApiError(502, 'stripe_error', `Stripe could not ${what}: ${message}`);
  }
}
