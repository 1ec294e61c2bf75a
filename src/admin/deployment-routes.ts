// /admin/deployments: start a deployment for an account (its first clock hour charged at once),
// list and read them, stop one. The biller charges the following hours (src/deployments).
import { Elysia, t } from 'elysia';
import type { AppContext } from '../context';
import { deploymentIdParams, deploymentListSchema, deploymentSchema, startDeploymentBody } from '../deployments/model';
import { getDeployment, listDeployments, startDeployment, stopDeployment } from '../deployments/service';
import { deploymentView, deploymentViews } from '../deployments/wire';
import { badRequest } from '../errors';
import { refuseHostileInput } from '../http/hostile-input';
import { refusedTargetReason } from '../shared/outbound-target';
import { pageLimitQuery, readPageLimit } from '../http/paging';
import { adminAuth, ADMIN_SECURITY } from './auth';

export function adminDeploymentRoutes(context: AppContext) {
  const { db, config, deployments, now } = context;
  const detail = (summary: string) => ({ summary, tags: ['admin: deployments'], security: ADMIN_SECURITY });
  return new Elysia({ prefix: '/admin/deployments' })
    .use(adminAuth(context))
    .use(refuseHostileInput())
    .post(
      '',
      async ({ body, set }) => {
        const input = { accountId: body.account_id, model: body.model, instanceType: body.instance_type, upstreamUrl: body.upstream_url };
        await refusePrivateUpstream(body.upstream_url, config.deployments.allowPrivateTargets);
        const deployment = await startDeployment(db, deployments, input, now());
        set.status = 201;
        return deploymentView(db, deployment);
      },
      {
        body: startDeploymentBody,
        response: { 201: deploymentSchema },
        detail: detail(
          "Start a deployment: the account's requests for the model go to upstream_url, not token-billed; its first clock hour is charged now " +
            '(402 insufficient_credits when the wallet cannot pay), then each hour (409 when the account has a live deployment of the model)',
        ),
      },
    )
    .get(
      '',
      async ({ query }) => ({ object: 'list' as const, data: await deploymentViews(db, await listDeployments(db, query.account_id ?? null, readPageLimit(query.limit))) }),
      {
        query: t.Object({ account_id: t.Optional(t.String({ minLength: 1, maxLength: 64 })), limit: pageLimitQuery }),
        response: deploymentListSchema,
        detail: detail('Deployments, newest first (of one account with account_id)'),
      },
    )
    .get('/:id', async ({ params }) => deploymentView(db, await getDeployment(db, params.id)), {
      params: deploymentIdParams,
      response: deploymentSchema,
      detail: detail('One deployment'),
    })
    .post('/:id/stop', async ({ params }) => deploymentView(db, await stopDeployment(db, deployments, params.id, null, now())), {
      params: deploymentIdParams,
      response: deploymentSchema,
      detail: detail('Stop a deployment: nothing more is charged, its route is gone, the stop hook runs (stopping it again changes nothing)'),
    });
}

/**
 * The gateway sends an account's requests to its deployment's upstream_url: the same guard as
 * alert webhooks, checked when the URL is given ([deployments] allow_private_targets lifts it).
 * A URL that does not parse is left to the service's own 400.
 */
async function refusePrivateUpstream(text: string, allowPrivateTargets: boolean): Promise<void> {
  if (allowPrivateTargets || !URL.canParse(text)) return;
  const reason = await refusedTargetReason(new URL(text));
  if (reason) throw badRequest(`upstream_url must not point to a loopback, link-local or private address unless [deployments] allow_private_targets is set: ${reason}`, 'upstream_url');
}
