// Deployments as the admin and console routes answer them: each with its billed hours and sum.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { deploymentJson, type Deployment } from './model';
import { billedOf } from './store';

export async function deploymentViews(db: Kysely<Database>, deployments: Deployment[]) {
  const billed = await billedOf(db, deployments.map((deployment) => deployment.id));
  return deployments.map((deployment) => deploymentJson(deployment, billed.get(deployment.id) ?? { hours: 0, chargedMicros: 0n }));
}

export async function deploymentView(db: Kysely<Database>, deployment: Deployment) {
  return (await deploymentViews(db, [deployment]))[0]!;
}
