// The hourly biller (the scheduler's 'deployments' job): each live deployment's clock hours are
// charged once each, under its row lock, with the ledger charge keyed by (deployment, hour) and
// the deployment_hours row (primary key (deployment, hour)) in the same transaction: however
// many runs or replicas bill at once, an hour is charged once. A running deployment whose wallet
// cannot pay its hour is paused; a paused one is resumed as soon as its wallet pays the hour.
import type { Kysely } from 'kysely';
import { recordAlert } from '../alerts/service';
import type { Database } from '../db/schema';
import { ApiError } from '../errors';
import * as ledger from '../ledger/service';
import { formatMicros } from '../shared/money';
import { hourIndexOf, type Deployment } from './model';
import type { Committed, DeploymentRuntime } from './runtime';
import { accountStatusOf, hourIsBilled, insertBilledHour, lastBilledHour, listLiveDeployments, lockDeploymentById, setDeploymentStatus, type Trx } from './store';

/** Deployments read per page of a pass. */
const PAGE_SIZE = 200;
/** The most hours one pass catches up for one deployment (after the biller was down); the next pass goes on. */
const CATCH_UP_HOURS_MAX = 48;

/** Charges one hour of the deployment: the ledger charge and the hour's row, in `trx`. Throws 402 when the wallet cannot pay. */
export async function chargeHour(trx: Trx, deployment: Deployment, hourIndex: number, nowMs: number): Promise<void> {
  const charge = await ledger.chargeWallet(
    trx,
    {
      accountId: deployment.accountId,
      amountMicros: deployment.perHourMicros,
      idempotencyKey: `deployment:${deployment.id}:hour:${hourIndex}`,
      memo: `deployment ${deployment.id} (${deployment.model}, ${deployment.instanceType}) hour ${new Date(hourIndex * 3_600_000).toISOString()}`,
    },
    nowMs,
  );
  await insertBilledHour(trx, { deploymentId: deployment.id, hourIndex, accountId: deployment.accountId, amountMicros: charge.chargedMicros, transactionId: charge.transactionId }, nowMs);
}

/** One pass over every live deployment. A deployment that fails is logged and retried next pass. */
export async function billDeployments(db: Kysely<Database>, runtime: DeploymentRuntime, nowMs: number): Promise<void> {
  let afterId = '';
  for (;;) {
    const page = await listLiveDeployments(db, afterId, PAGE_SIZE);
    const committed: Committed[] = [];
    for (const deployment of page) {
      try {
        const change = await db.transaction().execute((trx) => billDeployment(trx, deployment.id, nowMs));
        if (change) committed.push(change);
      } catch (error) {
        console.error(`[inferport] billing deployment ${deployment.id} failed; the next pass retries`, error);
      }
    }
    await runtime.afterCommit(committed);
    if (page.length < PAGE_SIZE) return;
    afterId = page[page.length - 1]!.id;
  }
}

/** Bills the deployment's due hours under its lock; what changed, or null when nothing did. */
async function billDeployment(trx: Trx, id: string, nowMs: number): Promise<Committed | null> {
  const deployment = await lockDeploymentById(trx, id);
  if (!deployment || deployment.status === 'stopped') return null;
  // A closed account is never billed again: what it deployed is stopped (closing is final).
  if ((await accountStatusOf(trx, deployment.accountId)) === 'closed') {
    await setDeploymentStatus(trx, id, 'stopped', { stoppedAtMs: nowMs }, nowMs);
    return { deployment: { ...deployment, status: 'stopped', stoppedAtMs: nowMs }, hook: deployment.status === 'running' ? 'stop' : null, charged: false, changed: true };
  }
  const currentHour = hourIndexOf(nowMs);
  if (deployment.status === 'paused') return resumeIfPaid(trx, deployment, currentHour, nowMs);
  // Hours the biller did not run in (a process down) are still hours the deployment ran.
  const last = (await lastBilledHour(trx, id)) ?? hourIndexOf(deployment.startedAtMs) - 1;
  let charged = false;
  for (let hour = last + 1; hour <= currentHour && hour <= last + CATCH_UP_HOURS_MAX; hour++) {
    if (!(await chargeOrRefused(trx, deployment, hour, nowMs))) return pause(trx, deployment, charged, nowMs);
    charged = true;
  }
  return charged ? { deployment, hook: null, charged, changed: false } : null;
}

/** A paused deployment is billed from the hour its wallet pays again, not for the hours it was paused. */
async function resumeIfPaid(trx: Trx, deployment: Deployment, currentHour: number, nowMs: number): Promise<Committed | null> {
  const paid = (await hourIsBilled(trx, deployment.id, currentHour)) || (await chargeOrRefused(trx, deployment, currentHour, nowMs));
  if (!paid) return null;
  await setDeploymentStatus(trx, deployment.id, 'running', { pausedAtMs: null }, nowMs);
  await recordAlert(
    trx,
    { accountId: deployment.accountId, kind: 'deployment_resumed', message: `Deployment ${deployment.id} (${deployment.model}) resumed: credit arrived and its hour of ${formatMicros(deployment.perHourMicros)} credits is paid.` },
    nowMs,
  );
  return { deployment: { ...deployment, status: 'running', pausedAtMs: null }, hook: 'start', charged: true, changed: true };
}

async function pause(trx: Trx, deployment: Deployment, charged: boolean, nowMs: number): Promise<Committed> {
  await setDeploymentStatus(trx, deployment.id, 'paused', { pausedAtMs: nowMs }, nowMs);
  await recordAlert(
    trx,
    {
      accountId: deployment.accountId,
      kind: 'deployment_paused',
      message: `Deployment ${deployment.id} (${deployment.model}) is paused: the wallet cannot pay its next hour of ${formatMicros(deployment.perHourMicros)} credits. It resumes when credit arrives.`,
    },
    nowMs,
  );
  return { deployment: { ...deployment, status: 'paused', pausedAtMs: nowMs }, hook: 'stop', charged, changed: true };
}

/** Charges the hour; false when the wallet cannot pay it (nothing written then). */
async function chargeOrRefused(trx: Trx, deployment: Deployment, hourIndex: number, nowMs: number): Promise<boolean> {
  try {
    await chargeHour(trx, deployment, hourIndex, nowMs);
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'insufficient_credits') return false;
    throw error;
  }
}
