// A model its account has a deployment of (src/deployments) is served by that deployment alone:
// its upstream_url is the one upstream of the request, named by the deployment's id (so its
// usage records count the deployment's requests), and the request is paid by the deployment's
// hours: no reservation, no token charge, no plan quota. Read from the process's view of the
// live deployments: no query per request.
import type { UpstreamConfig } from '../config';
import type { AppContext } from '../context';
import { ApiError } from '../errors';
import type { AuthenticatedKey } from '../keys/auth';
import { checkKeyMayUse } from './access';

/** The deployment the request goes to, as its one upstream, or null; 402 while the deployment is paused. */
export function deploymentUpstream(context: AppContext, key: AuthenticatedKey, body: unknown): UpstreamConfig | null {
  const model = (body as { model?: unknown } | undefined)?.model;
  if (typeof model !== 'string') return null;
  const route = context.deployments.routes.find(key.accountId, model);
  if (route === null) return null;
  checkKeyMayUse(key, model);
  if (route.status === 'paused') {
    throw new ApiError(402, 'deployment_paused', `The deployment serving "${model}" for this account is paused: its wallet could not pay its hour. It resumes when credit is added.`, 'model');
  }
  return { name: route.deploymentId, url: route.upstreamUrl, models: [model], apiKeyEnv: null, apiKey: null, weight: 1 };
}

/** The models the key's account has live deployments of (paused ones too: they answer 402, not 404). */
export function deployedModels(context: AppContext, key: AuthenticatedKey): string[] {
  return context.deployments.routes.modelsOf(key.accountId);
}
