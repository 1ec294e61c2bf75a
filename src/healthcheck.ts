// `inferport healthcheck`: asks the server this config describes for /healthz, so a container
// HEALTHCHECK needs neither curl nor a shell in the image. Exit 0 when it answers ok, 1 otherwise.
import type { Config } from './config';

const TIMEOUT_MS = 3_000;

/** Where a local client reaches a server listening on `host` (all interfaces: the loopback). */
export function healthzUrl(config: Config): string {
  const { host, port } = config.server;
  const local = host === '' || host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${local}:${port}/healthz`;
}

/** Null when the server answered {status: "ok"}; otherwise why not, for the message. */
export async function probeHealth(config: Config): Promise<string | null> {
  const url = healthzUrl(config);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = (await response.json().catch(() => null)) as { status?: unknown } | null;
    if (response.status === 200 && body?.status === 'ok') return null;
    return `${url} answered ${response.status}`;
  } catch (error) {
    return `${url}: ${(error as Error).message}`;
  }
}
