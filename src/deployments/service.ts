// Starting and stopping deployments. Starting charges its first clock hour in the transaction
// that creates it: a wallet that cannot pay leaves no deployment behind (402). Stopping charges
// nothing more. Hooks and the routing view follow each commit (runtime.afterCommit).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { ApiError, badRequest, notFound } from '../errors';
import * as ledger from '../ledger/service';
import { newId } from '../shared/ids';
import { chargeDueHours } from './biller';
import { chargeHour, LEASE_RECLAIM_WAIT_MS } from './hour-charge';
import { hourIndexOf, type Deployment } from './model';
import type { DeploymentRuntime } from './runtime';
import { accountStatusOf, insertDeployment, lockDeploymentById, setDeploymentStatus, type Trx } from './store';

export { billDeployments } from './biller';
export { billedOf, getDeployment, listDeployments } from './store';
export { DeploymentRuntime } from './runtime';

export interface StartInput {
  accountId: string;
  model: string;
  instanceType: string;
  upstreamUrl: string;
}

export async function startDeployment(db: Kysely<Database>, runtime: DeploymentRuntime, input: StartInput, nowMs: number): Promise<Deployment> {
  const type = Object.hasOwn(runtime.instanceTypes, input.instanceType) ? runtime.instanceTypes[input.instanceType] : undefined;
  if (!type) {
    throw badRequest(`instance type "${input.instanceType}" is not configured (configured: ${Object.keys(runtime.instanceTypes).sort().join(', ')})`, 'instance_type');
  }
  const deployment: Deployment = {
    id: newId('dep'),
    accountId: input.accountId,
    model: input.model,
    instanceType: input.instanceType,
    upstreamUrl: normalizeUpstreamUrl(input.upstreamUrl),
    perHourMicros: type.perHourMicros,
    status: 'running',
    startedAtMs: nowMs,
    pausedAtMs: null,
    stoppedAtMs: null,
  };
  const create = () =>
    db.transaction().execute(async (trx) => {
      await checkAccountActive(trx, input.accountId);
      if (!(await insertDeployment(trx, deployment, nowMs))) {
        throw new ApiError(409, 'conflict', `account ${input.accountId} already has a live deployment of "${input.model}"; stop it first`, 'model');
      }
      await chargeHour(trx, deployment, hourIndexOf(nowMs), nowMs);
    });
  try {
    await create();
  } catch (error) {
    // Credit the account's gateway leases hold unspent is asked back once before the 402 is final.
    if (!(error instanceof ApiError && error.code === 'insufficient_credits')) throw error;
    if (!(await ledger.askLeasedCreditBack(db, { accountId: input.accountId, needMicros: type.perHourMicros }, nowMs, LEASE_RECLAIM_WAIT_MS))) throw error;
    await create();
  }
  await runtime.afterCommit([{ deployment, hook: 'start', charged: true, changed: true }]);
  return deployment;
}

/** Stops it (its own account's only, when `accountId` is given). Stopping a stopped deployment changes nothing. */
export async function stopDeployment(db: Kysely<Database>, runtime: DeploymentRuntime, id: string, accountId: string | null, nowMs: number): Promise<Deployment> {
  const { deployment, before, charged } = await db.transaction().execute(async (trx) => {
    const found = await lockDeploymentById(trx, id);
    if (!found || (accountId !== null && found.accountId !== accountId)) throw notFound(`deployment ${id}`, 'id');
    if (found.status === 'stopped') return { deployment: found, before: found.status, charged: false };
    // The hour it stops in was run (partial hours round up): if no biller pass charged it yet
    // (they run every few seconds), the stop does. A wallet that cannot pay it stops all the same.
    const { charged } = found.status === 'running' ? await chargeDueHours(trx, found, nowMs) : { charged: false };
    await setDeploymentStatus(trx, id, 'stopped', { stoppedAtMs: nowMs }, nowMs);
    return { deployment: { ...found, status: 'stopped' as const, stoppedAtMs: nowMs }, before: found.status, charged };
  });
  // A paused deployment's stop hook already ran when it was paused.
  if (before !== 'stopped') await runtime.afterCommit([{ deployment, hook: before === 'running' ? 'stop' : null, charged, changed: true }]);
  return deployment;
}

/** An http(s) base URL, without a trailing slash or /v1 (the gateway adds /v1/…, as for [[upstreams]]). */
function normalizeUpstreamUrl(text: string): string {
  const url = URL.canParse(text) ? new URL(text) : null;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash) {
    throw badRequest('upstream_url must be an http(s) URL without credentials, query or fragment', 'upstream_url');
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '').replace(/\/v1$/, '');
}

async function checkAccountActive(trx: Trx, accountId: string): Promise<void> {
  const status = await accountStatusOf(trx, accountId);
  if (status === null) throw notFound(`account ${accountId}`, 'account_id');
  if (status !== 'active') throw new ApiError(409, 'conflict', `account ${accountId} is ${status}`, 'account_id');
}
