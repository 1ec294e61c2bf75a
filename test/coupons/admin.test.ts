// The admin side of coupons: create (code normalised, amounts and limits checked, a taken code
// refused), list by code with redemption counts and status, disable for good.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readJson } from '../support/app';
import { createCoupon, createCouponApp, moneySnapshot, type CouponApp } from './support';

// Set per file, as other slow files do: in a full run the export test was cut at Bun's 5 s
// default although test/setup.ts raises it.
setDefaultTimeout(60_000);

let fixture: CouponApp;
beforeAll(async () => {
  fixture = await createCouponApp();
});
afterAll(() => fixture.testApp.close());

describe('admin coupons', () => {
  test('a created coupon is answered and listed with its code in upper case', async () => {
    const { testApp, clock } = fixture;
    const expiresAt = new Date(clock.nowMs + 7 * 86_400_000).toISOString();
    const response = await testApp.admin('POST', '/admin/coupons', { code: 'spring_Sale-1', amount: '12.345678', max_redemptions: 50, expires_at: expiresAt, credit_expires_days: 30 });
    expect(response.status).toBe(201);
    const created = await readJson(response);
    expect(created).toEqual({
      object: 'coupon',
      code: 'SPRING_SALE-1',
      amount: '12.345678',
      max_redemptions: 50,
      redemptions: 0,
      status: 'active',
      expires_at: expiresAt,
      credit_expires_days: 30,
      disabled_at: null,
      created_at: new Date(clock.nowMs).toISOString(),
    });
    const listed = await readJson(await testApp.admin('GET', '/admin/coupons'));
    expect(listed.data).toContainEqual(created);
  });

  test('a taken code, in any case, is 409 coupon_exists and changes nothing', async () => {
    const { testApp } = fixture;
    await createCoupon(testApp, { code: 'TAKEN', amount: '1' });
    const before = await moneySnapshot(testApp);
    const response = await testApp.admin('POST', '/admin/coupons', { code: 'taken', amount: '2' });
    expect(response.status).toBe(409);
    expect((await readJson(response)).error).toMatchObject({ code: 'coupon_exists', param: 'code' });
    expect(await moneySnapshot(testApp)).toBe(before);
  });

  test('bad bodies are 400 naming the field and create nothing', async () => {
    const { testApp, clock } = fixture;
    const cases: [Record<string, unknown>, string][] = [
      [{ code: 'ab', amount: '1' }, 'code'],
      [{ code: 'has space', amount: '1' }, 'code'],
      [{ code: 'ıNVITE', amount: '1' }, 'code'],
      [{ code: 'x'.repeat(65), amount: '1' }, 'code'],
      [{ code: 'GOOD-CODE', amount: '0' }, 'amount'],
      [{ code: 'GOOD-CODE', amount: '-1' }, 'amount'],
      [{ code: 'GOOD-CODE', amount: '1.1234567' }, 'amount'],
      [{ code: 'GOOD-CODE', amount: 5 }, 'amount'],
      [{ code: 'GOOD-CODE', amount: '1000000001' }, 'amount'],
      [{ code: 'GOOD-CODE', amount: '1', max_redemptions: 0 }, 'max_redemptions'],
      [{ code: 'GOOD-CODE', amount: '1', max_redemptions: 1.5 }, 'max_redemptions'],
      [{ code: 'GOOD-CODE', amount: '1', credit_expires_days: 0 }, 'credit_expires_days'],
      [{ code: 'GOOD-CODE', amount: '1', credit_expires_days: 3651 }, 'credit_expires_days'],
      [{ code: 'GOOD-CODE', amount: '1', expires_at: new Date(clock.nowMs).toISOString() }, 'expires_at'],
      [{ code: 'GOOD-CODE', amount: '1', expires_at: 'tomorrow' }, 'expires_at'],
      [{ code: 'GOOD-CODE', amount: '1', extra: true }, 'extra'],
      [{ amount: '1' }, 'code'],
    ];
    for (const [body, param] of cases) {
      const before = await moneySnapshot(testApp);
      const response = await testApp.admin('POST', '/admin/coupons', body);
      const error = (await readJson(response)).error;
      expect({ body, status: response.status, code: error?.code, param: error?.param }).toEqual({ body, status: 400, code: 'invalid_request', param });
      expect(await moneySnapshot(testApp)).toBe(before);
    }
  });

  test('disabling is for good and idempotent; an unknown code is 404', async () => {
    const { testApp, clock } = fixture;
    await createCoupon(testApp, { code: 'OFF-SOON', amount: '1' });
    const first = await readJson(await testApp.admin('POST', '/admin/coupons/off-soon/disable'));
    expect(first).toMatchObject({ code: 'OFF-SOON', status: 'disabled', disabled_at: new Date(clock.nowMs).toISOString() });
    clock.nowMs += 1000;
    const again = await readJson(await testApp.admin('POST', '/admin/coupons/OFF-SOON/disable'));
    expect(again.disabled_at).toBe(first.disabled_at);
    const missing = await testApp.admin('POST', '/admin/coupons/NOPE-NOPE/disable');
    expect(missing.status).toBe(404);
    expect((await readJson(missing)).error.code).toBe('coupon_not_found');
  });

  test('the list pages by code and tells an expired coupon from an active one', async () => {
    const { testApp, clock } = fixture;
    await createCoupon(testApp, { code: 'PAGE-A', amount: '1', expires_at: new Date(clock.nowMs + 1000).toISOString() });
    await createCoupon(testApp, { code: 'PAGE-B', amount: '1' });
    clock.nowMs += 1000;
    const first = await readJson(await testApp.admin('GET', '/admin/coupons?after=PAGE&limit=1'));
    expect(first.data.map((coupon: any) => [coupon.code, coupon.status])).toEqual([['PAGE-A', 'expired']]);
    expect(first.has_more).toBe(true);
    const second = await readJson(await testApp.admin('GET', '/admin/coupons?after=page-a&limit=1'));
    expect(second.data.map((coupon: any) => [coupon.code, coupon.status])).toEqual([['PAGE-B', 'active']]);
    const bad = await testApp.admin('GET', '/admin/coupons?limit=0');
    expect(bad.status).toBe(400);
    expect((await readJson(bad)).error.param).toBe('limit');
  });

  test('the OpenAPI document lists the coupon routes and the statuses their refusals answer', async () => {
    const document = await readJson(await fixture.testApp.request('GET', '/swagger/json'));
    const statuses = (path: string, method: string) => Object.keys(document.paths[path][method].responses).map(Number);
    expect(statuses('/admin/coupons', 'post')).toEqual(expect.arrayContaining([201, 400, 401, 409]));
    expect(statuses('/admin/coupons', 'get')).toEqual(expect.arrayContaining([200, 400, 401]));
    expect(statuses('/admin/coupons/{code}/disable', 'post')).toEqual(expect.arrayContaining([200, 401, 404]));
    expect(statuses('/console/coupons/redeem', 'post')).toEqual(expect.arrayContaining([200, 400, 401, 404, 409, 410]));
    const codes = document.components.schemas.Error.properties.error.properties.code.anyOf.map((branch: { const: string }) => branch.const);
    expect(codes).toEqual(expect.arrayContaining(['coupon_not_found', 'coupon_exists', 'coupon_already_redeemed', 'coupon_used_up', 'coupon_expired', 'coupon_disabled']));
  });

  test('the admin routes need the admin token', async () => {
    const { testApp } = fixture;
    for (const [method, path] of [['POST', '/admin/coupons'], ['GET', '/admin/coupons'], ['POST', '/admin/coupons/X-Y-Z/disable']] as const) {
      const response = await testApp.request(method, path, { token: 'wrong', body: method === 'POST' ? { code: 'ABC', amount: '1' } : undefined });
      expect({ path, status: response.status }).toEqual({ path, status: 401 });
    }
  });
});
