// The thread that owns an embedded-database connection (see sqlite-driver.ts). As the writer it
// runs every statement, in the order they arrive, so a transaction's BEGIN IMMEDIATE … COMMIT and
// the commit's fsync happen here and the main event loop never waits on the disk. As the
// checkpointer it copies the WAL into the database in the background.
// Listed as an entry point of `bun run build`: the compiled binary bundles it on its own.
import type { Database as BunDatabase } from 'bun:sqlite';
import { startCheckpoints } from './sqlite-checkpoint';
import { openConnection, runBatch, runStatement } from './sqlite-connection';
import { decodeBatch, errorToData, type Reply, type Request, type StatementResult } from './sqlite-protocol';

declare const self: Worker;

let sqlite: BunDatabase | null = null;
let stopCheckpoints: (() => void) | null = null;
const NO_ROWS: StatementResult = { rows: [] };

self.onmessage = (event: MessageEvent<Request & { id: number }>) => {
  const { id, ...request } = event.data;
  let reply: Reply;
  try {
    reply = { id, ok: true, result: handle(request) };
  } catch (error) {
    reply = { id, ok: false, error: errorToData(error) };
  }
  self.postMessage(reply);
};

function handle(request: Request): StatementResult {
  switch (request.kind) {
    case 'query':
      if (!sqlite) throw new Error('the SQLite connection is not open');
      return runStatement(sqlite, request.sql, request.parameters);
    case 'batch':
      if (!sqlite) throw new Error('the SQLite connection is not open');
      return runBatch(sqlite, request.statements);
    case 'batchText':
      if (!sqlite) throw new Error('the SQLite connection is not open');
      return runBatch(sqlite, decodeBatch(request.text));
    case 'open':
      if (sqlite) throw new Error('the SQLite connection is already open');
      sqlite = openConnection(request.path, request.role);
      if (request.role === 'checkpointer') stopCheckpoints = startCheckpoints(sqlite, request.policy);
      return NO_ROWS;
    case 'close':
      stopCheckpoints?.();
      // The last connection to close copies the WAL in and removes it; an open transaction rolls back.
      sqlite?.close();
      sqlite = null;
      return NO_ROWS;
  }
}
