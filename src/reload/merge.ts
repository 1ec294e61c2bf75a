// Which parts of the config a reload applies, and the config it leaves running: the live parts
// from the new file, every other part as it runs now.
import type { Config } from '../config';

/** Top-level settings read at each use (per request, per event), so a new value applies at once. */
const LIVE_KEYS = ['prices', 'plans', 'upstreams', 'instanceTypes'] as const satisfies readonly (keyof Config)[];

/** The running config with the new file's live parts; quotas.default_plan goes with the plans it names. */
export function mergeLive(current: Config, next: Config): Config {
  const merged: Config = { ...current, quotas: { ...current.quotas, defaultPlan: next.quotas.defaultPlan } };
  for (const key of LIVE_KEYS) (merged as unknown as Record<string, unknown>)[key] = next[key];
  // The breaker settings are read at each use; how often probes run is fixed when the process starts.
  merged.upstreamHealth = { ...next.upstreamHealth, probeIntervalSeconds: current.upstreamHealth.probeIntervalSeconds };
  return merged;
}

/** The names (config keys, in TOML spelling) of live settings that change, and of others that would need a restart. */
export function liveChanges(current: Config, next: Config): { changed: string[]; needRestart: string[] } {
  const merged = mergeLive(current, next);
  const changed: string[] = [];
  const needRestart: string[] = [];
  for (const key of Object.keys(next) as (keyof Config)[]) {
    const before = current[key] as unknown;
    for (const [path, value] of leavesOf(key, next[key] as unknown, before)) {
      const differs = !Bun.deepEquals(value.next, value.before, true);
      if (!differs) continue;
      const applied = Bun.deepEquals(readPath(merged, path), value.next, true);
      (applied ? changed : needRestart).push(tomlName(path));
    }
  }
  return { changed: [...new Set(changed)], needRestart: [...new Set(needRestart)] };
}

/** The comparison points: a live table as a whole, every other section key by key. */
function leavesOf(key: string, next: unknown, before: unknown): [string[], { next: unknown; before: unknown }][] {
  const isSection = typeof next === 'object' && next !== null && !Array.isArray(next) && !(LIVE_KEYS as readonly string[]).includes(key);
  if (!isSection) return [[[key], { next, before }]];
  const keys = new Set([...Object.keys(next as object), ...Object.keys((before ?? {}) as object)]);
  return [...keys].map((inner) => [[key, inner], { next: (next as Record<string, unknown>)[inner], before: (before as Record<string, unknown> | null)?.[inner] }]);
}

function readPath(config: Config, path: string[]): unknown {
  return path.reduce<unknown>((value, step) => (value as Record<string, unknown> | null)?.[step], config);
}

/** camelCase path to the config file's snake_case spelling ("server.port", "upstream_health.probe_interval_seconds"). */
function tomlName(path: string[]): string {
  return path.map((part) => part.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)).join('.');
}
