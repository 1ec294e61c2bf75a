// GET /metrics, the Prometheus scrape. Guarded by default: the admin token, or the token named
// by [metrics] token_env, as `Authorization: Bearer`; [metrics] public = true opens it. The
// gauges (reservations open, the webhook inbox's depth) are read at scrape time.
import { Elysia } from 'elysia';
import { timingSafeEqual } from 'node:crypto';
import type { AppContext } from '../context';
import { ApiError } from '../errors';
import { bearerToken } from '../http/bearer';
import { countPendingEvents } from '../payments/inbox';
import { EXPOSITION_CONTENT_TYPE } from './render';

export function metricsRoutes(context: AppContext) {
  const { config } = context;
  const accepted = [config.metrics.token, config.adminToken].filter((token): token is string => token !== null).map(digest);
  return new Elysia().get(
    '/metrics',
    async ({ headers }) => {
      if (!config.metrics.public) checkScraper(accepted, headers.authorization);
      const gauges = [
        { name: 'inferport_reservations_open', help: 'Credit reservations of requests in flight in this process.', value: context.meter.openReservations },
        { name: 'inferport_stripe_inbox_depth', help: 'Stripe webhook events stored and not yet processed.', value: await countPendingEvents(context.db) },
      ];
      return new Response(context.metrics.render(gauges), { headers: { 'content-type': EXPOSITION_CONTENT_TYPE } });
    },
    { detail: { summary: 'Prometheus metrics (text exposition format 0.0.4)', tags: ['health'], security: [{ adminBearer: [] }] } },
  );
}

function checkScraper(accepted: Buffer[], authorization: string | undefined): void {
  if (accepted.length === 0) {
    throw new ApiError(401, 'admin_disabled', 'GET /metrics needs a token: set INFERPORT_ADMIN_TOKEN or [metrics] token_env, or [metrics] public = true.');
  }
  const token = bearerToken(authorization);
  const given = token ? digest(token) : null;
  // Compare digests (equal lengths, no early exit) against every accepted token.
  if (!given || !accepted.some((expected) => timingSafeEqual(given, expected))) {
    throw new ApiError(401, 'invalid_admin_token', 'Missing or incorrect metrics token (the admin token, or [metrics] token_env\'s).');
  }
}

function digest(text: string): Buffer {
  return Buffer.from(new Bun.CryptoHasher('sha256').update(text).digest());
}
