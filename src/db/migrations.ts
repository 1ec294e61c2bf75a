// Every migration, embedded in the binary at build time. A test checks that each file in
// sql/postgres and sql/sqlite is listed here, with the same numbers in both dialects.
import pg001 from '../../sql/postgres/001_accounts_and_keys.sql' with { type: 'text' };
import lite001 from '../../sql/sqlite/001_accounts_and_keys.sql' with { type: 'text' };

export interface Migration {
  version: number;
  name: string;
  postgres: string;
  sqlite: string;
}

export const MIGRATIONS: readonly Migration[] = Object.freeze([
  { version: 1, name: 'accounts_and_keys', postgres: pg001, sqlite: lite001 },
]);
