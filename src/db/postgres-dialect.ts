// kysely-postgres-js's dialect with one repair: when a transaction's connection dies (PostgreSQL
// restarted, pg_terminate_backend), Kysely's rollback fails too and then calls a private method
// that only Kysely's own pg connections have, so a TypeError ("connection[…] is not a function")
// replaced the real error and every such request answered 500. Here the rollback's own error (a
// closed connection, which the onError answers 503) goes up instead; Bun's client replaces a dead
// connection by itself.
import { CompiledQuery, type DatabaseConnection, type Driver } from 'kysely';
import { PostgresJSDialect, PostgresJSDriver, type PostgresJSDialectConfig } from 'kysely-postgres-js';

class RollbackSafeDriver extends PostgresJSDriver {
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }
}

export class RollbackSafePostgresDialect extends PostgresJSDialect {
  constructor(private readonly driverConfig: PostgresJSDialectConfig) {
    super(driverConfig);
  }

  override createDriver(): Driver {
    return new RollbackSafeDriver(this.driverConfig);
  }
}
