// One POST of a webhook delivery, by node:http(s) rather than fetch: its `lookup` hook lets the
// address a name resolves to be checked and then used for the connection (target.ts), which
// fetch cannot do. Redirects are not followed (a 3xx is a failed attempt): a redirect could
// point anywhere. Bounded by a timeout over the whole exchange; the answer's body is not read.
import http from 'node:http';
import https from 'node:https';
import { guardedLookup, isRefusedAddress, literalAddress, RefusedTargetError } from './target';

export interface PostOptions {
  timeoutMs: number;
  /** [alerts] allow_private_targets: skip the address checks. */
  allowPrivateTargets: boolean;
}

/** Posts `body` as JSON; answers the HTTP status. Throws on a refused target, a network error or the timeout. */
export function postWebhook(urlText: string, headers: Record<string, string>, body: string, options: PostOptions): Promise<number> {
  const url = new URL(urlText);
  if (!options.allowPrivateTargets) {
    const literal = literalAddress(url);
    if (literal !== null && isRefusedAddress(literal)) return Promise.reject(new RefusedTargetError(`${url.hostname} is a private, loopback or link-local address`));
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<number>((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'inferport-webhooks' },
        ...(options.allowPrivateTargets ? {} : { lookup: guardedLookup }),
      },
      (response) => {
        clearTimeout(timer);
        resolve(response.statusCode ?? 0);
        response.destroy();
      },
    );
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(body);
  });
}
