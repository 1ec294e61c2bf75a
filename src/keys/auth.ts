// Authenticates API keys on every request. Lookups are cached per process for `keyTtlMs`
// (default 2 s): a revocation or suspension made on another replica takes effect within that
// time, and one made on this replica at once (the admin routes clear the cache).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { ApiError } from '../errors';
import { bearerToken } from '../http/bearer';
import { modelsFromColumn, type AccountStatus } from '../accounts/service';
import { hashKey, KEY_PREFIX, rowToApiKey, type ApiKey } from './service';

export interface AuthenticatedKey extends ApiKey {
  accountStatus: AccountStatus;
  accountPlan: string | null;
  /** Models the admin allows this key's account (every key of it, either billing); null: no narrowing. */
  accountModels: string[] | null;
  /** The key or its member has a spend cap (src/teams): its credit requests take a spend hold first. */
  spendCapped: boolean;
}

interface CacheEntry {
  value: AuthenticatedKey | null;
  fetchedAtMs: number;
}

const CACHE_ENTRIES_MAX = 100_000;

export class KeyCache {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly loading = new Map<string, Promise<AuthenticatedKey | null>>();
  constructor(private readonly ttlMs: number) {}

  get(hash: string, nowMs: number): CacheEntry | undefined {
    const entry = this.entries.get(hash);
    if (entry && nowMs - entry.fetchedAtMs < this.ttlMs) return entry;
    return undefined;
  }

  set(hash: string, value: AuthenticatedKey | null, nowMs: number): void {
    // A flood of random keys must not grow memory without bound; dropping the cache is cheap.
    if (this.entries.size >= CACHE_ENTRIES_MAX) this.entries.clear();
    this.entries.set(hash, { value, fetchedAtMs: nowMs });
  }

  /**
   * Loads a key once however many requests miss at the same moment: when a busy key's entry
   * expires, every request in flight would otherwise query the database for it.
   */
  load(hash: string, nowMs: number, loader: () => Promise<AuthenticatedKey | null>): Promise<AuthenticatedKey | null> {
    let pending = this.loading.get(hash);
    if (!pending) {
      pending = loader().then(
        (value) => {
          this.set(hash, value, nowMs);
          this.loading.delete(hash);
          return value;
        },
        (error) => {
          this.loading.delete(hash);
          throw error;
        },
      );
      this.loading.set(hash, pending);
    }
    return pending;
  }

  clear(): void {
    this.entries.clear();
    this.loading.clear();
  }
}

/** Resolves the request's key or throws the 401/403 the client should see. */
export async function authenticateKey(
  db: Kysely<Database>,
  cache: KeyCache,
  authorization: string | null | undefined,
  nowMs: number,
): Promise<AuthenticatedKey> {
  const token = bearerToken(authorization);
  if (!token) {
    throw new ApiError(401, 'invalid_api_key', 'Missing API key: send "Authorization: Bearer ipk_…".');
  }
  if (!token.startsWith(KEY_PREFIX)) throw invalidKey();
  const hash = hashKey(token);
  const entry = cache.get(hash, nowMs);
  const key = entry ? entry.value : await cache.load(hash, nowMs, () => loadKey(db, hash));
  if (!key) throw invalidKey();
  if (key.revokedAtMs !== null) throw new ApiError(401, 'key_revoked', 'This API key has been revoked.');
  if (key.expiresAtMs !== null && key.expiresAtMs <= nowMs) {
    throw new ApiError(401, 'key_expired', 'This API key has expired.');
  }
  if (key.accountStatus === 'suspended') {
    throw new ApiError(403, 'account_suspended', 'This account is suspended.');
  }
  if (key.accountStatus === 'closed') throw new ApiError(403, 'account_closed', 'This account is closed.');
  return key;
}

async function loadKey(db: Kysely<Database>, hash: string): Promise<AuthenticatedKey | null> {
  const row = await db
    .selectFrom('api_keys')
    .innerJoin('accounts', 'accounts.id', 'api_keys.account_id')
    .selectAll('api_keys')
    .select(['accounts.status as account_status', 'accounts.plan as account_plan', 'accounts.models as account_models'])
    .select((eb) =>
      eb
        .exists(eb.selectFrom('spend_caps').select('spend_caps.subject_id').where((caps) => caps.or([caps('spend_caps.subject_id', '=', caps.ref('api_keys.id')), caps('spend_caps.subject_id', '=', caps.ref('api_keys.member_id'))])))
        .as('spend_capped'),
    )
    .where('api_keys.key_hash', '=', hash)
    .executeTakeFirst();
  if (!row) return null;
  return {
    ...rowToApiKey(row),
    accountStatus: row.account_status,
    accountPlan: row.account_plan,
    accountModels: modelsFromColumn(row.account_models),
    spendCapped: Boolean(row.spend_capped),
  };
}

function invalidKey(): ApiError {
  return new ApiError(401, 'invalid_api_key', 'Incorrect API key provided.');
}
