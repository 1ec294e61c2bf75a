// Property-based fuzzing of every route in the app's OpenAPI document: generated bodies, query
// strings, path parameters and headers (wrong types, huge and non-finite numbers, NUL and lone
// surrogates, deep nesting, missing and extra fields), mostly with the right credentials.
// Each case must get no 5xx, OpenAI error JSON on every 4xx, and change nothing when refused;
// a /v1 case must leave nothing reserved. After each route: the process answers, the ledger audits clean.
//
//   INFERPORT_FUZZ_RUNS=5000          cases per route (default 200)
//   INFERPORT_FUZZ_SEED=N             base seed (default fixed; each route derives its own)
//   INFERPORT_FUZZ_PATH=...           with the seed, replays one failure (printed on failure)
import { afterAll, describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import OpenAI from 'openai';
import { TEST_DB_KIND } from '../support/env';
import { createFuzzFixture } from './fixture';
import { expectHealthy } from './health-checks';
import { requestArbitrary, type FuzzRequest } from './request-arbitrary';
import { readRoutes, type FuzzRoute } from './route-catalog';
import { runCase } from './run-case';

const RUNS = Number(process.env.INFERPORT_FUZZ_RUNS ?? 200);
const BASE_SEED = Number(process.env.INFERPORT_FUZZ_SEED ?? 20_260_417);
const REPLAY_PATH = process.env.INFERPORT_FUZZ_PATH;
/** After the first failure, fast-check shrinks it for this long at most (a budget, not a check). */
const SHRINK_BUDGET_MS = 20_000;
const ROUTE_TIMEOUT_MS = 600_000;
/** With this many cases a route must have answered at least one of them with a success. */
const COVERAGE_RUNS_MIN = 100;

const fixture = await createFuzzFixture();
const routes = await readRoutes(fixture.testApp);
afterAll(() => fixture.close());

describe('fuzz', () => {
  test('the document lists the routes to fuzz', () => {
    expect(routes.length).toBeGreaterThan(10);
    expect(routes.map((route) => route.label)).toEqual(expect.arrayContaining(['POST /admin/accounts', 'POST /v1/chat/completions']));
  });

  for (const route of routes) test(route.label, () => fuzzRoute(route), ROUTE_TIMEOUT_MS);

  // OpenAI clients retrieve what they list (models.retrieve); a /v1 route missing from the app is
  // also missing from the document, so the fuzzing above would never reach it.
  test('every model GET /v1/models lists can be retrieved with the openai SDK', async () => {
    const client = new OpenAI({ baseURL: `${fixture.baseUrl}/v1`, apiKey: fixture.targets.apiKey, maxRetries: 0 });
    const listed = (await client.models.list()).data.map((model) => model.id);
    expect(listed.length).toBeGreaterThan(0);
    for (const id of listed) {
      const retrieved = await client.models.retrieve(id).catch((error: unknown) => ({ id: `failed: ${error}`, object: null }));
      expect({ id: retrieved.id, object: retrieved.object }).toEqual({ id, object: 'model' });
    }
  });
});

async function fuzzRoute(route: FuzzRoute): Promise<void> {
  await fixture.refreshTargets();
  const seed = routeSeed(route.label);
  // A failing case can be slow (100 000 levels of nesting took seconds to refuse), so shrinking
  // is bounded: once its time is spent every candidate counts as passing, and the report shows
  // the smallest failing request found by then.
  let firstFailureAtMs: number | null = null;
  let successes = 0;
  const check = async (request: FuzzRequest) => {
    if (firstFailureAtMs !== null && Date.now() - firstFailureAtMs > SHRINK_BUDGET_MS) return;
    try {
      const status = await runCase(fixture, route, request);
      if (status < 300) successes += 1;
    } catch (error) {
      firstFailureAtMs ??= Date.now();
      throw error;
    }
  };
  const details = await fc.check(
    fc.asyncProperty(requestArbitrary(route, fixture.targets), check),
    { numRuns: RUNS, seed, includeErrorInReport: true, ...(REPLAY_PATH ? { path: REPLAY_PATH } : {}) },
  );
  if (details.failed) {
    const replay = `INFERPORT_TEST_DB=${TEST_DB_KIND} INFERPORT_FUZZ_SEED=${BASE_SEED} INFERPORT_FUZZ_PATH='${details.counterexamplePath}' bun test test/fuzz -t '${route.label}$'`;
    throw new Error(`${route.label}: ${fc.defaultReportMessage(details)}\n\nReplay: ${replay}`);
  }
  // A fuzzer whose every request bounces off validation tests nothing behind it.
  if (RUNS >= COVERAGE_RUNS_MIN && !REPLAY_PATH && route.mayServe) expect({ route: route.label, successes: Math.min(successes, 1) }).toEqual({ route: route.label, successes: 1 });
  await expectHealthy(fixture);
}

/** Each route its own seed, derived from the base seed and the route, so one route replays alone. */
function routeSeed(label: string): number {
  let hash = BASE_SEED | 0;
  for (const char of label) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  return hash;
}
