// A gate in front of the fake upstream: while it is shut, requests wait at it; once opened they
// pass through to the fake unchanged. It lets a test keep every forwarded request (and so every
// reservation) open until all the other requests have been answered, without guessing a delay.
import type { FakeUpstream } from '../support/fake-upstream';

export interface GatedUpstream {
  url: string;
  /** Shuts the gate and zeroes the count of arrivals. */
  shut: () => void;
  /** Requests that reached the gate since it was last shut. */
  arrived: () => number;
  open: () => void;
  stop: () => Promise<void>;
}

export function startGatedUpstream(fake: FakeUpstream): GatedUpstream {
  let arrived = 0;
  let gate: Promise<void> = Promise.resolve();
  let release: () => void = () => {};
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const body = await request.text();
      arrived += 1;
      await gate;
      const headers: Record<string, string> = { 'content-type': request.headers.get('content-type') ?? 'application/json' };
      const requestId = request.headers.get('x-request-id');
      if (requestId) headers['x-request-id'] = requestId;
      return fetch(`${fake.url}${new URL(request.url).pathname}`, { method: request.method, headers, body });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    shut: () => {
      arrived = 0;
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
    },
    arrived: () => arrived,
    open: () => release(),
    stop: async () => {
      release();
      await server.stop(true);
    },
  };
}
