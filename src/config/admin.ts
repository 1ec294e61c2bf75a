// The admin credentials: INFERPORT_ADMIN_TOKEN (named "admin") and the named tokens of
// `[admin] tokens`, each naming the environment variable that holds it. A token whose variable
// is unset is simply absent: unsetting one variable revokes one person's access.
import { isTable, optionalString } from './fields';
import { ConfigError, type AdminToken, type Env } from './types';

export const ADMIN_KEYS = ['tokens'];
export const LEGACY_ADMIN_NAME = 'admin';
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** `tokens = { alice = "ENV_A" }` or `tokens = [{ name = "alice", env = "ENV_A" }]`. */
export function parseAdminTokens(value: unknown, legacyToken: string | null, env: Env): AdminToken[] {
  const named = namedEnvironmentVariables(value);
  const tokens: AdminToken[] = legacyToken ? [{ name: LEGACY_ADMIN_NAME, token: legacyToken }] : [];
  for (const { name, envName, at } of named) {
    if (!NAME.test(name)) throw new ConfigError(`${at}: the name "${name}" must be 1 to 64 letters, digits, "_", "." or "-"`);
    if (name === LEGACY_ADMIN_NAME) throw new ConfigError(`${at}: the name "${LEGACY_ADMIN_NAME}" is INFERPORT_ADMIN_TOKEN's; choose another`);
    if (tokens.some((token) => token.name === name) || named.filter((other) => other.name === name).length > 1) {
      throw new ConfigError(`${at}: the name "${name}" is used twice`);
    }
    const token = optionalString(env[envName], envName);
    if (token === null) continue;
    // Two people sharing a token could not be told apart in the audit log.
    if (tokens.some((other) => other.token === token)) throw new ConfigError(`${at}: ${envName} holds the same token as another admin credential`);
    tokens.push({ name, token });
  }
  return tokens;
}

function namedEnvironmentVariables(value: unknown): { name: string; envName: string; at: string }[] {
  if (value === undefined) return [];
  const envNameOf = (envName: unknown, at: string): string => {
    if (typeof envName !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(envName)) throw new ConfigError(`${at} must name an environment variable`);
    return envName;
  };
  if (isTable(value)) {
    return Object.entries(value).map(([name, envName]) => ({ name, envName: envNameOf(envName, `admin.tokens.${name}`), at: `admin.tokens.${name}` }));
  }
  if (!Array.isArray(value)) throw new ConfigError('admin.tokens must be a table (name = "ENV_VAR") or an array of { name, env }');
  return value.map((entry, index) => {
    const at = `admin.tokens[${index}]`;
    if (!isTable(entry) || typeof entry.name !== 'string' || Object.keys(entry).some((key) => key !== 'name' && key !== 'env')) {
      throw new ConfigError(`${at} must be { name = "…", env = "ENV_VAR" }`);
    }
    return { name: entry.name, envName: envNameOf(entry.env, `${at}.env`), at };
  });
}
