// Regression: the embedded database is private to the user inferport runs as. The data
// directory used to be created 0755 and the SQLite files 0644, so any local user could read the
// ledger and every key hash. (The embedded database is used whatever INFERPORT_TEST_DB says.)
import { afterAll, describe, expect, spyOn, test } from 'bun:test';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db';
import { migrate } from '../../src/db/migrate';

const scratch = mkdtempSync(join(tmpdir(), 'inferport-perms-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);
const SQLITE_FILES = ['inferport.sqlite', 'inferport.sqlite-wal', 'inferport.sqlite-shm'];

/** Opens the embedded database in `dataDir`, migrates it and returns the modes while it is open. */
async function openAndStat(dataDir: string): Promise<Record<string, string>> {
  const handle = openDatabase({ url: null, dataDir });
  try {
    await migrate(handle);
    const modes: Record<string, string> = { dataDir: modeOf(dataDir) };
    for (const name of SQLITE_FILES) modes[name] = modeOf(join(dataDir, name));
    return modes;
  } finally {
    await handle.close();
  }
}

describe('the embedded database files', () => {
  test('on a fresh data dir: the directory is 0700, the database, -wal and -shm files 0600', async () => {
    // The usual umask (022) is what made the files world-readable; make sure it is in force.
    const previous = process.umask(0o022);
    try {
      const modes = await openAndStat(join(scratch, 'fresh', 'data'));
      expect(modes).toEqual({ dataDir: '700', 'inferport.sqlite': '600', 'inferport.sqlite-wal': '600', 'inferport.sqlite-shm': '600' });
    } finally {
      process.umask(previous);
    }
  });

  test('files left world-readable by an older version are tightened to 0600', async () => {
    const dataDir = join(scratch, 'old-files');
    mkdirSync(dataDir, { mode: 0o700 });
    await openAndStat(dataDir);
    for (const name of SQLITE_FILES) {
      closeSync(openSync(join(dataDir, name), 'a'));
      chmodSync(join(dataDir, name), 0o644);
    }
    const modes = await openAndStat(dataDir);
    expect(modes).toEqual({ dataDir: '700', 'inferport.sqlite': '600', 'inferport.sqlite-wal': '600', 'inferport.sqlite-shm': '600' });
  });

  test('an existing data dir that others can enter is left alone, with a warning that names it', async () => {
    const dataDir = join(scratch, 'shared-dir');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    const warn = spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const modes = await openAndStat(dataDir);
      expect(modes).toEqual({ dataDir: '755', 'inferport.sqlite': '600', 'inferport.sqlite-wal': '600', 'inferport.sqlite-shm': '600' });
      const warnings = warn.mock.calls.map((call) => call.join(' '));
      expect(warnings.some((line) => line.includes(dataDir) && line.includes('chmod 700'))).toBe(true);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('install.sh', () => {
  test('the systemd unit it writes sets UMask=0077, so whatever the service creates is private', async () => {
    const unit = join(scratch, 'inferport.service');
    // Sourcing install.sh defines its functions only; as_root runs commands as they are and
    // systemctl is skipped, so this writes the unit to a scratch file and touches nothing else.
    const script = `source ./install.sh; as_root() { [ "$1" = systemctl ] || "$@"; }; UNIT_FILE='${unit}'; write_systemd_unit /var/lib/inferport >/dev/null`;
    const child = Bun.spawn(['bash', '-c', script], { cwd: join(import.meta.dir, '../..'), stdout: 'pipe', stderr: 'pipe' });
    const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const lines = (await Bun.file(unit).text()).split('\n');
    expect(lines).toContain('UMask=0077');
    expect(lines).toContain('ReadWritePaths=/var/lib/inferport');
  });
});
