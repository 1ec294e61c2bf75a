// What /readyz says of the upstreams: each configured one with its probe and breaker, and per
// configured model how many of its upstreams are up. Ready (as far as upstreams go) means every
// configured model has at least one upstream up; with no [[upstreams]] configured there is
// nothing to wait for. Upstream URLs are left out: /readyz needs no authentication.
import { t, type Static } from 'elysia';
import type { Config } from '../config';
import type { UpstreamHealth } from './health';
import { poolOf } from './pool';

export const upstreamReportSchema = t.Object({
  upstreams: t.Array(
    t.Object({
      name: t.String(),
      models: t.Array(t.String()),
      up: t.Boolean(),
      probe: t.Union([t.Literal('unknown'), t.Literal('up'), t.Literal('down')]),
      probe_error: t.Union([t.String(), t.Null()]),
      probed_at: t.Union([t.String({ format: 'date-time' }), t.Null()]),
      breaker: t.Union([t.Literal('closed'), t.Literal('open'), t.Literal('half_open')]),
      consecutive_failures: t.Integer(),
    }),
  ),
  models: t.Record(t.String(), t.Object({ upstreams: t.Integer(), up: t.Integer() }), { description: 'Per configured model: its upstreams, and how many are up' }),
});

export type UpstreamReport = Static<typeof upstreamReportSchema>;

export function upstreamReport(config: Config, health: UpstreamHealth): { report: UpstreamReport; everyModelServed: boolean } {
  const upstreams = config.upstreams.map((upstream) => {
    const status = health.statusOf(upstream.name);
    return {
      name: upstream.name,
      models: upstream.models,
      up: status.up,
      probe: status.probe,
      probe_error: status.probeError,
      probed_at: status.probedAtMs === null ? null : new Date(status.probedAtMs).toISOString(),
      breaker: status.breaker,
      consecutive_failures: status.consecutiveFailures,
    };
  });
  const upByName = new Map(upstreams.map((upstream) => [upstream.name, upstream.up]));
  const pool = poolOf(config.upstreams);
  const models: UpstreamReport['models'] = {};
  for (const model of pool.models()) {
    const serving = pool.upstreamsOf(model);
    models[model] = { upstreams: serving.length, up: serving.filter((upstream) => upByName.get(upstream.name)).length };
  }
  return { report: { upstreams, models }, everyModelServed: Object.values(models).every((model) => model.up > 0) };
}
