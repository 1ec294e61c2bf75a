// A deployments fixture: inferport on an injected clock in front of a fake upstream (the
// configured one), a second fake upstream that stands in for a deployment's own server, and
// instance types whose hooks leave traces a test can read: a command that appends a line to a
// file, and URLs served by a recorder that keeps every POST.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ledger from '../../src/ledger/service';
import { scheduledJobs } from '../../src/server';
import { createAccountWithKey, createTestApp, readJson, type TestApp } from '../support/app';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';

export const HOUR_MS = 3_600_000;
/** 2027-01-04 00:00 UTC: tests name times of that day, as "10:20". */
export const DAY_START_MS = Date.UTC(2027, 0, 4);
export const at = (clock: string) => {
  const [hours, minutes, seconds = '0'] = clock.split(':');
  return DAY_START_MS + (Number(hours) * 60 + Number(minutes)) * 60_000 + Number(seconds) * 1000;
};

export interface HookPost {
  event: string;
  deployment_id: string;
  model: string;
  upstream_url: string;
  account_id: string;
  instance_type: string;
}

export interface DeploymentFixture {
  testApp: TestApp;
  /** The configured upstream (serves shared-model). */
  shared: FakeUpstream;
  /** The deployments' own server. */
  dedicated: FakeUpstream;
  clock: { nowMs: number };
  /** The lines the command hooks appended ("start <id> <model> <upstream> <account> <type>"). */
  hookLines: () => string[];
  /** The bodies the URL hooks posted. */
  hookPosts: HookPost[];
  /** Runs the scheduler's 'deployments' job at the clock's time. */
  bill: () => Promise<void>;
  close: () => Promise<void>;
}

export async function createDeploymentFixture(raw: Record<string, unknown> = {}): Promise<DeploymentFixture> {
  const shared = startFakeUpstream();
  const dedicated = startFakeUpstream();
  const scratch = mkdtempSync(join(tmpdir(), 'inferport-hooks-'));
  const hookFile = join(scratch, 'hooks.log');
  const hookPosts: HookPost[] = [];
  const recorder = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: async (request) => {
      hookPosts.push((await request.json()) as HookPost);
      return new Response('ok');
    },
  });
  const line = (event: string) => `echo "${event} $INFERPORT_DEPLOYMENT_ID $INFERPORT_DEPLOYMENT_MODEL $INFERPORT_DEPLOYMENT_UPSTREAM_URL $INFERPORT_DEPLOYMENT_ACCOUNT_ID $INFERPORT_DEPLOYMENT_INSTANCE_TYPE" >> ${hookFile}`;
  const clock = { nowMs: at('10:20') };
  const testApp = await createTestApp(
    {
      upstreams: [{ name: 'shared', url: shared.url, models: ['shared-model'] }],
      wallet: { trial_credits: 0 },
      // The fake upstreams listen on 127.0.0.1 (test/security/deployment-upstream.test.ts: the guard).
      deployments: { allow_private_targets: true },
      instance_types: {
        'gpu-m': { start_command: line('start'), stop_command: line('stop') },
        posted: { per_hour: 0.5, start_url: `http://127.0.0.1:${recorder.port}/start`, stop_url: `http://127.0.0.1:${recorder.port}/stop` },
      },
      ...raw,
    },
    {},
    { now: () => clock.nowMs },
  );
  const job = testApp.context.deployments;
  return {
    testApp,
    shared,
    dedicated,
    clock,
    hookLines: () => {
      try {
        return readFileSync(hookFile, 'utf8').trim().split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    hookPosts,
    bill: async () => {
      await scheduledJobs(testApp.context).find((candidate) => candidate.name === 'deployments')!.run(clock.nowMs);
      await job.hooks.idle();
    },
    close: async () => {
      await testApp.close();
      await shared.stop();
      await dedicated.stop();
      recorder.stop(true);
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

export interface Owner {
  accountId: string;
  key: string;
}

/** An account with a credit key and `creditsMicros` of paid credit (granted on the fixture's clock). */
export async function createOwner(fixture: DeploymentFixture, creditsMicros: bigint, keyBody: Record<string, unknown> = { billing: 'credits' }): Promise<Owner> {
  const { accountId, key } = await createAccountWithKey(fixture.testApp, keyBody);
  if (creditsMicros > 0n) await grantPaid(fixture, accountId, creditsMicros);
  return { accountId, key };
}

export async function grantPaid(fixture: DeploymentFixture, accountId: string, micros: bigint): Promise<void> {
  const db = fixture.testApp.context.db;
  await ledger.grant(db, { accountId, kind: 'paid', amountMicros: micros, expiresAtMs: null, source: 'admin', idempotencyKey: `seed:${accountId}:${crypto.randomUUID()}` }, fixture.clock.nowMs);
}

export async function startDeployment(fixture: DeploymentFixture, accountId: string, model = 'dedicated-model', instanceType = 'gpu-m') {
  const response = await fixture.testApp.admin('POST', '/admin/deployments', { account_id: accountId, model, instance_type: instanceType, upstream_url: `${fixture.dedicated.url}/v1` });
  await fixture.testApp.context.deployments.hooks.idle();
  return { status: response.status, body: await readJson(response) };
}

export async function stopDeployment(fixture: DeploymentFixture, id: string) {
  const response = await fixture.testApp.admin('POST', `/admin/deployments/${id}/stop`);
  await fixture.testApp.context.deployments.hooks.idle();
  return { status: response.status, body: await readJson(response) };
}

export async function getDeployment(fixture: DeploymentFixture, id: string) {
  return readJson(await fixture.testApp.admin('GET', `/admin/deployments/${id}`));
}

export async function balanceOf(fixture: DeploymentFixture, accountId: string): Promise<bigint> {
  return (await ledger.getWalletSummary(fixture.testApp.context.db, accountId, fixture.clock.nowMs)).balanceMicros;
}

/** The account's ledger transactions of kind charge, with their keys and entries. */
export async function chargesOf(fixture: DeploymentFixture, accountId: string) {
  const db = fixture.testApp.context.db;
  const transactions = await db.selectFrom('ledger_transactions').selectAll().where('account_id', '=', accountId).where('kind', '=', 'charge').orderBy('created_at_ms').execute();
  const entries = await db.selectFrom('ledger_entries').selectAll().where('account_id', '=', accountId).execute();
  return transactions.map((transaction) => ({
    key: transaction.idempotency_key,
    amountMicros: BigInt(transaction.amount_micros),
    entries: entries.filter((entry) => entry.transaction_id === transaction.id).map((entry) => ({ book: entry.book, account: entry.ledger_account, micros: BigInt(entry.amount_micros) })),
  }));
}

export async function billedHoursOf(fixture: DeploymentFixture, deploymentId: string): Promise<number[]> {
  const rows = await fixture.testApp.context.db.selectFrom('deployment_hours').select('hour_index').where('deployment_id', '=', deploymentId).orderBy('hour_index').execute();
  return rows.map((row) => Number(row.hour_index));
}

/** A chat completion through the app with the key; status and JSON body. */
export async function chat(fixture: DeploymentFixture, key: string, model: string) {
  const response = await fixture.testApp.request('POST', '/v1/chat/completions', { token: key, body: { model, messages: [{ role: 'user', content: 'hello there' }] } });
  return { status: response.status, body: await readJson(response) };
}
