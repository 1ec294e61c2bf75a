// Acceptance: a config file with a mistake stops `inferport serve` with a message naming the
// mistake, and inferport.example.toml is valid, complete and truthful about the defaults.
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig } from '../../src/config';
import { cleanEnv, REPO_ROOT } from '../support/server-process';

// These tests start OS processes; bun's 5 s default is too tight on a loaded machine.
setDefaultTimeout(20_000);

const EXAMPLE_PATH = join(REPO_ROOT, 'inferport.example.toml');
const scratch = mkdtempSync(join(tmpdir(), 'inferport-config-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Raw = Record<string, unknown>;

/** Runs the real CLI with a config file; `serve` must never get as far as listening here. */
async function runCli(command: string, toml: string | null, env: Record<string, string> = {}) {
  const path = join(scratch, `${crypto.randomUUID()}.toml`);
  if (toml !== null) await Bun.write(path, toml);
  const child = Bun.spawn(['bun', 'src/index.ts', command, '--config', path], {
    cwd: REPO_ROOT,
    env: cleanEnv({ INFERPORT_PORT: '0', INFERPORT_HOST: '127.0.0.1', INFERPORT_DATA_DIR: join(scratch, 'data'), ...env }),
    stdout: 'pipe',
    stderr: 'pipe',
  });
  // A process that got past its config would serve forever; the test must fail, not hang.
  const timer = setTimeout(() => child.kill(9), 4000);
  const [code, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
  clearTimeout(timer);
  return { code, stdout, stderr, path };
}

describe('inferport serve --config', () => {
  test.each([
    ['an unknown key in a section', '[server]\nprot = 8080\n', 'server.prot'],
    ['an unknown section', '[sever]\nport = 8080\n', '"sever"'],
    ['an unknown key in an upstream', '[[upstreams]]\nname = "a"\nurl = "http://x"\nmodels = ["m"]\nwieght = 2\n', 'upstreams[0].wieght'],
    ['an unknown key in a plan', '[plans.pro]\nrpm = 1\n', 'plans.pro.rpm'],
    ['a value out of range', '[server]\nmax_body_bytes = 10\n', 'server.max_body_bytes'],
  ])('%s exits non-zero and names the key', async (_label, toml, named) => {
    const result = await runCli('serve', toml);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('configuration error');
    expect(result.stderr).toContain(named);
    expect(result.stdout).not.toContain('listening');
  });

  test('a missing file and a file that is not TOML exit non-zero and name the file', async () => {
    const missing = await runCli('serve', null);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(missing.path);
    const broken = await runCli('serve', '[server\nport = 1\n');
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toContain(broken.path);
  });
});

describe('inferport.example.toml', () => {
  const example = async () => Bun.file(EXAMPLE_PATH).text();

  test('parses, and as shipped it changes nothing: every active value is a default', async () => {
    const raw = Bun.TOML.parse(await example()) as Raw;
    expect(parseConfig(raw, {})).toEqual(parseConfig({}, {}));
  });

  test('with every setting uncommented it still parses, and its defaults are the real defaults', async () => {
    const raw = Bun.TOML.parse(uncomment(await example())) as Raw;
    const config = parseConfig(raw, { ...apiKeyEnv(raw), SMTP_PASSWORD: 'dummy-secret', INFERPORT_METRICS_TOKEN: 'dummy-metrics-token' });
    const defaults = parseConfig({}, {});
    expect(config.server).toEqual(defaults.server);
    expect(config.prices.default).toEqual(defaults.prices.default);
    expect(config.wallet).toEqual(defaults.wallet);
    expect(config.ledger).toEqual(defaults.ledger);
    expect(config.cache).toEqual(defaults.cache);
    expect(config.redis).toEqual({ ...defaults.redis, url: config.redis.url });
    expect(config.quotas).toEqual({ ...defaults.quotas, defaultPlan: 'pro' });
    expect(config.abuse).toEqual(defaults.abuse);
    expect(config.instanceTypes).toEqual(defaults.instanceTypes);
    expect(config.upstreams.length).toBeGreaterThan(0);
    expect(Object.keys(config.plans).length).toBeGreaterThan(0);
    expect(Object.keys(config.prices.models).length).toBeGreaterThan(0);
    expect(config.database.url).toStartWith('postgres://');
    expect(config.redis.url).toStartWith('redis://');
    expect(config.smtp?.host).toBe('smtp.example.com');
    expect(config.logs).toEqual(defaults.logs);
    expect(config.metrics).toEqual({ ...defaults.metrics, tokenEnv: 'INFERPORT_METRICS_TOKEN', token: 'dummy-metrics-token' });
  });

  test('it shows every key the config accepts', async () => {
    const raw = Bun.TOML.parse(uncomment(await example())) as Raw;
    const table = (value: unknown) => value as Raw;
    const firstOf = (value: unknown) => Object.values(table(value))[0];
    expect(Object.keys(raw).sort()).toEqual(knownKeys({}).sort());
    for (const section of ['server', 'database', 'redis', 'quotas', 'wallet', 'ledger', 'cache', 'abuse', 'stripe', 'smtp', 'metrics', 'logs']) {
      expect({ section, keys: Object.keys(table(raw[section])).sort() }).toEqual({ section, keys: knownKeys({ [section]: {} }, [section]).sort() });
    }
    const nested: [string, unknown, Raw, string[]][] = [
      ['upstreams', (raw.upstreams as unknown[])[0], { upstreams: [{}] }, ['upstreams', '0']],
      ['prices.default', table(raw.prices).default, { prices: { default: {} } }, ['prices', 'default']],
      ['plans', firstOf(raw.plans), { plans: { p: {} } }, ['plans', 'p']],
      ['plans.model_limits', firstOf(table(firstOf(raw.plans)).model_limits), { plans: { p: { model_limits: { m: {} } } } }, ['plans', 'p', 'model_limits', 'm']],
      ['instance_types', firstOf(raw.instance_types), { instance_types: { t: {} } }, ['instance_types', 't']],
    ];
    for (const [where, value, probe, path] of nested) {
      expect({ where, keys: Object.keys(table(value)).sort() }).toEqual({ where, keys: knownKeys(probe, path).sort() });
    }
  });

  test('the real CLI accepts it: `inferport migrate --config inferport.example.toml`', async () => {
    const child = Bun.spawn(['bun', 'src/index.ts', 'migrate', '--config', EXAMPLE_PATH], {
      cwd: REPO_ROOT,
      env: cleanEnv({ INFERPORT_DATA_DIR: join(scratch, 'example-data') }),
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });
});

/** Turns "# key = value" and "# [table]" lines into settings; prose comments stay comments. */
function uncomment(text: string): string {
  return text.replace(/^# ((?:\[\[?[^\]\s]+\]\]?|[A-Za-z_][\w-]*\s*=\s*\S.*))$/gm, '$1');
}

/** Every upstream's api_key_env, set to a dummy secret: the config refuses a name that is unset. */
function apiKeyEnv(raw: Raw): Record<string, string> {
  const upstreams = (raw.upstreams ?? []) as Raw[];
  return Object.fromEntries(upstreams.filter((upstream) => upstream.api_key_env).map((upstream) => [upstream.api_key_env as string, 'dummy-secret']));
}

/**
 * The keys parseConfig accepts at `path` (a table of `probe`), read back from the error it throws
 * for an unknown key there, so that this test follows src/config.ts without a copy of its lists.
 */
function knownKeys(probe: Raw, path: string[] = []): string[] {
  let target: Raw = probe;
  for (const step of path) target = target[step] as Raw;
  target.zz_unknown = 1;
  try {
    parseConfig(probe, {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const match = /unknown config key ".*zz_unknown" \(known: ([^)]*)\)/.exec((error as Error).message);
    if (match) return match[1]!.split(', ');
    throw error;
  }
  throw new Error(`parseConfig accepted an unknown key at ${path.join('.')}`);
}
