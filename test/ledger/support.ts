// Ledger test helpers: a migrated database and accounts to charge, without the HTTP layer.
import { openDatabase, type DbHandle } from '../../src/db';
import { migrate } from '../../src/db/migrate';
import * as accounts from '../../src/accounts/service';
import { createTestDatabase, type TestDatabase } from '../support/database';

export interface LedgerFixture {
  handle: DbHandle;
  database: TestDatabase;
  newAccount: () => Promise<string>;
  close: () => Promise<void>;
}

export async function createLedgerFixture(kind?: 'postgres' | 'sqlite'): Promise<LedgerFixture> {
  const database = await createTestDatabase(kind);
  const handle = openDatabase({ url: database.url, dataDir: database.dataDir, poolSize: 20 });
  await migrate(handle);
  return {
    handle,
    database,
    newAccount: async () => (await accounts.createAccount(handle.db, { name: 'ledger test', email: null, plan: null }, Date.now())).id,
    close: async () => {
      await handle.close();
      await database.drop();
    },
  };
}
