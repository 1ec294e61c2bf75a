// The health probe: GET /v1/models of each configured upstream (every OpenAI-compatible server
// answers it: vLLM, llama.cpp, Ollama, TGI), all at once, each bounded by probe_timeout_seconds.
// A 2xx is up; anything else (refused, timed out, 4xx/5xx) is down, with why in /readyz.
import type { Config, UpstreamConfig } from '../config';
import { ECHO_URL } from '../config/sections';
import type { UpstreamHealth } from './health';

export async function probeUpstreams(config: Config, health: UpstreamHealth): Promise<void> {
  const timeoutMs = config.upstreamHealth.probeTimeoutSeconds * 1000;
  health.keepOnly(config.upstreams.map((upstream) => upstream.name));
  // The echo upstream lives in this process: it is up while the process is.
  const probed = config.upstreams.filter((upstream) => upstream.url !== ECHO_URL);
  await Promise.all(
    probed.map(async (upstream) => {
      const problem = await probeUpstream(upstream, timeoutMs);
      health.noteProbe(upstream.name, problem === null, problem);
    }),
  );
}

/** Null when the upstream answered 2xx; otherwise what went wrong (no secret in it: the URL is the operator's). */
export async function probeUpstream(upstream: UpstreamConfig, timeoutMs: number): Promise<string | null> {
  const headers: Record<string, string> = upstream.apiKey ? { authorization: `Bearer ${upstream.apiKey}` } : {};
  try {
    const response = await fetch(`${upstream.url}/v1/models`, { headers, signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel().catch(() => {});
    return response.ok ? null : `GET /v1/models answered ${response.status}`;
  } catch (error) {
    const name = (error as Error).name;
    return name === 'TimeoutError' ? `GET /v1/models did not answer within ${timeoutMs} ms` : `GET /v1/models failed: ${(error as Error).message}`;
  }
}
