// The OpenAI-compatible routes. Bodies arrive through the app's size-limited JSON parse hook and
// are validated by the handler only as far as billing needs; the rest passes through untouched.
import { Elysia, t } from 'elysia';
import type { AppContext } from '../context';
import type { AuthenticatedKey } from '../keys/auth';
import { apiKeyAuth, API_KEY_SECURITY } from '../http/api-key-auth';
import { mayUseOf, modelNotFound, modelsForKey } from './access';
import { deployedModels } from './deployment-route';
import type { GatewayDeps } from './flight';
import { handleGeneration } from './handler';
import { narrowToPlan } from './plan-quota';
import { poolOf } from '../upstreams/pool';

const openAiBody = t.Object({ model: t.String() }, { additionalProperties: true, description: 'An OpenAI request body; passed through to the upstream.' });

export function gatewayRoutes(context: AppContext) {
  // The pool of the current config's upstreams, read per request: a reload (src/reload) swaps it.
  const deps = (server: { timeout?: (request: Request, seconds: number) => void } | null): GatewayDeps => ({
    context,
    upstreams: poolOf(context.config.upstreams),
    disableIdleTimeout: (request) => server?.timeout?.(request, 0),
  });
  const detail = (summary: string) => ({ summary, tags: ['openai'], security: API_KEY_SECURITY });
  // Listing costs nothing: a plan key without a plan may list, and sees what its plan would allow.
  // The account's deployed models are listed whatever its plan: their requests bypass it.
  const listable = (key: AuthenticatedKey) => {
    const models = narrowToPlan(context, key, modelsForKey(poolOf(context.config.upstreams), key));
    const deployed = mayUseOf(key, deployedModels(context, key)).filter((model) => !models.includes(model));
    return deployed.length === 0 ? models : [...models, ...deployed];
  };
  return new Elysia({ prefix: '/v1' })
    .use(apiKeyAuth(context))
    .get('/models', ({ apiKey }) => ({ object: 'list' as const, data: listable(apiKey).map(modelObject) }), {
      detail: detail('The models this key may use'),
    })
    // Model ids such as "meta-llama/Llama-3.1-8B" hold slashes, which the SDKs escape as %2F but
    // curl users do not: `:model` is the documented route, an undocumented wildcard takes the rest.
    .get('/models/:model', ({ params, apiKey }) => retrieveModel(listable(apiKey), params.model), {
      detail: detail('One model this key may use (the SDKs\' models.retrieve)'),
    })
    .get('/models/*', ({ params, apiKey }) => retrieveModel(listable(apiKey), params['*']), { detail: { hide: true } })
    .post('/chat/completions', ({ body, request, server, apiKey }) => handleGeneration(deps(server), 'chat.completions', request, body, apiKey), {
      detail: { ...detail('Chat completion, streamed or not'), requestBody: jsonBody() },
    })
    .post('/completions', ({ body, request, server, apiKey }) => handleGeneration(deps(server), 'completions', request, body, apiKey), {
      detail: { ...detail('Text completion, streamed or not'), requestBody: jsonBody() },
    })
    .post('/embeddings', ({ body, request, server, apiKey }) => handleGeneration(deps(server), 'embeddings', request, body, apiKey), {
      detail: { ...detail('Embeddings'), requestBody: jsonBody() },
    });
}

function retrieveModel(listable: string[], rawId: string) {
  const id = decodeModelId(rawId);
  if (!listable.includes(id)) throw modelNotFound(id);
  return modelObject(id);
}

function modelObject(id: string) {
  return { id, object: 'model' as const, created: 0, owned_by: 'inferport' };
}

function decodeModelId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // a "%" that starts no escape is taken literally
  }
}

function jsonBody() {
  return { required: true, content: { 'application/json': { schema: openAiBody as object } } };
}
