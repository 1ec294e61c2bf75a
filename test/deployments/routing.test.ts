// A deployment serves its model for its account only: that account's requests (credit keys and
// plan keys alike) go to the deployment's upstream_url, are not token-billed (no reservation, no
// charge; the usage record costs 0 and names the deployment as its upstream), and the model is
// listed by /v1/models; other accounts never reach it. Once stopped, the configured upstreams
// serve the model again. The console shows an account its own deployments only.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { LiveDeployments } from '../../src/deployments/live-routes';
import { expectAuditClean } from '../support/audit';
import { readJson } from '../support/app';
import { at, balanceOf, chat, createDeploymentFixture, createOwner, startDeployment, stopDeployment, type DeploymentFixture } from './support';

setDefaultTimeout(30_000);

let fixture: DeploymentFixture;
beforeAll(async () => {
  fixture = await createDeploymentFixture({ plans: { narrow: { models: ['shared-model'] } } });
});
afterAll(() => fixture.close());

const usageOf = async (accountId: string) => {
  const rows = await fixture.testApp.context.db.selectFrom('usage_records').select(['model', 'upstream', 'cost_micros', 'charge_status', 'status_code']).where('account_id', '=', accountId).execute();
  // All on one clock moment: sorted by model and upstream, not by time.
  return rows
    .map((row) => ({ ...row, cost_micros: BigInt(row.cost_micros), status_code: Number(row.status_code) }))
    .sort((a, b) => `${a.model} ${a.upstream}`.localeCompare(`${b.model} ${b.upstream}`));
};
const modelsOf = async (key: string) => (await readJson(await fixture.testApp.request('GET', '/v1/models', { token: key }))).data.map((model: { id: string }) => model.id).sort();
const heldOf = (accountId: string) => fixture.testApp.context.db.selectFrom('holds').select('id').where('account_id', '=', accountId).execute();

describe('routing a deployed model', () => {
  test("the account's requests go to its deployment, untouched by token billing; other accounts' do not", async () => {
    fixture.clock.nowMs = at('10:20');
    const owner = await createOwner(fixture, 10_000_000n);
    const other = await createOwner(fixture, 10_000_000n);
    const dedicated = await startDeployment(fixture, owner.accountId, 'dedicated-model');
    const shared = await startDeployment(fixture, owner.accountId, 'shared-model', 'gpu-s');
    const afterStart = await balanceOf(fixture, owner.accountId);
    expect(afterStart).toBe(10_000_000n - 1_800_000n - 600_000n);

    expect(await modelsOf(owner.key)).toEqual(['dedicated-model', 'shared-model']);
    expect(await modelsOf(other.key)).toEqual(['shared-model']);

    const before = { dedicated: fixture.dedicated.requests.length, shared: fixture.shared.requests.length };
    expect((await chat(fixture, owner.key, 'dedicated-model')).status).toBe(200);
    expect((await chat(fixture, owner.key, 'shared-model')).status).toBe(200);
    const stream = await fixture.testApp.request('POST', '/v1/chat/completions', {
      token: owner.key,
      body: { model: 'shared-model', stream: true, messages: [{ role: 'user', content: 'a streamed question' }] },
    });
    expect(stream.status).toBe(200);
    expect(await stream.text()).toContain('[DONE]');
    expect(fixture.dedicated.requests.length - before.dedicated).toBe(3);
    expect(fixture.dedicated.requests.at(-1)!.path).toBe('/v1/chat/completions');
    expect(fixture.shared.requests.length).toBe(before.shared);
    // Not token-billed: the wallet is as the start left it, no hold was made, the records cost 0.
    await fixture.testApp.context.meter.close();
    expect(await balanceOf(fixture, owner.accountId)).toBe(afterStart);
    expect(await heldOf(owner.accountId)).toEqual([]);
    expect(await usageOf(owner.accountId)).toEqual([
      { model: 'dedicated-model', upstream: dedicated.body.id, cost_micros: 0n, charge_status: null, status_code: 200 },
      { model: 'shared-model', upstream: shared.body.id, cost_micros: 0n, charge_status: null, status_code: 200 },
      { model: 'shared-model', upstream: shared.body.id, cost_micros: 0n, charge_status: null, status_code: 200 },
    ]);

    // Another account: the configured upstream, charged by tokens; the dedicated model does not exist for it.
    expect((await chat(fixture, other.key, 'shared-model')).status).toBe(200);
    expect(fixture.shared.requests.length).toBe(before.shared + 1);
    const missing = await chat(fixture, other.key, 'dedicated-model');
    expect([missing.status, missing.body.error.code]).toEqual([404, 'model_not_found']);
    await fixture.testApp.context.meter.close();
    expect(await balanceOf(fixture, other.accountId)).toBeLessThan(10_000_000n);
    expect((await usageOf(other.accountId))[0]).toMatchObject({ upstream: 'shared', charge_status: 'posted' });

    // Stopped: the configured upstream serves the owner's shared-model again (token-billed), and
    // the dedicated model is gone.
    await stopDeployment(fixture, shared.body.id);
    await stopDeployment(fixture, dedicated.body.id);
    expect(await modelsOf(owner.key)).toEqual(['shared-model']);
    expect((await chat(fixture, owner.key, 'shared-model')).status).toBe(200);
    expect(fixture.shared.requests.length).toBe(before.shared + 2);
    expect((await chat(fixture, owner.key, 'dedicated-model')).status).toBe(404);
    await fixture.testApp.context.meter.close();
    expect(await balanceOf(fixture, owner.accountId)).toBeLessThan(afterStart);
    await expectAuditClean(fixture.testApp.context.db);
  });

  test("plan keys reach the account's deployment too, outside their plan's models and quotas", async () => {
    fixture.clock.nowMs = at('10:20');
    const owner = await createOwner(fixture, 5_000_000n, { billing: 'plan' });
    await fixture.testApp.admin('PUT', `/admin/accounts/${owner.accountId}/plan`, { plan: 'narrow' });
    // Before the deployment, its plan refuses the model.
    const refused = await chat(fixture, owner.key, 'dedicated-model');
    expect([refused.status, refused.body.error.code]).toEqual([403, 'model_not_allowed']);
    const { body } = await startDeployment(fixture, owner.accountId, 'dedicated-model');
    expect(await modelsOf(owner.key)).toEqual(['dedicated-model', 'shared-model']);
    expect((await chat(fixture, owner.key, 'dedicated-model')).status).toBe(200);
    // A plan key whose account has no plan is refused elsewhere (403 no_plan), not on its deployment.
    const planless = await createOwner(fixture, 5_000_000n, { billing: 'plan' });
    await startDeployment(fixture, planless.accountId, 'dedicated-model');
    expect((await chat(fixture, planless.key, 'dedicated-model')).status).toBe(200);
    expect((await chat(fixture, planless.key, 'shared-model')).body.error.code).toBe('no_plan');
    await fixture.testApp.context.meter.close();
    expect((await usageOf(owner.accountId)).find((row) => row.status_code === 200)).toMatchObject({ upstream: body.id, cost_micros: 0n });
    await expectAuditClean(fixture.testApp.context.db);
  });

  test("a key's own model list still applies to a deployed model (403)", async () => {
    fixture.clock.nowMs = at('10:20');
    const owner = await createOwner(fixture, 5_000_000n, { billing: 'credits', models: ['shared-model'] });
    await startDeployment(fixture, owner.accountId, 'dedicated-model');
    const refused = await chat(fixture, owner.key, 'dedicated-model');
    expect([refused.status, refused.body.error.code]).toEqual([403, 'model_not_allowed']);
    expect(await modelsOf(owner.key)).toEqual(['shared-model']);
  });

  test("another replica's change reaches this process's view within its refresh interval", async () => {
    fixture.clock.nowMs = at('10:20');
    const owner = await createOwner(fixture, 5_000_000n);
    const view = new LiveDeployments(fixture.testApp.context.db, 20);
    await view.reload();
    expect(view.find(owner.accountId, 'replica-model')).toBeNull();
    const { body } = await startDeployment(fixture, owner.accountId, 'replica-model');
    // Nobody tells this view: a lookup on a stale view starts a re-read (and answers from the old
    // view meanwhile), so the deployment shows up within a few refresh intervals.
    const startedAt = performance.now();
    while (view.find(owner.accountId, 'replica-model') === null && performance.now() - startedAt < 2000) await Bun.sleep(5);
    expect(view.find(owner.accountId, 'replica-model')).toMatchObject({ deploymentId: body.id, status: 'running' });
    await stopDeployment(fixture, body.id);
    while (view.find(owner.accountId, 'replica-model') !== null && performance.now() - startedAt < 4000) await Bun.sleep(5);
    expect(view.find(owner.accountId, 'replica-model')).toBeNull();
    await view.close();
  });
});

describe('console deployments', () => {
  test('an account sees and stops its own deployments only; another account gets 404', async () => {
    fixture.clock.nowMs = at('10:20');
    const owner = await createOwner(fixture, 5_000_000n);
    const stranger = await createOwner(fixture, 5_000_000n);
    const { body } = await startDeployment(fixture, owner.accountId, 'console-model');
    const asOwner = (method: string, path: string) => fixture.testApp.request(method, path, { token: owner.key });
    const asStranger = (method: string, path: string) => fixture.testApp.request(method, path, { token: stranger.key });

    const list = await readJson(await asOwner('GET', '/console/deployments'));
    expect(list).toEqual({ object: 'list', data: [body] });
    expect(await readJson(await asOwner('GET', `/console/deployments/${body.id}`))).toEqual(body);
    expect(await readJson(await asStranger('GET', '/console/deployments'))).toEqual({ object: 'list', data: [] });
    expect((await asStranger('GET', `/console/deployments/${body.id}`)).status).toBe(404);
    expect((await asStranger('POST', `/console/deployments/${body.id}/stop`)).status).toBe(404);
    expect((await readJson(await asOwner('GET', `/console/deployments/${body.id}`))).status).toBe('running');

    fixture.clock.nowMs = at('10:50');
    const stopped = await asOwner('POST', `/console/deployments/${body.id}/stop`);
    expect(stopped.status).toBe(200);
    expect(await readJson(stopped)).toMatchObject({ id: body.id, status: 'stopped', stopped_at: new Date(at('10:50')).toISOString(), hours_charged: 1 });
    expect((await fixture.testApp.request('GET', '/console/deployments', { token: null })).status).toBe(401);
  });
});
