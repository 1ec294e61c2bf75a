// What the load generators saw of one inferport (postgres or sqlite) over the whole run (warm-ups
// and slow streams included), read back from their reports: the ledger check matches charges
// against it.
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

export function countClientResults(dir: string, target: string): ClientResults {
  const wrkReport = new RegExp(`-${target}(-r\\d+)?\\.txt$`);
  const slowReport = new RegExp(`^slow-${target}-r\\d+\\.json$`);
  let served2xx = 0;
  let non2xx = 0;
  let inFlightMax = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (wrkReport.test(name)) {
      const text = readFileSync(path, 'utf8');
      const wrk = parseWrk(text);
      served2xx += wrk.requests - wrk.non2xx;
      non2xx += wrk.non2xx;
      inFlightMax += Number(/(\d+) connections/.exec(text)?.[1] ?? 0) + wrk.errors.timeout + wrk.errors.read;
    } else if (/^ttfb-r\d+\.json$/.test(name)) {
      const result = JSON.parse(readFileSync(path, 'utf8'))[target] as { ok: number; failed: number; warmup_requests: number; warmup_ok: number } | undefined;
      if (!result) continue; // a target that took no part in this run
      served2xx += result.ok + result.warmup_ok;
      inFlightMax += result.failed + result.warmup_requests - result.warmup_ok;
    } else if (slowReport.test(name)) {
      const result = JSON.parse(readFileSync(path, 'utf8')) as { ok: number; failed: number };
      served2xx += result.ok;
      inFlightMax += result.failed;
    }
  }
  return { served2xx, non2xx, inFlightMax };
}
