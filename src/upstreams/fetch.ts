// The one way the gateway reaches an upstream: fetch, or, for the built-in echo upstream
// (url "echo:"), its answer computed in this process. Either way a Response the relay reads alike.
import type { UpstreamConfig } from '../config';
import { ECHO_URL } from '../config/sections';
import { answerEcho } from './echo';

export function fetchUpstream(upstream: UpstreamConfig, path: string, init: RequestInit): Promise<Response> {
  if (upstream.url === ECHO_URL) return Promise.resolve(answerEcho(path, typeof init.body === 'string' ? init.body : ''));
  return fetch(`${upstream.url}${path}`, init);
}
