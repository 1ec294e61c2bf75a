// A real deployment (started through the admin API, billed by the biller, serving requests through
// the gateway) as the cost console shows it: its billed hours in by_deployment and the daily
// series, its requests counted by the upstream its usage records name, and, serving fewer than 6
// requests an hour, listed among the underused deployments.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { expectAuditClean } from '../support/audit';
import { readJson } from '../support/app';
import { at, chat, createDeploymentFixture, createOwner, startDeployment, type DeploymentFixture } from './support';

setDefaultTimeout(30_000);

let fixture: DeploymentFixture;
beforeAll(async () => {
  fixture = await createDeploymentFixture();
});
afterAll(() => fixture.close());

describe('a deployment in /console/usage', () => {
  test('billed hours, served requests and the underused suggestion come from the real flows', async () => {
    fixture.clock.nowMs = at('10:20');
    const owner = await createOwner(fixture, 20_000_000n);
    const started = await startDeployment(fixture, owner.accountId, 'dedicated-model', 'gpu-m');
    expect(started.status).toBe(201);
    const id: string = started.body.id;
    for (let index = 0; index < 3; index++) expect((await chat(fixture, owner.key, 'dedicated-model')).status).toBe(200);
    // A token-billed request too, on the shared upstream: by_model shows it, by_deployment not.
    expect((await chat(fixture, owner.key, 'shared-model')).status).toBe(200);
    fixture.clock.nowMs = at('11:00:05');
    await fixture.bill();
    fixture.clock.nowMs = at('11:30');

    const response = await fixture.testApp.request('GET', '/console/usage?days=7', { token: owner.key });
    expect(response.status).toBe(200);
    const report = await readJson(response);
    expect(report.by_deployment).toEqual([
      { id, model: 'dedicated-model', instance_type: 'gpu-m', status: 'running', hours: 2, requests: 3, cost: '3.600000' },
    ]);
    expect(report.underused_deployments).toHaveLength(1);
    expect(report.underused_deployments[0]).toMatchObject({ id, model: 'dedicated-model', hours: 2, requests: 3, requests_per_hour: 1.5 });
    const today = report.daily.at(-1);
    expect(today.date).toBe(new Date(at('10:20')).toISOString().slice(0, 10));
    expect(today.deployments_cost).toBe('3.600000');
    // The deployment's requests cost nothing by tokens; the shared one does.
    const dedicatedModel = report.by_model.find((row: { model: string }) => row.model === 'dedicated-model');
    const sharedModel = report.by_model.find((row: { model: string }) => row.model === 'shared-model');
    expect(dedicatedModel).toMatchObject({ requests: 3, cost: '0.000000' });
    expect(sharedModel.requests).toBe(1);
    expect(sharedModel.cost).not.toBe('0.000000');
    expect(today.tokens_cost).toBe(sharedModel.cost);
    expect(report.month.spent).toBe((3_600_000n + BigInt(sharedModel.cost.replace('.', ''))).toString().replace(/(\d{6})$/, '.$1'));
    await expectAuditClean(fixture.testApp.context.db);
  });
});
