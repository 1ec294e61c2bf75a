// Acceptance (issue 14): `inferport backup` copies the embedded database while the server serves
// concurrent chat requests; `inferport restore` refuses a running server, an existing database
// (without --force) and a backup that fails the audit, and a restored backup audits clean.
// PostgreSQL: both commands print the pg_dump / pg_restore command to use and exit 0.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { Database as BunDatabase } from 'bun:sqlite';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { openDatabase } from '../../src/db';
import { auditLedger } from '../../src/ledger/audit';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { ADMIN_TOKEN, TEST_DB_KIND } from '../support/env';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { REPO_ROOT, startServerProcess, type ServerProcess } from '../support/server-process';
import { runInferport } from './cli';

setDefaultTimeout(60_000);

let database: TestDatabase;
let upstream: FakeUpstream;
let workDir: string;
let configPath: string;
let server: ServerProcess | undefined;

beforeAll(async () => {
  database = await createTestDatabase();
  upstream = startFakeUpstream();
  workDir = mkdtempSync(join(tmpdir(), 'inferport-backup-'));
  configPath = join(workDir, 'inferport.toml');
  await Bun.write(configPath, `[[upstreams]]\nname = "fake"\nurl = "${upstream.url}"\nmodels = ["fake-model"]\n`);
}, 30_000);
afterAll(async () => {
  await server?.stop();
  await upstream?.stop();
  await database?.drop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 30_000);

const envFor = (dataDir: string): Record<string, string> => ({
  INFERPORT_ADMIN_TOKEN: ADMIN_TOKEN,
  INFERPORT_DATA_DIR: dataDir,
  ...(database.url ? { DATABASE_URL: database.url } : {}),
});
const cli = (args: string[], dataDir = database.dataDir) => runInferport([...args, '--config', configPath], envFor(dataDir));

async function admin(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${server!.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Chat requests, `concurrency` at a time, until `stop` is set; returns how many completed. */
async function driveLoad(key: string, concurrency: number, stop: { now: boolean }): Promise<number> {
  const client = new OpenAI({ baseURL: `${server!.url}/v1`, apiKey: key, maxRetries: 0 });
  let completed = 0;
  const worker = async (index: number) => {
    while (!stop.now) {
      const stream = index % 2 === 0;
      if (stream) {
        const chunks = await client.chat.completions.create({ model: 'fake-model', stream: true, messages: [{ role: 'user', content: 'one two three' }] });
        for await (const _chunk of chunks) void _chunk;
      } else {
        await client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'one two three' }] });
      }
      completed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, index) => worker(index)));
  return completed;
}

function sqliteCount(path: string, table: string): number {
  const sqlite = new BunDatabase(path, { readonly: true });
  try {
    return Number((sqlite.query(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n);
  } finally {
    sqlite.close();
  }
}

describe.if(TEST_DB_KIND === 'postgres')('backup and restore on PostgreSQL', () => {
  test('print the pg_dump and pg_restore commands, without the password, and exit 0', async () => {
    const backup = await cli(['backup', join(workDir, 'dump.pgc')]);
    expect(backup).toMatchObject({ code: 0 });
    expect(backup.stdout).toContain(`pg_dump --format=custom --no-owner --file='${join(workDir, 'dump.pgc')}' "$DATABASE_URL"`);
    const restore = await cli(['restore', join(workDir, 'dump.pgc')]);
    expect(restore.code).toBe(0);
    expect(restore.stdout).toContain('pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL"');
    expect(backup.stdout + restore.stdout).not.toContain(database.url!);
    expect(existsSync(join(workDir, 'dump.pgc'))).toBe(false);
  });
});

describe.if(TEST_DB_KIND === 'sqlite')('backup and restore of the embedded database', () => {
  const backupPath = () => join(workDir, 'under-load.sqlite');
  let accountId: string;

  test('a backup taken under concurrent chat load is private, complete and audits clean', async () => {
    server = await startServerProcess(['bun', 'src/index.ts', 'serve', '--config', configPath], { cwd: REPO_ROOT, env: envFor(database.dataDir) });
    const account = await admin('POST', '/admin/accounts', { name: 'Loaded' });
    accountId = account.id;
    await admin('POST', `/admin/accounts/${accountId}/credits`, { amount: '1000', kind: 'paid' });
    const { key } = await admin('POST', `/admin/accounts/${accountId}/keys`, { billing: 'credits' });
    const stop = { now: false };
    const load = driveLoad(key, 8, stop);
    await Bun.sleep(300);
    const backup = await cli(['backup', backupPath()]);
    stop.now = true;
    const completed = await load;
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toContain('integrity checked and the ledger audited');
    expect(completed).toBeGreaterThan(20);
    expect(statSync(backupPath()).mode & 0o777).toBe(0o600);
    // The copy holds charged requests from the middle of the load, and no stray temporary file.
    expect(sqliteCount(backupPath(), 'usage_records')).toBeGreaterThan(0);
    expect(sqliteCount(backupPath(), 'ledger_entries')).toBeGreaterThan(2);
    expect((await Bun.$`ls -a ${workDir}`.text()).split('\n').filter((name) => name.includes('.backup-'))).toEqual([]);
    // A second backup never overwrites the first.
    const again = await cli(['backup', backupPath()]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('exists');
  });

  test('restore refuses while the server runs, and changes nothing', async () => {
    const before = readFileSync(join(database.dataDir, 'inferport.sqlite'));
    const refused = await cli(['restore', backupPath(), '--force']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('seems to be running');
    await server!.stop();
    server = undefined;
    expect(readFileSync(join(database.dataDir, 'inferport.sqlite')).length).toBeGreaterThanOrEqual(before.length);
  });

  test('a restored backup audits clean, by the command and by the ledger auditor', async () => {
    const restoredDir = join(workDir, 'restored');
    const restored = await cli(['restore', backupPath()], restoredDir);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    const restoredFile = join(restoredDir, 'inferport.sqlite');
    expect(statSync(restoredFile).mode & 0o777).toBe(0o600);
    expect(sqliteCount(restoredFile, 'ledger_entries')).toBe(sqliteCount(backupPath(), 'ledger_entries'));
    for (const args of [['audit', '--full'], ['audit']]) {
      const audit = await cli(args, restoredDir);
      expect({ args, code: audit.code, stderr: audit.stderr }).toEqual({ args, code: 0, stderr: '' });
      expect(audit.stdout).toContain('inferport audit: ok');
    }
    const handle = openDatabase({ url: null, dataDir: restoredDir, poolSize: 1 });
    try {
      expect((await auditLedger(handle.db)).problems).toEqual([]);
      const wallet = await handle.db.selectFrom('wallets').select('balance_micros').where('account_id', '=', accountId).executeTakeFirstOrThrow();
      expect(BigInt(wallet.balance_micros)).toBeLessThan(1_000_000_000n + 20_000_000n);
    } finally {
      await handle.close();
    }
  });

  test('restore refuses an existing database without --force, and keeps it aside with --force', async () => {
    const target = join(database.dataDir, 'inferport.sqlite');
    const refused = await cli(['restore', backupPath()]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--force');
    const forced = await cli(['restore', backupPath(), '--force']);
    expect(forced.code).toBe(0);
    const keptAs = /kept as (\S+)/.exec(forced.stdout)?.[1];
    expect(keptAs).toBeDefined();
    expect(existsSync(keptAs!)).toBe(true);
    expect(sqliteCount(target, 'ledger_entries')).toBe(sqliteCount(backupPath(), 'ledger_entries'));
    expect(existsSync(`${target}-wal`)).toBe(false);
  });

  test('a backup whose ledger does not balance is refused and the database is left alone', async () => {
    const tampered = join(workDir, 'tampered.sqlite');
    copyFileSync(backupPath(), tampered);
    const sqlite = new BunDatabase(tampered);
    sqlite.exec(`UPDATE wallets SET balance_micros = balance_micros + 1 WHERE account_id = '${accountId}'`);
    sqlite.close();
    const target = join(database.dataDir, 'inferport.sqlite');
    const before = readFileSync(target);
    const refused = await cli(['restore', tampered, '--force']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('fails the ledger audit');
    expect(refused.stderr).toContain(`wallet ${accountId} balance`);
    expect(readFileSync(target).equals(before)).toBe(true);
    const garbage = join(workDir, 'garbage.sqlite');
    await Bun.write(garbage, 'not a database at all');
    const garbageRun = await cli(['restore', garbage, '--force']);
    expect(garbageRun.code).toBe(1);
    expect(readFileSync(target).equals(before)).toBe(true);
  });
});
