// reloadConfig (what SIGHUP runs) in-process: prices, plans, upstreams and instance types change
// for the next request; a file that does not parse or validate is refused whole and the running
// config kept; settings that need a restart keep their running value and are named.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { reloadConfig, type ReloadLog } from '../../src/reload/reload';
import { ADMIN_TOKEN } from '../support/env';
import { readJson } from '../support/app';
import { balanceOf, createCustomer, createGatewayFixture, type Customer, type GatewayFixture } from '../gateway/support';
import { configToml, type ConfigFile } from './support';

let fixture: GatewayFixture;
let customer: Customer;
let path: string;
let base: ConfigFile;
const lines: string[] = [];
const log: ReloadLog = { info: (line) => lines.push(line), error: (line) => lines.push(line) };

beforeAll(async () => {
  fixture = await createGatewayFixture({ prices: { default: { input_per_million: '1', output_per_million: '1' } } }, 1);
  customer = await createCustomer(fixture, 10_000_000n);
  const { testApp } = fixture;
  path = join(testApp.database.dataDir, 'inferport.toml');
  base = {
    server: { data_dir: testApp.database.dataDir, port: 0, host: '127.0.0.1' },
    inputPerMillion: '1',
    outputPerMillion: '1',
    upstreams: [{ name: 'fake-0', url: fixture.fake.url, models: ['fake-model', 'other-model'] }],
  };
});
afterAll(() => fixture.close());

/** The environment the test app was started with: the same admin token and database. */
const env = () => ({ INFERPORT_ADMIN_TOKEN: ADMIN_TOKEN, ...(fixture.testApp.database.url ? { DATABASE_URL: fixture.testApp.database.url } : {}) });

async function reloadWith(file: Partial<ConfigFile> | string) {
  // The test app turns request log lines off (test/support/app.ts): the file says so too, or every reload would find it changed.
  const quiet = (file: Partial<ConfigFile>) => ({ ...base, ...file, extra: ['[logs]\nrequests = false', file.extra].filter(Boolean).join('\n') });
  await Bun.write(path, typeof file === 'string' ? file : configToml(quiet(file)));
  lines.length = 0;
  return reloadConfig(fixture.testApp.context, path, env(), log);
}

/** What one chat request cost (the fake's answer: 4 completion tokens; a 3-word prompt). */
async function costOfOneChat(): Promise<bigint> {
  const before = await balanceOf(fixture, customer.accountId);
  await customer.client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'one two three' }] });
  const deadline = Date.now() + 5000;
  let after = await balanceOf(fixture, customer.accountId);
  while (after === before && Date.now() < deadline) {
    await Bun.sleep(20);
    after = await balanceOf(fixture, customer.accountId);
  }
  return before - after;
}

describe('reloadConfig', () => {
  test('the same file changes nothing', async () => {
    const outcome = await reloadWith({});
    expect(outcome).toEqual({ applied: true, changed: [], needRestart: [], error: null });
    expect(await costOfOneChat()).toBe(7n); // 3 prompt + 4 completion tokens at 1 micro-credit each
  });

  test('a new price applies to the next request and to /console/pricing', async () => {
    const outcome = await reloadWith({ inputPerMillion: '10', outputPerMillion: '100' });
    expect(outcome.changed).toEqual(['prices']);
    expect(lines[0]).toContain('configuration reloaded');
    expect(await costOfOneChat()).toBe(3n * 10n + 4n * 100n);
    const pricing = await readJson(await fixture.testApp.request('GET', '/console/pricing', { token: customer.key }));
    expect(pricing.default).toMatchObject({ input_per_million: '10.000000', output_per_million: '100.000000' });
  });

  test('a file that is not TOML, or does not validate, is refused with a log line; the running price stays', async () => {
    const broken = await reloadWith('[prices.default\ninput_per_million = "1"\n');
    expect(broken.applied).toBe(false);
    expect(broken.error).toContain('is not valid TOML');
    expect(lines).toEqual([expect.stringContaining('reload refused, the running configuration is kept')]);
    const invalid = await reloadWith({ inputPerMillion: 'cheap' });
    expect(invalid.applied).toBe(false);
    expect(invalid.error).toContain('prices.default.input_per_million');
    const unknown = await reloadWith({ extra: '[upstream_health]\nfailures_to_opne = 3' });
    expect(unknown.error).toContain('upstream_health.failures_to_opne');
    const missing = await reloadConfig(fixture.testApp.context, join(fixture.testApp.database.dataDir, 'nope.toml'), env(), log);
    expect(missing.error).toContain('config file not found');
    expect(await costOfOneChat()).toBe(3n * 10n + 4n * 100n);
  });

  test('upstreams: a new one serves its models at once, a removed one\'s models are gone', async () => {
    const outcome = await reloadWith({ upstreams: [{ name: 'echo', url: 'echo:', models: ['echo'] }, { name: 'fake-0', url: fixture.fake.url, models: ['fake-model'] }] });
    expect(outcome.changed).toContain('upstreams');
    expect((await customer.client.models.list()).data.map((model) => model.id).sort()).toEqual(['echo', 'fake-model']);
    const echoed = await customer.client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'hi' }] });
    expect(echoed.choices[0]!.message.content).toBe('hi');
    const gone = await fixture.testApp.request('POST', '/v1/chat/completions', { token: customer.key, body: { model: 'other-model', messages: [] } });
    expect(gone.status).toBe(404);
  });

  test('plans and instance types: a plan added by the reload can be given to an account; a new instance type is offered', async () => {
    const extra = '[plans.gold]\nrequests_per_minute = 5\n[instance_types.gpu-xl]\nper_hour = 9';
    const before = await fixture.testApp.admin('PUT', `/admin/accounts/${customer.accountId}/plan`, { plan: 'gold' });
    expect(before.status).toBe(400);
    const outcome = await reloadWith({ extra });
    expect(outcome.changed).toEqual(expect.arrayContaining(['plans', 'instance_types']));
    const after = await fixture.testApp.admin('PUT', `/admin/accounts/${customer.accountId}/plan`, { plan: 'gold' });
    expect(after.status).toBe(200);
    const pricing = await readJson(await fixture.testApp.request('GET', '/console/pricing', { token: customer.key }));
    expect(pricing.instance_types).toContainEqual({ name: 'gpu-xl', per_hour: '9.000000' });
    expect(Object.hasOwn(fixture.testApp.context.deployments.instanceTypes, 'gpu-xl')).toBe(true);
  });

  test('settings that need a restart are named in the log and keep their running value', async () => {
    const running = fixture.testApp.context.config;
    const outcome = await reloadWith({ server: { ...base.server!, max_body_bytes: 2048 }, extra: '[redis]\nkey_prefix = "other:"\n[upstream_health]\nprobe_interval_seconds = 60\nopen_seconds = 5' });
    expect(outcome.applied).toBe(true);
    expect(outcome.needRestart.sort()).toEqual(['redis.key_prefix', 'server.max_body_bytes', 'upstream_health.probe_interval_seconds']);
    expect(outcome.changed).toContain('upstream_health.open_seconds');
    expect(lines.at(-1)).toContain('only take effect after a restart');
    const config = fixture.testApp.context.config;
    expect(config.server.maxBodyBytes).toBe(running.server.maxBodyBytes);
    expect(config.redis.keyPrefix).toBe(running.redis.keyPrefix);
    expect(config.upstreamHealth).toMatchObject({ probeIntervalSeconds: running.upstreamHealth.probeIntervalSeconds, openSeconds: 5 });
    expect(Object.isFrozen(config.upstreamHealth)).toBe(true);
  });
});
