// /console/alerts with [alerts] allow_private_targets off (the default): the settings and their
// signing secret, what PUT refuses (with nothing changed), and the refusal at delivery time of a
// webhook whose name resolves to a loopback address, which the URL alone did not show.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createRefillCustomer } from '../payments/refill-support';
import { readJson } from '../support/app';
import { createAlertWorld, getAlerts, historyOf, putAlerts, raiseAlert, type AlertWorld } from './support';

let world: AlertWorld;
beforeAll(async () => {
  world = await createAlertWorld({ alerts: { allow_private_targets: false } });
});
afterAll(() => world.close());

const customer = () => createRefillCustomer(world.fixture, '10');

/** Raises an alert, runs the deliverer; answers what the receiver got meanwhile and the webhook delivery's state. */
async function deliverOneAlert(accountId: string, key: string): Promise<{ received: number; webhook: any }> {
  const before = world.receiver.received.length;
  await raiseAlert(world, accountId, 'deployment_paused', 'paused');
  await world.fixture.testApp.context.alertDeliverer.deliverDue(world.fixture.clock.nowMs);
  const [alert] = await historyOf(world, { key });
  return { received: world.receiver.received.length - before, webhook: alert.deliveries.find((delivery: any) => delivery.channel === 'webhook') };
}

describe('settings', () => {
  test('GET answers everything off; PUT sets fields, keeps those left out, makes the secret once', async () => {
    const owner = await customer();
    expect(await getAlerts(world, owner)).toEqual({
      object: 'alert_settings', webhook_url: null, webhook_secret: null, low_balance_threshold: null, low_balance_state: 'off', daily_summary: false, weekly_summary: false, deployment_cost: null,
    });
    const put = await putAlerts(world, owner, { webhook_url: 'https://hooks.example.com/inferport', low_balance_threshold: '2.5', daily_summary: true, deployment_cost: '12' });
    expect(put.status).toBe(200);
    const settings = await readJson(put);
    expect(settings).toMatchObject({ webhook_url: 'https://hooks.example.com/inferport', low_balance_threshold: '2.500000', low_balance_state: 'armed', daily_summary: true, weekly_summary: false, deployment_cost: '12.000000' });
    expect(settings.webhook_secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(settings.webhook_secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(await getAlerts(world, owner)).toEqual(settings);

    // A new URL keeps the secret (the receiver's copy stays valid); null turns things off.
    const changed = await readJson(await putAlerts(world, owner, { webhook_url: 'http://hooks.example.com/other', low_balance_threshold: null, weekly_summary: true }));
    expect(changed).toEqual({ ...settings, webhook_url: 'http://hooks.example.com/other', low_balance_threshold: null, low_balance_state: 'off', weekly_summary: true });
    const off = await readJson(await putAlerts(world, owner, { webhook_url: null, deployment_cost: null, daily_summary: false, weekly_summary: false }));
    expect(off).toMatchObject({ webhook_url: null, webhook_secret: settings.webhook_secret, deployment_cost: null, daily_summary: false });
    // Another account's settings are its own.
    expect((await getAlerts(world, await customer())).webhook_secret).toBeNull();
  });

  test('a URL that is not http(s), or a literal private address, is a 400 naming webhook_url, and nothing changes', async () => {
    const owner = await customer();
    await putAlerts(world, owner, { webhook_url: 'https://hooks.example.com/a', low_balance_threshold: '1' });
    const before = await getAlerts(world, owner);
    const refused = [
      'ftp://hooks.example.com/a', 'javascript:alert(1)', 'not a url', '/relative', 'http://127.0.0.1:8080/hook', 'http://[::1]/hook', 'http://[::ffff:127.0.0.1]/hook',
      'http://0x7f.1/hook', 'http://2130706433/hook', 'http://0.0.0.0/hook', 'http://10.1.2.3/hook', 'http://172.16.0.1/hook', 'http://192.168.1.1/hook', 'http://100.64.0.1/hook',
      'http://169.254.169.254/latest/meta-data', 'http://[fe80::1]/hook', 'http://[fd00::1]/hook', 'http://[::ffff:a9fe:a9fe]/hook',
    ];
    for (const url of refused) {
      const response = await putAlerts(world, owner, { webhook_url: url, low_balance_threshold: '5' });
      const body = await readJson(response);
      expect({ url, status: response.status, code: body.error.code, param: body.error.param }).toEqual({ url, status: 400, code: 'invalid_request', param: 'webhook_url' });
    }
    for (const [field, value] of [['low_balance_threshold', '-1'], ['low_balance_threshold', '1.1234567'], ['deployment_cost', '0'], ['deployment_cost', 'ten']] as const) {
      const response = await putAlerts(world, owner, { webhook_url: 'https://hooks.example.com/b', [field]: value });
      expect({ field, value, status: response.status, param: (await readJson(response)).error.param }).toEqual({ field, value, status: 400, param: field });
    }
    expect((await putAlerts(world, owner, { webhook_url: 'https://hooks.example.com/c', colour: 'red' })).status).toBe(400);
    expect((await putAlerts(world, owner, { daily_summary: 'yes' })).status).toBe(400);
    expect(await getAlerts(world, owner)).toEqual(before);
    expect((await world.fixture.testApp.request('GET', '/console/alerts')).status).toBe(401);
  });

  test('a webhook whose name resolves to loopback is refused at delivery time: failed, nothing sent', async () => {
    const owner = await customer();
    const url = new URL(world.receiver.endpoint(owner.accountId));
    url.hostname = 'localhost';
    const put = await putAlerts(world, owner, { webhook_url: url.href });
    expect(put.status).toBe(200); // a name: only its resolution shows where it goes
    world.receiver.secrets.set(url.pathname, (await readJson(put)).webhook_secret);
    const { received, webhook } = await deliverOneAlert(owner.accountId, owner.key);
    expect(received).toBe(0);
    expect(webhook).toMatchObject({ status: 'failed', attempts: 1 });
    expect(webhook.last_error).toMatch(/localhost resolves to (127\.0\.0\.1|::1)/);
  });

  test('a literal private address stored while it was allowed is refused at delivery once it is not', async () => {
    const owner = await customer();
    expect((await putAlerts(world, owner, { webhook_url: 'https://hooks.example.com/later' })).status).toBe(200);
    // As if set while [alerts] allow_private_targets was true, before a restart turned it off.
    const { db } = world.fixture.testApp.context;
    await db.updateTable('alert_settings').set({ webhook_url: world.receiver.endpoint(owner.accountId) }).where('account_id', '=', owner.accountId).execute();
    const { received, webhook } = await deliverOneAlert(owner.accountId, owner.key);
    expect(received).toBe(0);
    expect(webhook).toMatchObject({ status: 'failed', attempts: 1, last_error: '127.0.0.1 is a private, loopback or link-local address' });
  });
});
