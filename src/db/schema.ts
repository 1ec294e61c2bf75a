// The Database interface Kysely types every query with: one XTable per table, snake_case as in
// SQL. Services map rows to camelCase domain objects in one rowToX function per table.
import type { Generated } from 'kysely';

export interface AccountsTable {
  id: string;
  name: string;
  email: string | null;
  status: 'active' | 'suspended' | 'closed';
  plan: string | null;
  created_at_ms: bigint;
  updated_at_ms: bigint;
}

export interface ApiKeysTable {
  id: string;
  account_id: string;
  name: string | null;
  key_hash: string;
  prefix: string;
  billing: 'credits' | 'plan';
  models: string | null;
  expires_at_ms: bigint | null;
  revoked_at_ms: bigint | null;
  created_at_ms: bigint;
}

export interface SchemaMigrationsTable {
  version: bigint;
  name: string;
  applied_at_ms: bigint;
}

export interface Database {
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  schema_migrations: SchemaMigrationsTable;
}

export type { Generated };
