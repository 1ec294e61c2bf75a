// The hourly biller (the scheduler's 'deployments' job): each live deployment's clock hours are
// charged once each, under its row lock (hour-charge.ts): however many runs or replicas bill at
// once, an hour is charged once. A running deployment whose wallet cannot pay its hour is
// paused; a paused one is resumed as soon as its wallet pays the hour (status-changes.ts).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import * as ledger from '../ledger/service';
import { chargeOrRefused, hourIsBilled, lastBilledHour, LEASE_RECLAIM_WAIT_MS } from './hour-charge';
import { hourIndexOf, type Deployment } from './model';
import type { Committed, DeploymentRuntime } from './runtime';
import { pause, resume, stopOfClosedAccount } from './status-changes';
import { accountStatusOf, listLiveDeployments, lockDeploymentById, type Trx } from './store';
import { log } from '../logs/logger';

/** Deployments read per page of a pass. */
const PAGE_SIZE = 200;
/** The most hours one pass catches up for one deployment (after the biller was down); the next pass goes on. */
const CATCH_UP_HOURS_MAX = 48;

/** One pass over every live deployment. A deployment that fails is logged and retried next pass. */
export async function billDeployments(db: Kysely<Database>, runtime: DeploymentRuntime, nowMs: number): Promise<void> {
  let afterId = '';
  for (;;) {
    const page = await listLiveDeployments(db, afterId, PAGE_SIZE);
    const committed: Committed[] = [];
    for (const deployment of page) {
      try {
        committed.push(...(await billDeployment(db, deployment, nowMs)));
      } catch (error) {
        log.error(`[inferport] billing deployment ${deployment.id} failed; the next pass retries`, error);
      }
    }
    await runtime.afterCommit(committed);
    if (page.length < PAGE_SIZE) return;
    afterId = page[page.length - 1]!.id;
  }
}

/**
 * Bills the deployment's due hours. An hour its wallet cannot pay is decided only after the
 * credit gateway leases hold unspent was asked back: a busy account's leases must not pause
 * (and stop the instance of) a wallet that can pay.
 */
async function billDeployment(db: Kysely<Database>, deployment: Deployment, nowMs: number): Promise<Committed[]> {
  const attempt = (decide: boolean) => db.transaction().execute((trx) => billDueHours(trx, deployment.id, nowMs, decide));
  const first = await attempt(false);
  if (!first.short) return first.change ? [first.change] : [];
  await ledger.askLeasedCreditBack(db, { accountId: deployment.accountId, needMicros: deployment.perHourMicros }, nowMs, LEASE_RECLAIM_WAIT_MS);
  const second = await attempt(true);
  return [first.change, second.change].filter((change): change is Committed => change !== null);
}

/** What one transaction changed, and whether it stopped at an hour it could not pay without deciding (`decide` false). */
interface Billed {
  change: Committed | null;
  short: boolean;
}

async function billDueHours(trx: Trx, id: string, nowMs: number, decide: boolean): Promise<Billed> {
  const deployment = await lockDeploymentById(trx, id);
  if (!deployment || deployment.status === 'stopped') return { change: null, short: false };
  if ((await accountStatusOf(trx, deployment.accountId)) === 'closed') return { change: await stopOfClosedAccount(trx, deployment, nowMs), short: false };
  const currentHour = hourIndexOf(nowMs);
  if (deployment.status === 'paused') {
    const paid = (await hourIsBilled(trx, id, currentHour)) || (await chargeOrRefused(trx, deployment, currentHour, nowMs));
    return paid ? { change: await resume(trx, deployment, nowMs), short: false } : { change: null, short: !decide };
  }
  const { charged, short } = await chargeDueHours(trx, deployment, nowMs);
  if (short && decide) return { change: await pause(trx, deployment, charged, nowMs), short: false };
  return { change: charged ? { deployment, hook: null, charged, changed: false } : null, short };
}

/**
 * Charges a running deployment's clock hours not yet billed, up to the one `nowMs` is in, oldest
 * first, stopping at the first the wallet cannot pay (`short`). Hours the biller did not run in (a
 * process down) are still hours the deployment ran. The caller holds the deployment's row lock.
 */
export async function chargeDueHours(trx: Trx, deployment: Deployment, nowMs: number): Promise<{ charged: boolean; short: boolean }> {
  const currentHour = hourIndexOf(nowMs);
  const last = (await lastBilledHour(trx, deployment.id)) ?? hourIndexOf(deployment.startedAtMs) - 1;
  let charged = false;
  for (let hour = last + 1; hour <= currentHour && hour <= last + CATCH_UP_HOURS_MAX; hour++) {
    if (!(await chargeOrRefused(trx, deployment, hour, nowMs))) return { charged, short: true };
    charged = true;
  }
  return { charged, short: false };
}
