// The scopes a plan request is counted in, each with its own counters: the account (bounded by
// its plan), the account's use of one model (when the plan limits that model) and the key
// (when the admin gave it limits of its own). Every counter name carries the account id as a
// Redis hash tag, so all the keys of one admission live in one Redis Cluster slot.
import type { PlanConfig } from '../config';
import type { QuotaLimits } from './limits';
import { modelLimitsOf } from './plans';
import type { ScopeKeys } from './store';
import type { Windows } from './windows';

export interface QuotaScope {
  kind: 'account' | 'model' | 'key';
  /** For a model scope, its model. */
  model: string | null;
  /** The common start of the scope's counter names. */
  base: string;
  limits: QuotaLimits;
}

/** Who is asking: what the scopes are named after and bounded by. */
export interface QuotaSubject {
  accountId: string;
  keyId: string;
  /** The key's own limits (stricter than its plan), or null. */
  keyLimits: QuotaLimits | null;
}

/** The scopes one request for `model` is checked and counted in. */
export function requestScopes(prefix: string, subject: QuotaSubject, plan: PlanConfig, model: string): QuotaScope[] {
  const account = `${prefix}{${subject.accountId}}`;
  const scopes: QuotaScope[] = [{ kind: 'account', model: null, base: `${account}:a`, limits: plan }];
  const modelLimits = modelLimitsOf(plan, model);
  if (modelLimits) scopes.push(modelScope(account, model, modelLimits));
  if (subject.keyLimits) scopes.push({ kind: 'key', model: null, base: `${account}:k:${subject.keyId}`, limits: subject.keyLimits });
  return scopes;
}

/** Every scope the console shows for a key: its account's, each limited model's, its own. */
export function statusScopes(prefix: string, subject: QuotaSubject, plan: PlanConfig): QuotaScope[] {
  const account = `${prefix}{${subject.accountId}}`;
  const models = Object.entries(plan.modelLimits).map(([model, limits]) => modelScope(account, model, limits));
  const scopes: QuotaScope[] = [{ kind: 'account', model: null, base: `${account}:a`, limits: plan }, ...models];
  if (subject.keyLimits) scopes.push({ kind: 'key', model: null, base: `${account}:k:${subject.keyId}`, limits: subject.keyLimits });
  return scopes;
}

function modelScope(account: string, model: string, limits: QuotaLimits): QuotaScope {
  // Encoded: a model name may hold ':' or braces, which would blur the names or the hash tag.
  return { kind: 'model', model, base: `${account}:m:${encodeURIComponent(model)}`, limits };
}

/** The names of a scope's counters in the given windows. */
export function keysOf(scope: QuotaScope, windows: Windows): ScopeKeys {
  return {
    requests: `${scope.base}:r:${windows.minute}`,
    tokensMinute: `${scope.base}:tm:${windows.minute}`,
    tokensDay: `${scope.base}:td:${windows.day}`,
    tokensMonth: `${scope.base}:tM:${windows.month}`,
    inFlight: `${scope.base}:c`,
  };
}
