// Upstreams are data: an inference server is a record (url, models, key, weight) and the proxy
// has one code path for all of them. This module only chooses which records to try, in order,
// among those the health view (health.ts) has in the rotation.
import type { UpstreamConfig } from '../config';

export class UpstreamPool {
  private readonly byModel = new Map<string, UpstreamConfig[]>();

  constructor(readonly upstreams: readonly UpstreamConfig[]) {
    for (const upstream of upstreams) {
      for (const model of upstream.models) {
        const list = this.byModel.get(model) ?? [];
        list.push(upstream);
        this.byModel.set(model, list);
      }
    }
  }

  models(): string[] {
    return [...this.byModel.keys()];
  }

  serves(model: string): boolean {
    return this.byModel.has(model);
  }

  /** Every upstream configured for the model, up or not. */
  upstreamsOf(model: string): readonly UpstreamConfig[] {
    return this.byModel.get(model) ?? [];
  }

  /**
   * The upstreams to try for a request, at most two: one picked by weight, then (for the single
   * retry allowed before any byte reached the client) another picked by weight from the rest.
   * Only those `isAvailable` accepts; none when every upstream of the model is out of the rotation.
   */
  candidates(model: string, isAvailable: (name: string) => boolean = () => true, random: () => number = Math.random): UpstreamConfig[] {
    const all = (this.byModel.get(model) ?? []).filter((upstream) => isAvailable(upstream.name));
    if (all.length <= 1) return all;
    const first = pickWeighted(all, random);
    const second = pickWeighted(all.filter((upstream) => upstream !== first), random);
    return [first, second];
  }
}

/** The pool of a config's upstreams, built once per config (a reload brings a new one). */
const pools = new WeakMap<readonly UpstreamConfig[], UpstreamPool>();

export function poolOf(upstreams: readonly UpstreamConfig[]): UpstreamPool {
  let pool = pools.get(upstreams);
  if (!pool) pools.set(upstreams, (pool = new UpstreamPool(upstreams)));
  return pool;
}

function pickWeighted(upstreams: UpstreamConfig[], random: () => number): UpstreamConfig {
  const total = upstreams.reduce((sum, upstream) => sum + upstream.weight, 0);
  let point = random() * total;
  for (const upstream of upstreams) {
    point -= upstream.weight;
    if (point < 0) return upstream;
  }
  return upstreams[upstreams.length - 1]!;
}
