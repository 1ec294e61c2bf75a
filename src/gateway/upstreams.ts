// Upstreams are data: an inference server is a record (url, models, key, weight) and the proxy
// has one code path for all of them. This module only chooses which records to try, in order.
import type { UpstreamConfig } from '../config';

export class UpstreamPool {
  private readonly byModel = new Map<string, UpstreamConfig[]>();

  constructor(upstreams: readonly UpstreamConfig[]) {
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

  /**
   * The upstreams to try for a request, at most two: one picked by weight, then (for the single
   * retry allowed before any byte reached the client) another picked by weight from the rest.
   */
  candidates(model: string, random: () => number = Math.random): UpstreamConfig[] {
    const all = this.byModel.get(model);
    if (!all) return [];
    if (all.length === 1) return [all[0]!];
    const first = pickWeighted(all, random);
    const second = pickWeighted(all.filter((upstream) => upstream !== first), random);
    return [first, second];
  }
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
