// The deployment part of a usage report: what each deployment's billed hours cost in the window,
// how many requests it served (the rollups whose upstream is its id), and which of those still
// live served so few requests per billed hour that stopping them is worth suggesting.
import type { Kysely } from 'kysely';
import type { Database, DeploymentStatus } from '../db/schema';
import { readDeployments, type DailyRollup, type DeploymentDay } from './report-read';
import { inRange, type DayRange } from './report-window';

/** Below this many requests per billed hour (one per 10 minutes), a live deployment is underused. */
export const UNDERUSED_REQUESTS_PER_HOUR = 6n;

export interface DeploymentCost {
  id: string;
  model: string;
  instanceType: string;
  status: DeploymentStatus;
  hours: bigint;
  requests: bigint;
  costMicros: bigint;
}

export interface UnderusedDeployment {
  id: string;
  model: string;
  hours: bigint;
  requests: bigint;
  requestsPerHour: number;
  suggestion: string;
}

export async function deploymentFigures(db: Kysely<Database>, accountId: string, window: DayRange, rollups: DailyRollup[], deploymentDays: DeploymentDay[]) {
  const hours = new Map<string, { hours: bigint; costMicros: bigint }>();
  for (const row of deploymentDays) {
    if (!inRange(row.day, window)) continue;
    const sum = hours.get(row.deploymentId) ?? { hours: 0n, costMicros: 0n };
    hours.set(row.deploymentId, { hours: sum.hours + row.hours, costMicros: sum.costMicros + row.amountMicros });
  }
  const served = new Map<string, bigint>();
  for (const row of rollups) if (row.upstream !== '' && inRange(row.day, window)) served.set(row.upstream, (served.get(row.upstream) ?? 0n) + row.requests);
  // Upstream names that are no deployment of this account are dropped by the read.
  const deployments = await readDeployments(db, accountId, [...new Set([...hours.keys(), ...served.keys()])]);
  const byDeployment: DeploymentCost[] = deployments
    .map((deployment) => ({ ...deployment, ...(hours.get(deployment.id) ?? { hours: 0n, costMicros: 0n }), requests: served.get(deployment.id) ?? 0n }))
    .sort((a, b) => (a.costMicros !== b.costMicros ? (a.costMicros > b.costMicros ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { byDeployment, underused: underusedOf(byDeployment) };
}

/** Live deployments billed in the window that served fewer than UNDERUSED_REQUESTS_PER_HOUR per billed hour, idlest first. */
export function underusedOf(costs: readonly DeploymentCost[]): UnderusedDeployment[] {
  return costs
    .filter((cost) => cost.status !== 'stopped' && cost.hours > 0n && cost.requests < cost.hours * UNDERUSED_REQUESTS_PER_HOUR)
    .map((cost) => {
      const requestsPerHour = Number((cost.requests * 100n) / cost.hours) / 100;
      return {
        id: cost.id,
        model: cost.model,
        hours: cost.hours,
        requests: cost.requests,
        requestsPerHour,
        suggestion: `${cost.requests} requests in ${cost.hours} billed hours (${requestsPerHour} an hour): stop it while it is idle, or send ${cost.model} to the shared upstreams, billed per token.`,
      };
    })
    .sort((a, b) => a.requestsPerHour - b.requestsPerHour || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
