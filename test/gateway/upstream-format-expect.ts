// What the upstream-format tests assert after a request: the error JSON a client got, and
// what the wallet paid, read back once the request is settled.
import { expect } from 'bun:test';
import { accountState, waitFor, type AccountState } from './account-state';
import { expectLedgerBalanced } from './support';
import type { FormatGateway } from './upstream-format-client';

/** OpenAI's error JSON: exactly message, type, param, code; the message is the upstream's. */
export async function expectOpenAIError(response: Response, status: number, message: string): Promise<void> {
  const text = await response.text();
  let body: { error?: unknown } = {};
  try {
    body = JSON.parse(text);
  } catch {
    // left empty: the comparison below shows the text
  }
  const error = (typeof body.error === 'object' && body.error !== null ? body.error : {}) as Record<string, unknown>;
  const kind = (value: unknown) => (value === null ? 'null' : typeof value);
  const nullOrString = expect.stringMatching(/^(null|string)$/);
  // One comparison of the whole shape, so a failure shows everything that differs (and the body).
  expect({ status: response.status, keys: Object.keys(body), errorKeys: Object.keys(error).sort(), message: error.message, type: kind(error.type), param: kind(error.param), code: kind(error.code), body: text })
    .toEqual({ status, keys: ['error'], errorKeys: ['code', 'message', 'param', 'type'], message, type: 'string', param: nullOrString, code: nullOrString, body: expect.any(String) });
}

/** The account once every hold is settled: a stream that ends in an error may be settled after
 * the client saw the error (only a clean end waits for the charge to commit). */
function settledState(gateway: FormatGateway, accountId: string, requests: number): Promise<AccountState> {
  const settled = (state: AccountState) =>
    state.usage.length >= requests && state.holds.length >= requests && state.holds.every((hold) => hold.status !== 'pending');
  return waitFor(() => accountState(gateway.fixture, accountId), settled);
}

/** Nothing was charged for any of `requests`: the wallet is whole, each hold voided, no charge entry. */
export async function expectNothingCharged(gateway: FormatGateway, accountId: string, startMicros: bigint, requests = 1): Promise<void> {
  const state = await settledState(gateway, accountId, requests);
  expect(state.chargesMicros).toEqual([]);
  expect(state.balanceMicros).toBe(startMicros);
  expect(state.reservedMicros).toBe(0n);
  expect(state.holds.map((hold) => hold.status)).toEqual(Array(requests).fill('voided'));
  expect(state.usage.map((row) => row.costMicros)).toEqual(Array(requests).fill(0n));
  expect(await expectLedgerBalanced(gateway.fixture)).toEqual([]);
}

/** Exactly one charge of `micros`, the hold posted for it, nothing left reserved. */
export async function expectChargedOnce(gateway: FormatGateway, accountId: string, startMicros: bigint, micros: bigint): Promise<void> {
  const state = await settledState(gateway, accountId, 1);
  expect(state.chargesMicros).toEqual([micros]);
  expect(state.balanceMicros).toBe(startMicros - micros);
  expect(state.reservedMicros).toBe(0n);
  expect(state.holds.map((hold) => [hold.status, hold.postedMicros])).toEqual([['posted', micros]]);
  expect(await expectLedgerBalanced(gateway.fixture)).toEqual([]);
}
