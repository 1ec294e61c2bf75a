// Credentials and headers of a fuzzed request: mostly the right token, sometimes a wrong,
// revoked, misspelt or oversized one; odd extra headers and content types.
import fc from 'fast-check';
import type { Auth } from './route-catalog';

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 40 });

export interface Credentials {
  adminToken: string;
  /** A credit-billed key of a funded account: the one the /v1 and /console cases spend. */
  apiKey: string;
  planKey: string;
  revokedKey: string;
  /** The webhook endpoint's signing secret, for POST /webhooks/stripe. */
  webhookSecret: string;
}

/**
 * How a webhook case signs its body: right (mostly, so that cases reach the inbox), or with
 * another secret, too long ago, not at all, or with a header that is not a signature.
 */
export type SignatureMode = { kind: 'valid' | 'stale' | 'wrong-secret' | 'none' } | { kind: 'raw'; header: string };

export const signatureArbitrary: fc.Arbitrary<SignatureMode> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'valid' as const }) },
  { weight: 1, arbitrary: fc.constantFrom({ kind: 'stale' as const }, { kind: 'wrong-secret' as const }, { kind: 'none' as const }) },
  { weight: 1, arbitrary: fc.oneof(printable, fc.constantFrom('t=1,v1=00', 't=,v1=', 'v1=abc', 't=99999999999,v0=00')).map((header) => ({ kind: 'raw' as const, header })) },
);


export function authorizationArbitrary(auth: Auth, credentials: Credentials): fc.Arbitrary<string | null> {
  const { adminToken, apiKey, planKey, revokedKey } = credentials;
  const right = auth === 'admin' ? adminToken : apiKey;
  const wrong = fc.constantFrom<string | null>(
    null, '', 'Bearer', 'Bearer ', `Bearer ${right}x`, `Bearer ${right.slice(0, -1)}`, `Basic ${btoa(`user:${right}`)}`,
    `Bearer ${auth === 'admin' ? apiKey : adminToken}`, `Bearer ${revokedKey}`, `Bearer ${right} ${right}`, `Token ${right}`,
    `bearer ${right}`, `Bearer   ${right}  `, `Bearer ip_${'0'.repeat(60)}`, `Bearer ${'x'.repeat(3000)}`,
  );
  const good = auth === 'apiKey' ? fc.oneof({ weight: 6, arbitrary: fc.constant(`Bearer ${apiKey}`) }, { weight: 1, arbitrary: fc.constant(`Bearer ${planKey}`) }) : fc.constant(`Bearer ${right}`);
  return fc.oneof(
    { weight: auth === 'none' ? 1 : 8, arbitrary: good },
    { weight: 2, arbitrary: wrong },
    { weight: 1, arbitrary: printable.map((value) => `Bearer ${value}`) },
  );
}

const ODD_HEADER_VALUES = ['', ' ', '-1', 'null', 'é', '\u00ff', 'x'.repeat(3000), 'a, b', '"quoted"', '../..', 'gzip', 'text/event-stream', '*/*'];
const HEADER_NAMES = ['x-request-id', 'idempotency-key', 'accept', 'content-encoding', 'x-forwarded-for', 'cookie', 'origin', 'x-api-key', 'openai-organization', 'x-stainless-retry-count'];

export const extraHeadersArbitrary: fc.Arbitrary<[string, string][]> = fc.array(
  fc.tuple(
    fc.oneof(fc.constantFrom(...HEADER_NAMES), fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/)),
    fc.oneof(fc.constantFrom(...ODD_HEADER_VALUES), printable),
  ),
  { maxLength: 3 },
);

export const contentTypeArbitrary: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 10, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      null, 'text/plain', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'APPLICATION/JSON', 'application/vnd.api+json',
      'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '', ';', 'application/json, text/plain', 'application/octet-stream', 'json',
    ),
  },
);
