// Graceful shutdown of the HTTP side (SIGTERM): stop accepting, let the requests in flight finish
// for a bounded time, then cut what is left. Every request settles its own reservation however
// it ends (src/gateway/settle.ts): a stream cut here sees its client go and is charged for what
// it had sent, so after this returns the meter only has to write what is queued.
import type { Server } from 'bun';

export interface DrainResult {
  /** Requests still in flight when the grace ran out, cut by closing their connections. */
  cut: number;
}

/** How long cut requests may take to run their settle paths (they only queue a settlement). */
const CUT_SETTLE_MS_MAX = 5_000;
const POLL_MS = 10;

/**
 * Stops listening and waits up to `graceMs` for every connection to close (each one as its
 * response completes), or until `cutNow` aborts; then closes those still open. Resolves once
 * no request is in flight.
 */
export async function drainServer(server: Server<unknown>, graceMs: number, cutNow?: AbortSignal): Promise<DrainResult> {
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
  // A cut request learns it through its client's abort or its body's cancel, and its handler
  // settles on the next turns of the event loop: wait for Bun to count it finished.
  const deadline = Date.now() + CUT_SETTLE_MS_MAX;
  while (server.pendingRequests > 0 && Date.now() < deadline) await sleep(POLL_MS);
  return { cut };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
