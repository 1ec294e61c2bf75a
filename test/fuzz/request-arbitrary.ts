// One fuzzed request for a route: path, query, headers and body, printable in a failure report
// as the request that caused it (a body is shown as an excerpt: it may be 600 KB of brackets).
import fc from 'fast-check';
import { bodyArbitrary, type FuzzBody } from './body-arbitrary';
import { authorizationArbitrary, contentTypeArbitrary, extraHeadersArbitrary, signatureArbitrary, type Credentials, type SignatureMode } from './request-headers';
import { pathSegmentArbitrary, queryArbitrary } from './request-url';
import type { FuzzRoute } from './route-catalog';

export interface FuzzRequest {
  method: string;
  /** Path and query string, as given to fetch. */
  target: string;
  headers: [string, string][];
  body: FuzzBody;
  /** For a Stripe-signed route: how run-case signs the body it sends (it needs the body's text). */
  signature: SignatureMode | null;
}

export interface Targets extends Credentials {
  /** Ids of records that exist, for path parameters, by the path segment before the parameter. */
  realIds: Record<string, string[]>;
  maxBodyBytes: number;
}

export function requestArbitrary(route: FuzzRoute, targets: Targets): fc.Arbitrary<FuzzRequest> {
  const segments = fc.tuple(...idsForParams(route.template, targets.realIds).map(pathSegmentArbitrary));
  return fc
    .record({
      segments,
      query: queryArbitrary(route.query),
      authorization: authorizationArbitrary(route.auth, targets),
      contentType: contentTypeArbitrary,
      extra: extraHeadersArbitrary,
      body: bodyArbitrary(route, targets.maxBodyBytes),
      signature: route.auth === 'stripeSignature' ? signatureArbitrary : fc.constant(null),
    })
    .map(({ segments: values, query, authorization, contentType, extra, body, signature }) => {
      let index = 0;
      const path = route.template.replace(/\{[^}]+\}/g, () => values[index++]!);
      const headers: [string, string][] = [...extra];
      if (authorization !== null) headers.push(['authorization', authorization]);
      if (body.kind !== 'none' && contentType !== null) headers.push(['content-type', contentType]);
      return withDescription({ method: route.method, target: path + query, headers, body, signature });
    });
}

/** For /admin/keys/{id} the key ids, for /admin/accounts/{id} the account ids; all of them elsewhere. */
function idsForParams(template: string, realIds: Record<string, string[]>): string[][] {
  return [...template.matchAll(/([^/]*)\/\{[^}]+\}/g)].map(([, before]) => realIds[before!] ?? Object.values(realIds).flat());
}

function withDescription(request: FuzzRequest): FuzzRequest {
  return Object.assign(request, { [fc.toStringMethod]: () => describeRequest(request) });
}

/** The request as a failure report shows it: method, path, headers, and the body's start and end. */
export function describeRequest(request: FuzzRequest): string {
  const headers = request.headers.map(([name, value]) => `${name}: ${value.length > 80 ? `${value.slice(0, 80)}…(${value.length} chars)` : value}`);
  let body = 'no body';
  if (request.body.kind === 'bytes') body = `bytes [${[...request.body.bytes].map((byte) => byte.toString(16)).join(' ')}]`;
  if (request.body.kind === 'text') {
    const { text, chunked } = request.body;
    const excerpt = text.length > 400 ? `${JSON.stringify(text.slice(0, 300))} … ${JSON.stringify(text.slice(-60))}` : JSON.stringify(text);
    body = `${text.length} chars${chunked ? ', chunked' : ''}: ${excerpt}`;
  }
  const signature = request.signature ? `\n  stripe-signature: ${request.signature.kind === 'raw' ? JSON.stringify(request.signature.header) : request.signature.kind}` : '';
  return `${request.method} ${request.target}\n  headers: ${headers.join(' | ') || 'none'}${signature}\n  body: ${body}`;
}
