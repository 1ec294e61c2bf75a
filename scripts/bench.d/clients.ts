// What the load generators saw of inferport over the whole run (warm-ups included), read back
// from their reports: the ledger check matches charges against it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWrk } from './wrk';

export interface ClientResults {
  /** Answers 2xx that reached a client: each must have been charged. */
  served2xx: number;
  non2xx: number;
  /** The most requests that can have been left in flight (sent, never answered to the client). */
  inFlightMax: number;
}

export function countClientResults(dir: string): ClientResults {
  let served2xx = 0;
  let non2xx = 0;
  let inFlightMax = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (/-inferport(-r\d+)?\.txt$/.test(name)) {
      const text = readFileSync(path, 'utf8');
      const wrk = parseWrk(text);
      served2xx += wrk.requests - wrk.non2xx;
      non2xx += wrk.non2xx;
      inFlightMax += Number(/(\d+) connections/.exec(text)?.[1] ?? 0) + wrk.errors.timeout + wrk.errors.read;
    } else if (/^ttfb-r\d+\.json$/.test(name)) {
      const result = JSON.parse(readFileSync(path, 'utf8')).inferport as { ok: number; failed: number; warmup_requests: number; warmup_ok: number };
      served2xx += result.ok + result.warmup_ok;
      inFlightMax += result.failed + result.warmup_requests - result.warmup_ok;
    }
  }
  return { served2xx, non2xx, inFlightMax };
}
