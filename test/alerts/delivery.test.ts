// Delivery of alerts from the outbox: an alert recorded by other code (as the deployment biller
// does) reaches the webhook signed, and the account's email through [smtp] (a local sink);
// a receiver that keeps failing is retried with a doubling back-off for a day, then the
// delivery is given up as failed; two deliverers (two replicas) at once deliver it once.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { AlertDeliverer, DELIVERY_WINDOW_MS, deliveryRetryDelayMs } from '../../src/alerts/deliverer';
import { createMailer } from '../../src/mail/mailer';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { alertedCustomer, createAlertWorld, historyOf, raiseAlert, webhooksOf, type AlertWorld } from './support';

let sink: SmtpSink;
let world: AlertWorld;
beforeAll(async () => {
  sink = startSmtpSink();
  world = await createAlertWorld({ smtp: { host: sink.host, port: sink.port, from: 'inferport alerts <alerts@inferport.test>' } });
});
afterAll(async () => {
  await world.close();
  sink.stop();
});

const raise = (accountId: string, message = 'Deployment dep_test was paused: the wallet cannot pay its next hour.') =>
  raiseAlert(world, accountId, 'deployment_paused', message, { deployment_id: 'dep_test' });

const webhookRow = (alertId: string) =>
  world.fixture.testApp.context.db.selectFrom('alert_deliveries').selectAll().where('alert_id', '=', alertId).where('channel', '=', 'webhook').executeTakeFirstOrThrow();

describe('delivery', () => {
  test("an alert recorded by other code is delivered by the scheduler's job: a signed webhook and an email", async () => {
    const customer = await alertedCustomer(world, '10', {});
    const alertId = await raise(customer.accountId);
    expect(webhooksOf(world, customer.accountId, 'deployment_paused')).toEqual([]); // nothing before the worker runs
    await world.fixture.scheduler.runNow('alert-delivery');
    await world.fixture.testApp.context.alertDeliverer.whenIdle();
    const [webhook] = webhooksOf(world, customer.accountId, 'deployment_paused');
    expect(webhook).toMatchObject({ verified: true, status: 204 });
    expect(webhook!.body).toEqual({
      type: 'alert.deployment_paused',
      timestamp: new Date(world.fixture.clock.nowMs).toISOString(),
      data: { id: alertId, account_id: customer.accountId, kind: 'deployment_paused', message: expect.stringContaining('was paused'), deployment_id: 'dep_test', created_at: expect.any(String) },
    });
    const mails = sink.messages.filter((message) => message.text.includes(alertId));
    expect(mails.length).toBe(1);
    expect(mails[0]!.to).toEqual(['owner@example.com']);
    expect(mails[0]!.headers.subject).toBe('A deployment was paused');
    expect(mails[0]!.text).toContain('deployment_id: dep_test');
    const [alert] = await historyOf(world, customer);
    expect(alert.deliveries.map((delivery: any) => `${delivery.channel}:${delivery.status}`).sort()).toEqual(['email:delivered', 'webhook:delivered']);
  });

  test('a receiver that keeps failing: retried with a doubling back-off for a day, then failed', async () => {
    const customer = await alertedCustomer(world, '10', {});
    const { fixture, receiver } = world;
    const deliverer = fixture.testApp.context.alertDeliverer;
    const createdAtMs = fixture.clock.nowMs;
    const alertId = await raise(customer.accountId);
    receiver.failNext(1000);
    const attemptTimes: number[] = [];
    for (let atMs = createdAtMs; ; ) {
      await deliverer.deliverDue(atMs);
      attemptTimes.push(atMs);
      const row = await webhookRow(alertId);
      if (row.status !== 'pending') break;
      atMs = Number(row.next_attempt_at_ms);
      expect(atMs).toBeLessThanOrEqual(createdAtMs + DELIVERY_WINDOW_MS);
    }
    receiver.failNext(0);
    const row = await webhookRow(alertId);
    expect({ status: row.status, attempts: Number(row.attempts) }).toEqual({ status: 'failed', attempts: attemptTimes.length });
    expect(row.last_error).toContain('500');
    const gaps = attemptTimes.slice(1).map((atMs, index) => atMs - attemptTimes[index]!);
    // 30 s doubling to the 4-hour cap; the last try at the end of the day.
    expect(gaps.slice(0, -1)).toEqual(gaps.slice(0, -1).map((_, index) => deliveryRetryDelayMs(index + 1)));
    expect(attemptTimes.at(-1)).toBe(createdAtMs + DELIVERY_WINDOW_MS);
    expect(webhooksOf(world, customer.accountId, 'deployment_paused').filter((entry) => entry.body.data.id === alertId).length).toBe(attemptTimes.length);
    // Given up: never tried again.
    await deliverer.deliverDue(createdAtMs + 10 * DELIVERY_WINDOW_MS);
    expect(Number((await webhookRow(alertId)).attempts)).toBe(attemptTimes.length);
  });

  test('two deliverers (two replicas) at once deliver an alert once', async () => {
    const customer = await alertedCustomer(world, '10', {});
    const { context } = world.fixture.testApp;
    const alertIds = await Promise.all([1, 2, 3, 4, 5].map((index) => raise(customer.accountId, `paused ${index}`)));
    const other = new AlertDeliverer(context.db, context.config, createMailer(context.config.smtp), () => world.fixture.clock.nowMs);
    const nowMs = world.fixture.clock.nowMs;
    await Promise.all([context.alertDeliverer.deliverDue(nowMs), other.deliverDue(nowMs), other.deliverDue(nowMs)]);
    await other.close();
    const webhooks = webhooksOf(world, customer.accountId, 'deployment_paused');
    expect(webhooks.map((entry) => entry.body.data.id).sort()).toEqual([...alertIds].sort());
    expect(webhooks.every((entry) => entry.verified && entry.status === 204)).toBe(true);
    expect(sink.messages.filter((message) => alertIds.some((id) => message.text.includes(id))).length).toBe(5);
  });

  test('a receiver that never answers is cut off at [alerts] timeout_seconds and retried', async () => {
    const customer = await alertedCustomer(world, '10', {});
    const { context } = world.fixture.testApp;
    const silent = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Promise<Response>(() => {}) });
    try {
      await context.db.updateTable('alert_settings').set({ webhook_url: `http://127.0.0.1:${silent.port}/silent` }).where('account_id', '=', customer.accountId).execute();
      const alertId = await raise(customer.accountId);
      const config = { ...context.config, alerts: { ...context.config.alerts, timeoutSeconds: 1 } };
      const impatient = new AlertDeliverer(context.db, config, null, () => world.fixture.clock.nowMs);
      const startedAt = performance.now();
      await impatient.deliverDue(world.fixture.clock.nowMs);
      const elapsedMs = performance.now() - startedAt;
      await impatient.close();
      expect(elapsedMs).toBeGreaterThanOrEqual(950);
      expect(elapsedMs).toBeLessThan(5_000);
      const row = await webhookRow(alertId);
      expect({ status: row.status, attempts: Number(row.attempts), next: Number(row.next_attempt_at_ms) }).toEqual({ status: 'pending', attempts: 1, next: world.fixture.clock.nowMs + deliveryRetryDelayMs(1) });
      expect(row.last_error).toContain('no answer within 1000 ms');
    } finally {
      silent.stop(true);
    }
  });
});
