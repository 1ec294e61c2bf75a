// The media routes: /v1/images/generations, /v1/audio/speech and /v1/audio/transcriptions
// behind the API-key plugin, and GET /media/:name, where stored images are fetched by their
// signed links (no key: the link is the credential, so a browser or a plain HTTP client can use it).
import { Elysia, t } from 'elysia';
import type { AppContext } from '../context';
import { ApiError, notFound } from '../errors';
import { poolOf } from '../upstreams/pool';
import { apiKeyAuth, API_KEY_SECURITY } from '../http/api-key-auth';
import { handleMedia, type MediaDeps } from './handler';
import { imagesJob } from './images';
import { speechJob } from './speech';
import { MEDIA_NAME, mediaStoreOf } from './store';
import { transcriptionJob } from './transcription';
import { CONTENT_TYPES } from './urls';

export function mediaRoutes(context: AppContext) {
  // The current config's upstreams, read per request: a reload (src/reload) swaps them.
  const deps: MediaDeps = { context, get upstreams() { return poolOf(context.config.upstreams); }, store: mediaStoreOf(context) };
  const detail = (summary: string, contentType: string) => ({
    summary,
    tags: ['openai'],
    security: API_KEY_SECURITY,
    requestBody: { required: true, content: { [contentType]: { schema: { type: 'object' as const } } } },
  });
  const now = () => context.now();
  return new Elysia({ prefix: '/v1' })
    .use(apiKeyAuth(context))
    .post('/images/generations', ({ body, request, apiKey }) => handleMedia(deps, apiKey, request, imagesJob(body, request, deps.store, now)), {
      detail: detail('Image generation, charged per image; response_format "url" answers links to copies stored by inferport', 'application/json'),
    })
    .post('/audio/speech', ({ body, request, apiKey }) => handleMedia(deps, apiKey, request, speechJob(body, context.config.media)), {
      detail: detail('Text to speech, charged per second of audio produced', 'application/json'),
    })
    .post('/audio/transcriptions', async ({ body, request, apiKey }) => handleMedia(deps, apiKey, request, await transcriptionJob(body, context.config.media)), {
      detail: detail('Speech to text (multipart upload), charged per second of input audio', 'multipart/form-data'),
    });
}

export function mediaFileRoutes(context: AppContext) {
  const store = mediaStoreOf(context);
  return new Elysia().get(
    '/media/:name',
    async ({ params, query }) => {
      const expires = Number(query.expires);
      if (!MEDIA_NAME.test(params.name) || !Number.isSafeInteger(expires) || typeof query.signature !== 'string') throw notFound('Media');
      if (!(await store.verify(params.name, expires, query.signature))) throw new ApiError(403, 'invalid_signature', 'The link\'s signature is not valid.', 'signature');
      if (expires * 1000 <= context.now()) throw new ApiError(403, 'link_expired', 'The link has expired.', 'expires');
      const bytes = await store.read(params.name);
      if (bytes === null) throw notFound('Media');
      const extension = params.name.slice(params.name.lastIndexOf('.') + 1);
      return new Response(bytes, { headers: { 'content-type': CONTENT_TYPES[extension] ?? 'application/octet-stream', 'cache-control': `private, max-age=${Math.max(0, expires - Math.floor(context.now() / 1000))}` } });
    },
    {
      query: t.Object({ expires: t.Optional(t.String()), signature: t.Optional(t.String()) }, { additionalProperties: true }),
      // Not in the document: a link target, reached through the URLs answers hand out (like the console's assets).
      detail: { hide: true },
    },
  );
}
