// [metrics]: who may scrape GET /metrics. By default the admin token's bearer; `token_env` names
// an environment variable holding a token of its own (so a Prometheus server need not hold the
// admin token); `public = true` opens it to anyone who can reach the port.
import { boolean, optionalString } from './fields';
import { ConfigError, type Config, type Env, type Raw } from './types';

export function parseMetrics(section: Raw, env: Env): Config['metrics'] {
  const isPublic = boolean(section.public, 'metrics.public', false);
  const tokenEnv = optionalString(section.token_env, 'metrics.token_env');
  const token = tokenEnv ? (env[tokenEnv] ?? null) : null;
  if (tokenEnv && !token) throw new ConfigError(`metrics.token_env names ${tokenEnv}, which is not set`);
  return { public: isPublic, tokenEnv, token };
}
