// The OpenAI-compatible routes. Bodies arrive through the app's size-limited JSON parse hook and
// are validated by the handler only as far as billing needs; the rest passes through untouched.
import { Elysia, t } from 'elysia';
import type { AppContext } from '../context';
import { authenticateKey } from '../keys/auth';
import { handleGeneration, type GatewayDeps } from './handler';
import { UpstreamPool } from './upstreams';

const SECURITY = [{ apiKeyBearer: [] as string[] }];
const openAiBody = t.Object({ model: t.String() }, { additionalProperties: true, description: 'An OpenAI request body; passed through to the upstream.' });

export function gatewayRoutes(context: AppContext) {
  const upstreams = new UpstreamPool(context.config.upstreams);
  const deps = (server: { timeout?: (request: Request, seconds: number) => void } | null): GatewayDeps => ({
    context,
    upstreams,
    disableIdleTimeout: (request) => server?.timeout?.(request, 0),
  });
  const detail = (summary: string) => ({ summary, tags: ['openai'], security: SECURITY });
  return new Elysia({ prefix: '/v1' })
    .get(
      '/models',
      async ({ request }) => {
        const key = await authenticateKey(context.db, context.keyCache, request.headers.get('authorization'), context.now());
        const models = upstreams.models().filter((model) => !key.models || key.models.includes(model));
        return { object: 'list' as const, data: models.map((id) => ({ id, object: 'model' as const, created: 0, owned_by: 'inferport' })) };
      },
      { detail: detail('The models this key may use') },
    )
    .post('/chat/completions', ({ body, request, server }) => handleGeneration(deps(server), 'chat.completions', request, body), {
      detail: { ...detail('Chat completion, streamed or not'), requestBody: jsonBody() },
    })
    .post('/completions', ({ body, request, server }) => handleGeneration(deps(server), 'completions', request, body), {
      detail: { ...detail('Text completion, streamed or not'), requestBody: jsonBody() },
    })
    .post('/embeddings', ({ body, request, server }) => handleGeneration(deps(server), 'embeddings', request, body), {
      detail: { ...detail('Embeddings'), requestBody: jsonBody() },
    });
}

function jsonBody() {
  return { required: true, content: { 'application/json': { schema: openAiBody as object } } };
}
