// Acceptance (issue 12, point 1): a deployment is billed per started UTC clock hour: started at
// 10:20 and stopped at 12:05 it is charged 3 hours, however often the biller runs in an hour,
// two runs at once, or (on Postgres) two processes' billers at once. Each hour is one ledger
// charge keyed (deployment, hour); the books audit clean after each scenario.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { billDeployments } from '../../src/deployments/service';
import * as ledger from '../../src/ledger/service';
import { closeContext, createContext } from '../../src/server';
import { SYSTEM_ACCOUNTS } from '../../src/ledger/model';
import { expectAuditClean } from '../support/audit';
import { readJson } from '../support/app';
import { at, balanceOf, billedHoursOf, chargesOf, chat, createDeploymentFixture, createOwner, getDeployment, HOUR_MS, startDeployment, stopDeployment, type DeploymentFixture } from './support';

setDefaultTimeout(30_000);

let fixture: DeploymentFixture;
beforeAll(async () => {
  fixture = await createDeploymentFixture();
});
afterAll(() => fixture.close());

const GPU_M_MICROS = 1_800_000n;
const hourOf = (clock: string) => Math.floor(at(clock) / HOUR_MS);

describe('hourly billing', () => {
  test('started 10:20, stopped 12:05: 3 hours, whatever the biller does in between', async () => {
    fixture.clock.nowMs = at('10:20');
    const owner = await createOwner(fixture, 10_000_000n);
    const started = await startDeployment(fixture, owner.accountId);
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({
      object: 'deployment',
      account_id: owner.accountId,
      model: 'dedicated-model',
      instance_type: 'gpu-m',
      upstream_url: fixture.dedicated.url,
      status: 'running',
      per_hour: '1.800000',
      hours_charged: 1,
      charged: '1.800000',
      started_at: new Date(at('10:20')).toISOString(),
      paused_at: null,
      stopped_at: null,
    });
    const id: string = started.body.id;
    expect(id).toStartWith('dep_');
    expect(await balanceOf(fixture, owner.accountId)).toBe(10_000_000n - GPU_M_MICROS);

    // Within the first hour: nothing more, however often.
    for (const clock of ['10:20:15', '10:40', '10:59:59']) {
      fixture.clock.nowMs = at(clock);
      await fixture.bill();
    }
    expect(await billedHoursOf(fixture, id)).toEqual([hourOf('10:20')]);

    // The next hour, twice in a row, then twice at once.
    fixture.clock.nowMs = at('11:00:05');
    await fixture.bill();
    await fixture.bill();
    fixture.clock.nowMs = at('11:30');
    await Promise.all([fixture.bill(), fixture.bill()]);
    expect(await billedHoursOf(fixture, id)).toEqual([hourOf('10:20'), hourOf('11:00')]);

    // The third hour: two runs at once, and another replica's biller (its own context, pool and
    // view) on the same database at the same time.
    fixture.clock.nowMs = at('12:00:10');
    const other = await createContext(fixture.testApp.config);
    await Promise.all([fixture.bill(), fixture.bill(), billDeployments(other.db, other.deployments, fixture.clock.nowMs)]);
    await closeContext(other);
    expect(await billedHoursOf(fixture, id)).toEqual([hourOf('10:20'), hourOf('11:00'), hourOf('12:00')]);

    fixture.clock.nowMs = at('12:05');
    const stopped = await stopDeployment(fixture, id);
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ status: 'stopped', hours_charged: 3, charged: '5.400000', stopped_at: new Date(at('12:05')).toISOString() });

    // Stopped: later hours are never billed, and stopping again changes nothing.
    for (const clock of ['12:30', '13:00:01', '15:10']) {
      fixture.clock.nowMs = at(clock);
      await fixture.bill();
    }
    expect((await stopDeployment(fixture, id)).body).toMatchObject({ status: 'stopped', hours_charged: 3, stopped_at: new Date(at('12:05')).toISOString() });
    expect(await getDeployment(fixture, id)).toMatchObject({ status: 'stopped', hours_charged: 3, charged: '5.400000' });

    expect(await balanceOf(fixture, owner.accountId)).toBe(10_000_000n - 3n * GPU_M_MICROS);
    const charges = await chargesOf(fixture, owner.accountId);
    expect(charges.map((charge) => charge.key)).toEqual([hourOf('10:20'), hourOf('11:00'), hourOf('12:00')].map((hour) => `deployment:${id}:hour:${hour}`));
    for (const charge of charges) {
      expect(charge.amountMicros).toBe(GPU_M_MICROS);
      expect(charge.entries.reduce((sum, entry) => sum + entry.micros, 0n)).toBe(0n);
      expect(charge.entries.find((entry) => entry.book === 'system')).toEqual({ book: 'system', account: SYSTEM_ACCOUNTS.revenue, micros: GPU_M_MICROS });
    }
    await expectAuditClean(fixture.testApp.context.db);
  });

  test('hours the biller missed (no process ran) are billed when it runs again; a paused gap is not', async () => {
    fixture.clock.nowMs = at('10:20');
    const owner = await createOwner(fixture, 100_000_000n);
    const { body } = await startDeployment(fixture, owner.accountId, 'catch-up-model');
    fixture.clock.nowMs = at('13:30');
    await fixture.bill();
    expect(await billedHoursOf(fixture, body.id)).toEqual([hourOf('10:00'), hourOf('11:00'), hourOf('12:00'), hourOf('13:00')]);
    await stopDeployment(fixture, body.id);
    await expectAuditClean(fixture.testApp.context.db);
  });

  test('stopped in an hour no biller pass reached yet: the stop charges that hour, once', async () => {
    fixture.clock.nowMs = at('10:20');
    const owner = await createOwner(fixture, 10_000_000n);
    const { body } = await startDeployment(fixture, owner.accountId, 'stop-charges-model');
    fixture.clock.nowMs = at('11:30');
    await fixture.bill();
    // 12:00:02: the biller (every 15 s) has not run in hour 12 when the stop comes.
    fixture.clock.nowMs = at('12:00:02');
    const stopped = await stopDeployment(fixture, body.id);
    expect(stopped.body).toMatchObject({ status: 'stopped', hours_charged: 3, charged: '5.400000' });
    fixture.clock.nowMs = at('12:00:20');
    await fixture.bill();
    expect(await billedHoursOf(fixture, body.id)).toEqual([hourOf('10:00'), hourOf('11:00'), hourOf('12:00')]);
    expect(await balanceOf(fixture, owner.accountId)).toBe(10_000_000n - 3n * GPU_M_MICROS);
    await expectAuditClean(fixture.testApp.context.db);
  });

  test('a wallet that cannot pay the first hour: 402 insufficient_credits, no deployment left, nothing charged', async () => {
    fixture.clock.nowMs = at('10:20');
    const owner = await createOwner(fixture, 1_000_000n);
    const refused = await startDeployment(fixture, owner.accountId);
    expect(refused.status).toBe(402);
    expect(refused.body.error.code).toBe('insufficient_credits');
    const list = await readJson(await fixture.testApp.admin('GET', `/admin/deployments?account_id=${owner.accountId}`));
    expect(list).toEqual({ object: 'list', data: [] });
    expect(await balanceOf(fixture, owner.accountId)).toBe(1_000_000n);
    expect(await chargesOf(fixture, owner.accountId)).toEqual([]);
    // The cheaper type fits: the same wallet starts one of those.
    expect((await startDeployment(fixture, owner.accountId, 'dedicated-model', 'posted')).status).toBe(201);
    expect(await balanceOf(fixture, owner.accountId)).toBe(500_000n);
    await expectAuditClean(fixture.testApp.context.db);
  });

  test('credit held by reservations is not available to an hour', async () => {
    fixture.clock.nowMs = at('10:20');
    const owner = await createOwner(fixture, 2_000_000n);
    const hold = await ledger.reserve(fixture.testApp.context.db, { accountId: owner.accountId, amountMicros: 1_000_000n, idempotencyKey: `hold:${owner.accountId}`, ttlMs: 60_000 }, fixture.clock.nowMs);
    const refused = await startDeployment(fixture, owner.accountId);
    expect([refused.status, refused.body.error?.code]).toEqual([402, 'insufficient_credits']);
    await ledger.cancel(fixture.testApp.context.db, hold.id, fixture.clock.nowMs);
    expect((await startDeployment(fixture, owner.accountId)).status).toBe(201);
    await expectAuditClean(fixture.testApp.context.db);
  });
});

test("credit a gateway lease holds unspent is asked back before a start is refused", async () => {
  fixture.clock.nowMs = at('10:20');
  const owner = await createOwner(fixture, 620_000n); // one hour of gpu-s (0.6), and a little
  expect((await chat(fixture, owner.key, 'shared-model')).status).toBe(200);
  const db = fixture.testApp.context.db;
  const leases = await db.selectFrom('leases').select('amount_micros').where('account_id', '=', owner.accountId).where('status', '=', 'open').execute();
  const balance = await balanceOf(fixture, owner.accountId);
  expect(balance - leases.reduce((sum, row) => sum + BigInt(row.amount_micros), 0n)).toBeLessThan(600_000n);
  const started = await startDeployment(fixture, owner.accountId, 'leased-model', 'gpu-s');
  expect([started.status, started.body.hours_charged]).toEqual([201, 1]);
  expect(await balanceOf(fixture, owner.accountId)).toBe(balance - 600_000n);
  await fixture.testApp.context.meter.close();
  await expectAuditClean(db);
});

describe('accounts and the after-charge fan-out', () => {
  test('each committed hour tells noteCharged; a closed account is stopped and never billed again; a suspended one cannot start', async () => {
    fixture.clock.nowMs = at('10:20');
    const noted: string[][] = [];
    const original = fixture.testApp.context.noteCharged;
    fixture.testApp.context.noteCharged = (accountIds) => void noted.push(accountIds);
    try {
      const owner = await createOwner(fixture, 10_000_000n);
      const { body } = await startDeployment(fixture, owner.accountId, 'closing-model');
      expect(noted).toEqual([[owner.accountId]]);
      fixture.clock.nowMs = at('11:00:01');
      await fixture.bill();
      expect(noted.filter((ids) => ids.includes(owner.accountId)).length).toBe(2);

      expect((await fixture.testApp.admin('POST', `/admin/accounts/${owner.accountId}/close`)).status).toBe(200);
      fixture.clock.nowMs = at('12:00:01');
      await fixture.bill();
      expect(await getDeployment(fixture, body.id)).toMatchObject({ status: 'stopped', stopped_at: new Date(at('12:00:01')).toISOString(), hours_charged: 2 });
      expect(fixture.hookLines().filter((line) => line.startsWith(`stop ${body.id} `)).length).toBe(1);
      expect(noted.filter((ids) => ids.includes(owner.accountId)).length).toBe(2);

      const suspended = await createOwner(fixture, 10_000_000n);
      await fixture.testApp.admin('POST', `/admin/accounts/${suspended.accountId}/suspend`);
      const refused = await startDeployment(fixture, suspended.accountId);
      expect([refused.status, refused.body.error.code, refused.body.error.param]).toEqual([409, 'conflict', 'account_id']);
      expect(await balanceOf(fixture, suspended.accountId)).toBe(10_000_000n);
    } finally {
      fixture.testApp.context.noteCharged = original;
    }
    await expectAuditClean(fixture.testApp.context.db);
  });
});

describe('POST /admin/deployments validation', () => {
  test('unknown account 404, unknown instance type and bad upstream_url 400, a second live one of the model 409', async () => {
    fixture.clock.nowMs = at('10:20');
    const owner = await createOwner(fixture, 20_000_000n);
    const post = async (body: Record<string, unknown>) => {
      const response = await fixture.testApp.admin('POST', '/admin/deployments', { account_id: owner.accountId, model: 'm', instance_type: 'gpu-s', upstream_url: 'http://127.0.0.1:9', ...body });
      const json = await readJson(response);
      return [response.status, json.error?.code ?? null, json.error?.param ?? null];
    };
    expect(await post({ account_id: 'acct_missing' })).toEqual([404, 'not_found', 'account_id']);
    expect(await post({ instance_type: 'gpu-xl' })).toEqual([400, 'invalid_request', 'instance_type']);
    expect(await post({ instance_type: 'toString' })).toEqual([400, 'invalid_request', 'instance_type']);
    expect(await post({ upstream_url: 'ftp://host/x' })).toEqual([400, 'invalid_request', 'upstream_url']);
    expect(await post({ upstream_url: 'not a url' })).toEqual([400, 'invalid_request', 'upstream_url']);
    expect((await post({}))[0]).toBe(201);
    expect(await post({})).toEqual([409, 'conflict', 'model']);
    expect(await balanceOf(fixture, owner.accountId)).toBe(20_000_000n - 600_000n);
    const list = await readJson(await fixture.testApp.admin('GET', `/admin/deployments?account_id=${owner.accountId}`));
    expect(list.data.length).toBe(1);
    // Once stopped, the model may be deployed again.
    await stopDeployment(fixture, list.data[0].id);
    expect((await post({}))[0]).toBe(201);
    expect(await readJson(await fixture.testApp.admin('GET', '/admin/deployments/dep_missing'))).toMatchObject({ error: { code: 'not_found' } });
    await expectAuditClean(fixture.testApp.context.db);
  });

  test('concurrent starts of the same model: one 201, the rest 409, one hour charged', async () => {
    fixture.clock.nowMs = at('10:20');
    const owner = await createOwner(fixture, 20_000_000n);
    const results = await Promise.all(Array.from({ length: 5 }, () => startDeployment(fixture, owner.accountId, 'raced-model')));
    expect(results.map((result) => result.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(await balanceOf(fixture, owner.accountId)).toBe(20_000_000n - GPU_M_MICROS);
    await expectAuditClean(fixture.testApp.context.db);
  });
});
