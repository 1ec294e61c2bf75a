// Reads what the benchmark needs from one wrk report (wrk --latency).
export interface WrkResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  non2xx: number;
  errors: { connect: number; read: number; write: number; timeout: number };
  latencyMs: { mean: number; p50: number; p75: number; p90: number; p99: number };
}

const UNIT_TO_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

export function parseWrk(text: string): WrkResult {
  const totals = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(text);
  const rate = /Requests\/sec:\s*([\d.]+)/.exec(text);
  if (!totals || !rate) throw new Error(`not a wrk report:\n${text}`);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  return {
    requests: Number(totals[1]),
    seconds: (Number(totals[2]) * UNIT_TO_MS[totals[3]!]!) / 1000,
    requestsPerSecond: Number(rate[1]),
    non2xx: Number(/Non-2xx or 3xx responses:\s*(\d+)/.exec(text)?.[1] ?? 0),
    errors: {
      connect: Number(errors?.[1] ?? 0),
      read: Number(errors?.[2] ?? 0),
      write: Number(errors?.[3] ?? 0),
      timeout: Number(errors?.[4] ?? 0),
    },
    latencyMs: {
      mean: duration(/Latency\s+([\d.]+)(us|ms|s|m)/.exec(text)),
      p50: duration(/\s50%\s+([\d.]+)(us|ms|s|m)/.exec(text)),
      p75: duration(/\s75%\s+([\d.]+)(us|ms|s|m)/.exec(text)),
      p90: duration(/\s90%\s+([\d.]+)(us|ms|s|m)/.exec(text)),
      p99: duration(/\s99%\s+([\d.]+)(us|ms|s|m)/.exec(text)),
    },
  };
}

function duration(match: RegExpExecArray | null): number {
  return match ? Number(match[1]) * UNIT_TO_MS[match[2]!]! : Number.NaN;
}
