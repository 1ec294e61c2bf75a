// Acceptance (issue 12, point 2): a wallet that pays 2 hours: the third pauses the deployment
// (its route answers 402 deployment_paused, the stop hook runs, an alert is recorded); a grant
// resumes it by itself on the biller's next pass, which charges the new hour and runs the start
// hook. Hooks of both kinds: a command (appending to a file) and URLs (posted to a recorder).
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { listAlerts } from '../../src/alerts/service';
import { expectAuditClean } from '../support/audit';
import { readJson } from '../support/app';
import { at, balanceOf, billedHoursOf, chat, chargesOf, createDeploymentFixture, createOwner, getDeployment, HOUR_MS, startDeployment, stopDeployment, type DeploymentFixture } from './support';

setDefaultTimeout(30_000);

let fixture: DeploymentFixture;
beforeAll(async () => {
  fixture = await createDeploymentFixture();
});
afterAll(() => fixture.close());

const hourOf = (clock: string) => Math.floor(at(clock) / HOUR_MS);
const alertKinds = async (accountId: string) => (await listAlerts(fixture.testApp.context.db, accountId)).map((alert) => alert.kind);

describe('pause and resume', () => {
  test('command hooks: 2 hours paid, the third pauses it; a grant resumes it and pays the new hour', async () => {
    fixture.clock.nowMs = at('10:20');
    const owner = await createOwner(fixture, 3_600_000n); // two hours of gpu-m (1.8 an hour)
    const { body } = await startDeployment(fixture, owner.accountId);
    const id: string = body.id;
    const facts = `${id} dedicated-model ${fixture.dedicated.url} ${owner.accountId} gpu-m`;
    expect(fixture.hookLines()).toEqual([`start ${facts}`]);
    expect((await chat(fixture, owner.key, 'dedicated-model')).status).toBe(200);

    fixture.clock.nowMs = at('11:00:05');
    await fixture.bill();
    expect(await balanceOf(fixture, owner.accountId)).toBe(0n);
    expect((await getDeployment(fixture, id)).status).toBe('running');

    // The third hour cannot be paid: paused, the stop hook ran, the owner is told.
    fixture.clock.nowMs = at('12:00:05');
    await fixture.bill();
    expect(await getDeployment(fixture, id)).toMatchObject({ status: 'paused', paused_at: new Date(at('12:00:05')).toISOString(), hours_charged: 2, charged: '3.600000' });
    expect(fixture.hookLines()).toEqual([`start ${facts}`, `stop ${facts}`]);
    expect(await alertKinds(owner.accountId)).toEqual(['deployment_paused']);
    const forwarded = fixture.dedicated.requests.length;
    const paused = await chat(fixture, owner.key, 'dedicated-model');
    expect([paused.status, paused.body.error.code, paused.body.error.type]).toEqual([402, 'deployment_paused', 'insufficient_quota']);
    expect(fixture.dedicated.requests.length).toBe(forwarded);

    // Passes while it stays paused change nothing: no charge, no second stop hook, no second alert.
    fixture.clock.nowMs = at('12:30');
    await fixture.bill();
    expect(fixture.hookLines().length).toBe(2);
    expect(await alertKinds(owner.accountId)).toEqual(['deployment_paused']);

    // Credit arrives (an admin grant); the biller's next pass resumes it and charges hour 12.
    fixture.clock.nowMs = at('12:40');
    const granted = await fixture.testApp.admin('POST', `/admin/accounts/${owner.accountId}/credits`, { amount: '2', kind: 'promo' });
    expect(granted.status).toBe(200);
    fixture.clock.nowMs = at('12:40:15');
    await fixture.bill();
    expect(await getDeployment(fixture, id)).toMatchObject({ status: 'running', paused_at: null, hours_charged: 3, charged: '5.400000' });
    expect(await billedHoursOf(fixture, id)).toEqual([hourOf('10:00'), hourOf('11:00'), hourOf('12:00')]);
    expect(await balanceOf(fixture, owner.accountId)).toBe(200_000n);
    expect(fixture.hookLines()).toEqual([`start ${facts}`, `stop ${facts}`, `start ${facts}`]);
    expect(await alertKinds(owner.accountId)).toEqual(['deployment_paused', 'deployment_resumed']);
    expect((await chat(fixture, owner.key, 'dedicated-model')).status).toBe(200);

    // Hour 13 cannot be paid (0.2 left): paused again, nothing partly charged.
    fixture.clock.nowMs = at('13:00:01');
    await fixture.bill();
    expect((await getDeployment(fixture, id)).status).toBe('paused');
    expect(await balanceOf(fixture, owner.accountId)).toBe(200_000n);
    const charges = await chargesOf(fixture, owner.accountId);
    expect(charges.map((charge) => charge.key)).toEqual([10, 11, 12].map((hour) => `deployment:${id}:hour:${hourOf(`${hour}:00`)}`));
    // The resumed hour drew the granted credit, and its entries balance.
    expect(charges[2]!.entries.reduce((sum, entry) => sum + entry.micros, 0n)).toBe(0n);
    await expectAuditClean(fixture.testApp.context.db);
    // Stopped, so the next test's passes (its clock starts earlier) leave it alone.
    expect((await stopDeployment(fixture, id)).body.status).toBe('stopped');
    expect(fixture.hookLines().length).toBe(4);
  });

  test('URL hooks get the facts as JSON; a stopped paused deployment does not run its stop hook twice', async () => {
    fixture.clock.nowMs = at('10:20');
    const owner = await createOwner(fixture, 500_000n); // one hour of "posted" (0.5 an hour)
    const { body } = await startDeployment(fixture, owner.accountId, 'posted-model', 'posted');
    const facts = { deployment_id: body.id, model: 'posted-model', upstream_url: fixture.dedicated.url, account_id: owner.accountId, instance_type: 'posted' };
    fixture.clock.nowMs = at('11:00:01');
    await fixture.bill();
    expect((await getDeployment(fixture, body.id)).status).toBe('paused');
    const stopped = await readJson(await fixture.testApp.request('POST', `/console/deployments/${body.id}/stop`, { token: owner.key }));
    await fixture.testApp.context.deployments.hooks.idle();
    expect(stopped).toMatchObject({ status: 'stopped', hours_charged: 1 });
    expect(fixture.hookPosts.filter((post) => post.deployment_id === body.id)).toEqual([
      { event: 'start', ...facts },
      { event: 'stop', ...facts },
    ]);
    // Stopped: credit arriving never resumes it.
    fixture.clock.nowMs = at('11:30');
    await fixture.testApp.admin('POST', `/admin/accounts/${owner.accountId}/credits`, { amount: '5', kind: 'paid' });
    await fixture.bill();
    expect(await getDeployment(fixture, body.id)).toMatchObject({ status: 'stopped', hours_charged: 1 });
    expect(await balanceOf(fixture, owner.accountId)).toBe(5_000_000n);
    await expectAuditClean(fixture.testApp.context.db);
  });

  test("credit a gateway lease holds unspent is asked back before an hour is refused: a busy account is not paused", async () => {
    fixture.clock.nowMs = at('10:20');
    const owner = await createOwner(fixture, 1_020_000n); // two hours of "posted" (0.5 each), and a little
    const { body } = await startDeployment(fixture, owner.accountId, 'busy-model', 'posted');
    // A token-billed request: the meter leases more credit than it spends, for the requests to come.
    expect((await chat(fixture, owner.key, 'shared-model')).status).toBe(200);
    const db = fixture.testApp.context.db;
    const leased = async () => (await db.selectFrom('leases').select('amount_micros').where('account_id', '=', owner.accountId).where('status', '=', 'open').execute()).reduce((sum, row) => sum + BigInt(row.amount_micros), 0n);
    const balance = await balanceOf(fixture, owner.accountId);
    expect(balance).toBeGreaterThanOrEqual(500_000n);
    expect(balance - (await leased())).toBeLessThan(500_000n);

    fixture.clock.nowMs = at('11:00:05');
    await fixture.bill();
    expect(await getDeployment(fixture, body.id)).toMatchObject({ status: 'running', hours_charged: 2 });
    expect(await balanceOf(fixture, owner.accountId)).toBe(balance - 500_000n);
    expect(await alertKinds(owner.accountId)).toEqual([]);
    await fixture.testApp.context.meter.close();
    await expectAuditClean(db);
    await stopDeployment(fixture, body.id);
  });
});
