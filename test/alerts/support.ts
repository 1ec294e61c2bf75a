// Shared by the alert tests: the auto-refill tests' world (inferport on a real port before a
// fake upstream whose every request costs 1 credit, an injected clock, the server's jobs) with
// private webhook targets allowed, a signature-checking webhook receiver, and the owner's steps.
import { createRefillCustomer, createRefillFixture, spend, type RefillCustomer, type RefillFixture } from '../payments/refill-support';
import { recordAlert, type AlertKind } from '../../src/alerts/service';
import { readJson } from '../support/app';
import { startWebhookReceiver, type WebhookReceiver } from './receiver';

export interface AlertWorld {
  fixture: RefillFixture;
  receiver: WebhookReceiver;
  close: () => Promise<void>;
}

/** `raw`: config laid over the fixture's; private targets are allowed unless it sets [alerts]. */
export async function createAlertWorld(raw: Record<string, unknown> = {}): Promise<AlertWorld> {
  const fixture = await createRefillFixture({ alerts: { allow_private_targets: true }, ...raw });
  const receiver = startWebhookReceiver();
  return {
    fixture,
    receiver,
    close: async () => {
      await fixture.close();
      receiver.stop();
    },
  };
}

/** An account with `paid` credits whose alerts go to the receiver (whose secret it learns from GET). */
export async function alertedCustomer(world: AlertWorld, paid: string, settings: Record<string, unknown>): Promise<RefillCustomer> {
  const customer = await createRefillCustomer(world.fixture, paid);
  const url = world.receiver.endpoint(customer.accountId);
  const response = await putAlerts(world, customer, { webhook_url: url, ...settings });
  if (response.status !== 200) throw new Error(`PUT /console/alerts answered ${response.status}: ${await response.text()}`);
  world.receiver.secrets.set(new URL(url).pathname, (await getAlerts(world, customer)).webhook_secret);
  return customer;
}

export async function putAlerts(world: AlertWorld, customer: { key: string }, body: unknown): Promise<Response> {
  const response = await world.fixture.testApp.request('PUT', '/console/alerts', { body, token: customer.key });
  await settle(world);
  return response;
}

export async function getAlerts(world: AlertWorld, customer: { key: string }): Promise<any> {
  const response = await world.fixture.testApp.request('GET', '/console/alerts', { token: customer.key });
  if (response.status !== 200) throw new Error(`GET /console/alerts answered ${response.status}`);
  return readJson(response);
}

export async function historyOf(world: AlertWorld, customer: { key: string }): Promise<any[]> {
  const response = await world.fixture.testApp.request('GET', '/console/alerts/history', { token: customer.key });
  if (response.status !== 200) throw new Error(`GET /console/alerts/history answered ${response.status}`);
  return (await readJson(response)).data;
}

/** Waits for the after-charge alert checks and the deliveries they kicked. */
export async function settle(world: AlertWorld): Promise<void> {
  const { context } = world.fixture.testApp;
  await context.alertWatcher.whenIdle();
  await context.alertDeliverer.whenIdle();
}

/** `requests` requests of 1 credit each, one after the other, each one's alerts settled. */
export async function spendCredits(world: AlertWorld, customer: RefillCustomer, requests: number): Promise<void> {
  for (let index = 0; index < requests; index++) {
    await spend(world.fixture, customer, 1);
    await settle(world);
  }
}

/** The webhooks the receiver got for an account's alerts of one kind, as parsed bodies. */
export function webhooksOf(world: AlertWorld, accountId: string, kind: string): { id: string; timestamp: number; body: any; verified: boolean; status: number }[] {
  return world.receiver.received
    .map((entry) => ({ ...entry, body: JSON.parse(entry.body) }))
    .filter((entry) => entry.body.data.account_id === accountId && entry.body.data.kind === kind);
}

/** Records an alert the way other code (the deployment biller, the Stripe handlers) does: in its own transaction, no kick. */
export async function raiseAlert(world: AlertWorld, accountId: string, kind: AlertKind, message: string, data: Record<string, string> = {}): Promise<string> {
  const { db } = world.fixture.testApp.context;
  const id = await db.transaction().execute((trx) => recordAlert(trx, { accountId, kind, message, data }, world.fixture.clock.nowMs));
  return id!;
}
