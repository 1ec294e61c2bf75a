// The Swagger console, served wholly from files embedded in the binary: hosts are often
// air-gapped, and @elysiajs/swagger's Swagger UI mode loads its script and CSS from a CDN.
// @elysiajs/openapi renders the page and the OpenAPI document; we point its script and
// stylesheet at our own copies of swagger-ui-dist.
import { openapi } from '@elysiajs/openapi';
import { Elysia } from 'elysia';
import bundlePath from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'file' };
import cssPath from 'swagger-ui-dist/swagger-ui.css' with { type: 'file' };
import { notFound } from '../errors';
import { VERSION } from '../version';
import { withErrorResponses } from './error-responses';
import { ERROR_SCHEMA_NAME, errorSchemaJson } from './error-schema';

const ASSETS = {
  'swagger-ui-bundle.js': { path: bundlePath, type: 'text/javascript; charset=utf-8' },
  'swagger-ui.css': { path: cssPath, type: 'text/css; charset=utf-8' },
} as const;

const SPEC_PATH = '/swagger/json';

export function swaggerRoutes() {
  // The plugin builds the document from the routes (and caches it); each copy served gets the
  // error responses added. A local hook still reaches the plugin's route, which is mounted below it.
  const served = new WeakMap<object, object>();
  return new Elysia()
    .onAfterHandle({ as: 'local' }, ({ path, response }) => {
      if (path !== SPEC_PATH || typeof response !== 'object' || response === null) return;
      if (!served.has(response)) served.set(response, withErrorResponses(response as object));
      return served.get(response);
    })
    .use(
      openapi({
        path: '/swagger',
        provider: 'swagger-ui',
        // staticFile: the plugin leaves out every path with a dot by default, taking it for a
        // file; /console/ledger.csv and /console/usage.csv are routes like the others.
        exclude: { paths: [/^\/swagger/], staticFile: false },
        swagger: {
          cdn: '/swagger/assets/swagger-ui-bundle.js',
          theme: '/swagger/assets/swagger-ui.css',
          persistAuthorization: true,
          // Absolute, so the page also works when opened as /swagger/ (the plugin's default is
          // relative to the page).
          ...({ url: SPEC_PATH } as object),
        },
        documentation: {
          info: {
            title: 'inferport',
            version: VERSION,
            description:
              'Self-hosted AI gateway: OpenAI-compatible routes, plan quotas and a prepaid credit ledger. ' +
              'Admin routes take the admin token; /v1 and /console routes take an account API key (ipk_…).',
          },
          components: {
            securitySchemes: {
              adminBearer: { type: 'http', scheme: 'bearer', description: 'INFERPORT_ADMIN_TOKEN' },
              apiKeyBearer: { type: 'http', scheme: 'bearer', description: 'An account API key, ipk_…' },
              stripeSignature: {
                type: 'apiKey',
                in: 'header',
                name: 'Stripe-Signature',
                description: "Stripe's signature of the body, made with the webhook endpoint's signing secret (STRIPE_WEBHOOK_SECRET)",
              },
            },
            schemas: { [ERROR_SCHEMA_NAME]: errorSchemaJson() },
          },
        },
      }),
    )
    .get(
      '/swagger/assets/:file',
      ({ params, set }) => {
        const asset = ASSETS[params.file as keyof typeof ASSETS];
        if (!asset) throw notFound(`console asset ${params.file}`, 'file');
        set.headers['content-type'] = asset.type;
        set.headers['cache-control'] = 'public, max-age=86400';
        return Bun.file(asset.path);
      },
      { detail: { hide: true } },
    );
}
