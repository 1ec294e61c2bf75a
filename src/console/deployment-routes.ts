// /console/deployments: the key's account's own deployments, and stopping one. Another account's
// deployment is a 404, as if it did not exist.
import { Elysia } from 'elysia';
import type { AppContext } from '../context';
import { deploymentIdParams, deploymentListSchema, deploymentSchema } from '../deployments/model';
import { getDeployment, listDeployments, stopDeployment } from '../deployments/service';
import { deploymentView, deploymentViews } from '../deployments/wire';
import { apiKeyAuth, API_KEY_SECURITY } from '../http/api-key-auth';
import { refuseHostileInput } from '../http/hostile-input';
import { PAGE_LIMIT_MAX } from '../http/paging';

export function consoleDeploymentRoutes(context: AppContext) {
  const { db, deployments, now } = context;
  const detail = (summary: string) => ({ summary, tags: ['console'], security: API_KEY_SECURITY });
  return new Elysia({ prefix: '/console/deployments' })
    .use(apiKeyAuth(context))
    .use(refuseHostileInput())
    .get('', async ({ apiKey }) => ({ object: 'list' as const, data: await deploymentViews(db, await listDeployments(db, apiKey.accountId, PAGE_LIMIT_MAX)) }), {
      response: deploymentListSchema,
      detail: detail("The key's account's deployments, newest first, with the hours charged"),
    })
    .get('/:id', async ({ apiKey, params }) => deploymentView(db, await getDeployment(db, params.id, apiKey.accountId)), {
      params: deploymentIdParams,
      response: deploymentSchema,
      detail: detail("One of the account's deployments"),
    })
    .post('/:id/stop', async ({ apiKey, params }) => deploymentView(db, await stopDeployment(db, deployments, params.id, apiKey.accountId, now())), {
      params: deploymentIdParams,
      response: deploymentSchema,
      detail: detail("Stop one of the account's deployments: nothing more is charged"),
    });
}
