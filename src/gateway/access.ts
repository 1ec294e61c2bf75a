// Which keys may do what on /v1, beyond authentication: the models a key may use. Shared by the
// generation handler and the model routes. (A plan's own bounds are in plan-quota.ts.)
import { ApiError } from '../errors';
import type { AuthenticatedKey } from '../keys/auth';
import type { UpstreamPool } from '../upstreams/pool';

/** The models a key may use: those an upstream serves, narrowed by the key's own list and its account's. */
export function modelsForKey(upstreams: UpstreamPool, key: AuthenticatedKey): string[] {
  return mayUseOf(key, upstreams.models());
}

/** Those of `models` the key's own list and its account's allow. */
export function mayUseOf(key: AuthenticatedKey, models: readonly string[]): string[] {
  return models.filter((model) => mayUse(key.models, model) && mayUse(key.accountModels, model));
}

export function checkModel(upstreams: UpstreamPool, key: AuthenticatedKey, model: string): void {
  checkKeyMayUse(key, model);
  if (!upstreams.serves(model)) throw modelNotFound(model);
}

/** The key's own list and its account's allow the model (403 when not), whoever serves it. */
export function checkKeyMayUse(key: AuthenticatedKey, model: string): void {
  if (!mayUse(key.models, model)) {
    throw new ApiError(403, 'model_not_allowed', `This key may not use the model "${model}".`, 'model');
  }
  if (!mayUse(key.accountModels, model)) {
    throw new ApiError(403, 'model_not_allowed', `This account may not use the model "${model}".`, 'model');
  }
}

/** null is no list: every model. */
const mayUse = (allowed: string[] | null, model: string) => allowed === null || allowed.includes(model);

export function modelNotFound(model: string): ApiError {
  return new ApiError(404, 'model_not_found', `The model "${model}" does not exist or you do not have access to it.`, 'model');
}
