// What the biller changes besides charging: a running deployment its wallet cannot pay is paused,
// a paused one its wallet pays again resumes, and a closed account's is stopped. Each runs in the
// biller's transaction under the deployment's row lock, records its alert there (style rule 11:
// delivered after the commit), and answers what should follow the commit.
import { recordAlert } from '../alerts/service';
import { formatMicros } from '../shared/money';
import type { Deployment } from './model';
import type { Committed } from './runtime';
import { setDeploymentStatus, type Trx } from './store';

/** `charged`: hours were charged in this transaction before the one that could not be paid. */
export async function pause(trx: Trx, deployment: Deployment, charged: boolean, nowMs: number): Promise<Committed> {
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

/** A paused deployment whose current hour was just paid runs again (the hours it was paused are never billed). */
export async function resume(trx: Trx, deployment: Deployment, nowMs: number): Promise<Committed> {
  await setDeploymentStatus(trx, deployment.id, 'running', { pausedAtMs: null }, nowMs);
  await recordAlert(
    trx,
    { accountId: deployment.accountId, kind: 'deployment_resumed', message: `Deployment ${deployment.id} (${deployment.model}) resumed: credit arrived and its hour of ${formatMicros(deployment.perHourMicros)} credits is paid.` },
    nowMs,
  );
  return { deployment: { ...deployment, status: 'running', pausedAtMs: null }, hook: 'start', charged: true, changed: true };
}

/** A closed account is never billed again: what it deployed is stopped (closing is final). */
export async function stopOfClosedAccount(trx: Trx, deployment: Deployment, nowMs: number): Promise<Committed> {
  await setDeploymentStatus(trx, deployment.id, 'stopped', { stoppedAtMs: nowMs }, nowMs);
  const hook = deployment.status === 'running' ? 'stop' : null; // a paused one's stop hook ran when it paused
  return { deployment: { ...deployment, status: 'stopped', stoppedAtMs: nowMs }, hook, charged: false, changed: true };
}
