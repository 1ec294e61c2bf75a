// Admin routes of teams: members of an account (add, list, remove), keys issued to a member, the
// spend caps of a member or a key, and the account's spend by member and by key.
import { Elysia, t } from 'elysia';
import * as accounts from '../accounts/service';
import { adminAuth, ADMIN_SECURITY } from '../admin/auth';
import type { AppContext } from '../context';
import { refuseHostileInput } from '../http/hostile-input';
import { apiKeyJson, createdApiKeySchema, createKeyBody } from '../keys/model';
import * as keys from '../keys/service';
import { parseReportDays } from '../usage/report-window';
import { addMemberBody, capsJson, capsSchema, memberJson, memberSchema, setCapsBody, spendReportJson, spendReportSchema } from './model';
import * as teams from './service';

const detail = (summary: string) => ({ summary, tags: ['admin: teams'], security: ADMIN_SECURITY });
const idParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) });
const memberParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }), memberId: t.String({ minLength: 1, maxLength: 64 }) });
const daysQuery = t.Object({ days: t.Optional(t.String({ description: '7, 14 or 30 (UTC days ending today); 7 when absent' })) });

export function adminTeamRoutes(context: AppContext) {
  const { db, keyCache, now } = context;
  return new Elysia({ prefix: '/admin' })
    .use(adminAuth(context))
    .use(refuseHostileInput())
    .post(
      '/accounts/:id/members',
      async ({ params, body, set }) => {
        accounts.assertNotClosed(await accounts.getAccount(db, params.id));
        set.status = 201;
        return memberJson(await teams.addMember(db, params.id, { name: body.name, email: body.email ?? null }, now()));
      },
      { params: idParams, body: addMemberBody, response: { 201: memberSchema }, detail: detail('Add a team member to an account (409 when the account is closed)') },
    )
    .get(
      '/accounts/:id/members',
      async ({ params }) => {
        await accounts.getAccount(db, params.id);
        return { object: 'list' as const, data: (await teams.listMembers(db, params.id)).map(memberJson) };
      },
      { params: idParams, response: t.Object({ object: t.Literal('list'), data: t.Array(memberSchema) }), detail: detail("List an account's team members, removed ones included (removed_at set)") },
    )
    .delete(
      '/accounts/:id/members/:memberId',
      async ({ params }) => {
        const removed = await teams.removeMember(db, params.id, params.memberId, now());
        keyCache.clear();
        return { ...memberJson(removed.member), revoked_keys: removed.revokedKeys };
      },
      {
        params: memberParams,
        response: t.Composite([memberSchema, t.Object({ revoked_keys: t.Integer({ description: 'Keys this call revoked' }) })]),
        detail: detail("Remove a team member: revokes every key issued to them (other replicas within cache.key_ttl_ms); their spend stays reported. Removing twice changes nothing."),
      },
    )
    .post(
      '/accounts/:id/members/:memberId/keys',
      async ({ params, body, set }) => {
        accounts.assertNotClosed(await accounts.getAccount(db, params.id));
        await teams.getActiveMember(db, params.id, params.memberId);
        const expiresAtMs = body.expires_at ? Date.parse(body.expires_at) : null;
        const created = await keys.createKey(db, params.id, { name: body.name ?? null, billing: body.billing, models: body.models ?? null, expiresAtMs, memberId: params.memberId }, now());
        set.status = 201;
        return { ...apiKeyJson(created.apiKey), key: created.key };
      },
      { params: memberParams, body: createKeyBody, response: { 201: createdApiKeySchema }, detail: detail('Issue an API key to a team member (409 when the member was removed or the account is closed)') },
    )
    .put(
      '/accounts/:id/members/:memberId/spend-caps',
      async ({ params, body }) => {
        const caps = await teams.setMemberCaps(db, params.id, params.memberId, teams.capsFromBody(body), now());
        keyCache.clear();
        return capsJson(params.memberId, caps);
      },
      { params: memberParams, body: setCapsBody, response: capsSchema, detail: detail("Replace a member's spend caps (credits per UTC day and month, over all their credit-billed keys); {} removes them") },
    )
    .get(
      '/accounts/:id/members/:memberId/spend-caps',
      async ({ params }) => {
        await teams.getMember(db, params.id, params.memberId);
        return capsJson(params.memberId, await teams.getCaps(db, params.memberId));
      },
      { params: memberParams, response: capsSchema, detail: detail("A member's spend caps") },
    )
    .put(
      '/keys/:id/spend-caps',
      async ({ params, body }) => {
        const caps = await teams.setKeyCaps(db, params.id, teams.capsFromBody(body), now());
        keyCache.clear();
        return capsJson(params.id, caps);
      },
      { params: idParams, body: setCapsBody, response: capsSchema, detail: detail("Replace a credit-billed key's spend caps (credits per UTC day and month); {} removes them. 400 for a plan-billed key.") },
    )
    .get(
      '/keys/:id/spend-caps',
      async ({ params }) => capsJson(params.id, await teams.getKeyCaps(db, params.id)),
      { params: idParams, response: capsSchema, detail: detail("A key's spend caps") },
    )
    .get(
      '/accounts/:id/team/spend',
      async ({ params, query }) => {
        const days = parseReportDays(query.days);
        await accounts.getAccount(db, params.id);
        return spendReportJson(await teams.buildSpendReport(db, params.id, days, now()));
      },
      { params: idParams, query: daysQuery, response: spendReportSchema, detail: detail("An account's spend by member and by key over the last 7, 14 or 30 UTC days, with today's and this month's against each cap") },
    );
}
