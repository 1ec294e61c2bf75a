// Graceful shutdown of the HTTP side (SIGTERM): stop accepting, let the requests in flight finish
// for a bounded time, then cut what is left. Every request settles its own reservation however
// it ends (src/gateway/settle.ts): a stream cut here sees its client go and is charged for what
// it had sent, so after this returns the meter only has to write what is queued.
import type { Server } from 'bun';

/**
 * The requests whose handler has not returned yet (app.ts counts them in onRequest and
 * onAfterResponse). Bun forgets a request the moment its connection is cut, while its handler may
 * still be on its way to releasing its reservation (an aborted upstream call throws on a later
 * turn); the drain waits for this count instead. A stream's handler returns at once; what it
 * relays later settles as its connection closes.
 */
export class RequestsInFlight {
  private count = 0;

  start(): void {
    this.count += 1;
  }

  end(): void {
    this.count -= 1;
  }

  get size(): number {
    return this.count;
  }
}

export interface DrainResult {
  /** Requests still in flight when the grace ran out, cut by closing their connections. */
  cut: number;
}

/** How long the handlers of cut requests may take to reach their settlement (they only queue it). */
const CUT_SETTLE_MS_MAX = 5_000;
const POLL_MS = 10;

/**
 * Stops listening and waits up to `graceMs` for every connection to close (each one as its
 * response completes), or until `cutNow` aborts; then closes those still open. Resolves once
 * no request is in flight.
 */
export async function drainServer(server: Server<unknown>, requests: RequestsInFlight, graceMs: number, cutNow?: AbortSignal): Promise<DrainResult> {
  const closed = server.stop(false).then(() => true);
  const impatient = new Promise<false>((resolve) => {
    const timer = setTimeout(() => resolve(false), graceMs);
    cutNow?.addEventListener('abort', () => (clearTimeout(timer), resolve(false)), { once: true });
    void closed.then(() => clearTimeout(timer));
  });
  const inTime = await Promise.race([closed, impatient]);
  if (inTime) return { cut: 0 };
  const cut = server.pendingRequests;
  await server.stop(true);
  // A cut stream settles as its body is cancelled, inside stop(true); a cut request still in its
  // handler learns it from its client's abort and settles on a later turn: wait for its handler.
  const deadline = Date.now() + CUT_SETTLE_MS_MAX;
  while (requests.size > 0 && Date.now() < deadline) await sleep(POLL_MS);
  return { cut };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
