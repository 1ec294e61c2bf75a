// A PostgreSQL of the test's own, in a temporary directory on a free port (initdb as the postgres
// user, as scripts/lib/services.sh makes one): for tests that stop and restart the database under
// a running gateway. The machine's shared Postgres is never stopped.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis-server';

export interface OwnPostgres {
  url: string;
  /** pg_ctl stop -m fast: every connection is cut, the server goes away. */
  stopServer: () => Promise<void>;
  /** Starts it again on the same port and data directory. */
  startServer: () => Promise<void>;
  remove: () => Promise<void>;
}

/** The directory holding initdb and pg_ctl, or null when PostgreSQL's server is not installed. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) if (existsSync(join(root, version, 'bin', 'pg_ctl'))) return join(root, version, 'bin');
  return null;
}

export async function startOwnPostgres(binDir: string): Promise<OwnPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'inferport-own-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot && Bun.spawnSync(['chown', 'postgres:', dir]).exitCode !== 0) throw new Error('no postgres user to run initdb as');
  const port = freePort();
  const data = join(dir, 'data');
  await run(asRoot, [join(binDir, 'initdb'), '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const startServer = () => run(asRoot, [join(binDir, 'pg_ctl'), '-D', data, '-l', join(dir, 'postgres.log'), '-w', '-t', '30', '-o', options, 'start']);
  const stopServer = () => run(asRoot, [join(binDir, 'pg_ctl'), '-D', data, '-m', 'fast', '-w', 'stop']);
  await startServer();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stopServer,
    startServer,
    remove: async () => {
      await run(asRoot, [join(binDir, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop']).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** initdb refuses to run as root: as root, run it as the postgres user. */
async function run(asRoot: boolean, command: string[]): Promise<void> {
  const argv = asRoot ? ['runuser', '-u', 'postgres', '--', ...command] : command;
  const child = Bun.spawn(argv, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`${command.join(' ')} exited with ${code}:\n${out}${err}`);
}
