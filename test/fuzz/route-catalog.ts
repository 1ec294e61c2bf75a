// The routes to fuzz, read from the app's own OpenAPI document (GET /swagger/json), so a route
// added tomorrow is fuzzed without touching this test. Where the document leaves a request
// body's schema out (admin routes are documented with empty `content` today), the schema is
// taken from the route's own validator in the running app, which is what the document should show.
import type { TestApp } from '../support/app';
import type { JsonSchema } from './schema-values';

/** stripeSignature: a Stripe-Signature header over the body (POST /webhooks/stripe). */
export type Auth = 'admin' | 'apiKey' | 'stripeSignature' | 'none';

export interface QueryParam {
  name: string;
  schema: JsonSchema;
}

export interface FuzzRoute {
  method: string;
  /** The document's path, e.g. /admin/accounts/{id}. */
  template: string;
  pathParams: string[];
  query: QueryParam[];
  /** The JSON body's schema, or null for routes that take no body. */
  body: JsonSchema | null;
  auth: Auth;
  /** False for a route whose body is documented as multipart only (an upload): JSON cases cannot succeed there. */
  mayServe: boolean;
  /** `${method} ${template}`: the test's name and the replay filter. */
  label: string;
}

interface Operation {
  parameters?: { name: string; in: string; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  security?: Record<string, string[]>[];
}

export async function readRoutes(testApp: TestApp): Promise<FuzzRoute[]> {
  const response = await testApp.request('GET', '/swagger/json');
  if (response.status !== 200) throw new Error(`/swagger/json answered ${response.status}`);
  const document = (await response.json()) as { paths: Record<string, Record<string, Operation>> };
  const routes: FuzzRoute[] = [];
  for (const [rawPath, item] of Object.entries(document.paths)) {
    const template = rawPath.replace(/(.)\/$/, '$1');
    for (const [method, operation] of Object.entries(item)) {
      const upper = method.toUpperCase();
      const parameters = operation.parameters ?? [];
      routes.push({
        method: upper,
        template,
        pathParams: [...template.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!),
        query: parameters.filter((parameter) => parameter.in === 'query').map((parameter) => ({ name: parameter.name, schema: parameter.schema ?? {} })),
        body: operation.requestBody ? documentedBody(operation) ?? validatorBody(testApp, upper, template) ?? {} : null,
        auth: authOf(operation),
        mayServe: !uploadOnly(operation),
        label: `${upper} ${template}`,
      });
    }
  }
  return routes;
}

function uploadOnly(operation: Operation): boolean {
  const types = Object.keys(operation.requestBody?.content ?? {});
  return types.length > 0 && types.every((type) => type === 'multipart/form-data');
}

function documentedBody(operation: Operation): JsonSchema | null {
  const content = operation.requestBody?.content ?? {};
  return content['application/json']?.schema ?? null;
}

/** The TypeBox schema the route validates its body with (TypeBox schemas are JSON schemas). */
function validatorBody(testApp: TestApp, method: string, template: string): JsonSchema | null {
  const elysiaPath = template.replace(/\{([^}]+)\}/g, ':$1');
  const routes = (testApp.app as unknown as { routes: { method: string; path: string; hooks?: { body?: JsonSchema } }[] }).routes;
  const route = routes.find((candidate) => candidate.method === method && candidate.path.replace(/(.)\/$/, '$1') === elysiaPath);
  return route?.hooks?.body ?? null;
}

function authOf(operation: Operation): Auth {
  const schemes = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement));
  if (schemes.includes('adminBearer')) return 'admin';
  if (schemes.includes('stripeSignature')) return 'stripeSignature';
  if (schemes.length > 0) return 'apiKey';
  return 'none';
}
