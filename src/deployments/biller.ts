// The hourly biller (the scheduler's 'deployments' job): each live deployment's clock hours are
// charged once each, under its row lock (hour-charge.ts): however many runs or replicas bill at
// once, an hour is charged once. A running deployment whose wallet cannot pay its hour is
// paused; a paused one is resumed as soon as its wallet pays the hour (status-changes.ts).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { chargeOrRefused, lastBilledHour } from './hour-charge';
import { hourIndexOf } from './model';
import type { Committed, DeploymentRuntime } from './runtime';
import { pause, resumeIfPaid, stopOfClosedAccount } from './status-changes';
import { accountStatusOf, listLiveDeployments, lockDeploymentById, type Trx } from './store';

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
  if ((await accountStatusOf(trx, deployment.accountId)) === 'closed') return stopOfClosedAccount(trx, deployment, nowMs);
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
