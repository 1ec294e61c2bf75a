// install.sh's parts that cannot run for real on a test machine, run for real against fakes:
// sourcing the script defines its functions only, and PATH holds the tools it needs plus fake
// apt-get, redis-server, pg_ctlcluster, runuser… that write down how they were called. So the
// test sees which Debian packages it installs (only those asked for, and only when missing),
// what it runs to create the PostgreSQL role, and the systemd unit it writes.
import { afterAll, describe, expect, test } from 'bun:test';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, REPO_ROOT } from '../support/server-process';

const scratch = mkdtempSync(join(tmpdir(), 'inferport-script-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const REAL_TOOLS = ['cp', 'cut', 'touch', 'env', 'id', 'cat', 'sed', 'awk', 'grep', 'tail', 'tee', 'mkdir', 'chmod', 'mv', 'rm', 'dirname', 'od', 'tr', 'openssl', 'sleep', 'install', 'readlink'];

interface Sandbox {
  prefix: string;
  bin: string;
  log: string;
  /** Adds a fake command that logs "name args" and then runs `body`. */
  fake: (name: string, body?: string) => void;
  /** A fake apt-get: `apt-get install P` adds the fakes `packages[P]` names (name → body) to PATH. */
  fakeAptGet: (packages: Record<string, Record<string, string>>) => void;
  /** Runs `script` after sourcing install.sh with paths under the prefix; as_root runs commands as they are. */
  run: (script: string) => Promise<{ code: number; stdout: string; stderr: string }>;
  calls: () => string[];
}

function sandbox(): Sandbox {
  const dir = mkdtempSync(join(scratch, 'box-'));
  const bin = join(dir, 'bin');
  const log = join(dir, 'calls.log');
  const prefix = join(dir, 'prefix');
  mkdirSync(bin);
  // Copies, not symlinks: nothing the sandbox writes can reach the machine's own tools.
  for (const tool of REAL_TOOLS) {
    const path = Bun.which(tool);
    if (path) copyFileSync(path, join(bin, tool));
  }
  const fakeScript = (name: string, body: string) => `#!/bin/bash\necho "${name} $*" >> '${log}'\n${body}\n`;
  const fake = (name: string, body = 'exit 0') => {
    rmSync(join(bin, name), { force: true });
    writeFileSync(join(bin, name), fakeScript(name, body), { mode: 0o755 });
  };
  const fakeAptGet = (packages: Record<string, Record<string, string>>) => {
    const staged = join(dir, 'staged');
    const installs: string[] = [];
    for (const [pkg, commands] of Object.entries(packages)) {
      mkdirSync(join(staged, pkg), { recursive: true });
      for (const [name, body] of Object.entries(commands)) writeFileSync(join(staged, pkg, name), fakeScript(name, body), { mode: 0o755 });
      installs.push(`[[ " $* " == *" ${pkg} "* ]] && cp --remove-destination '${join(staged, pkg)}'/* '${bin}'/`);
    }
    fake('apt-get', `if [ "$1" = install ]; then\n${installs.join('\n')}\nfi\nexit 0`);
  };
  // Spawned, not spawnSync: a test may serve /healthz from this process meanwhile.
  const run = async (script: string) => {
    const full = `source ./install.sh; as_root() { "$@"; }; set_paths '${prefix}'; mkdir -p "$CONFIG_DIR"; ${script}`;
    const child = Bun.spawn([Bun.which('bash')!, '-c', full], { cwd: REPO_ROOT, env: cleanEnv({ PATH: bin }), stdout: 'pipe', stderr: 'pipe' });
    const [code, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
    return { code, stdout, stderr };
  };
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trimEnd().split('\n') : []);
  return { prefix, bin, log, fake, fakeAptGet, run, calls };
}

describe('install.sh --redis', () => {
  test('local, with no redis-server here: installs the package, starts it, and points REDIS_URL at it', async () => {
    const box = sandbox();
    box.fakeAptGet({ 'redis-server': { 'redis-server': 'exit 0', 'redis-cli': 'exit 1' } });
    const result = await box.run('configure_redis local; read_env_value REDIS_URL');
    expect({ code: result.code, stderr: result.stderr.includes('installing Debian packages: redis-server') }).toEqual({ code: 0, stderr: true });
    expect(result.stdout.trim().split('\n')).toEqual(['local', 'redis://127.0.0.1:6379']);
    expect(box.calls()).toEqual([
      'apt-get update -qq',
      'apt-get install -y -qq redis-server',
      'redis-cli -h 127.0.0.1 ping',
      'redis-server --bind 127.0.0.1 --port 6379 --daemonize yes',
    ]);
  });

  test('local, with a Redis already answering: installs and starts nothing', async () => {
    const box = sandbox();
    box.fakeAptGet({});
    box.fake('redis-server');
    box.fake('redis-cli', 'echo PONG');
    const result = await box.run('configure_redis local >/dev/null; read_env_value REDIS_URL');
    expect(result.stdout.trim()).toBe('redis://127.0.0.1:6379');
    expect(box.calls()).toEqual(['redis-cli -h 127.0.0.1 ping']);
  });

  test('none and a URL install nothing; none removes REDIS_URL, a run without the flag keeps it', async () => {
    const box = sandbox();
    box.fakeAptGet({});
    const result = await box.run(`
      configure_redis redis://cache:6379/2 >/dev/null; write_state embedded url background; echo "url: $(read_env_value REDIS_URL)"
      echo "kept: $(configure_redis '') $(read_env_value REDIS_URL)"
      configure_redis none >/dev/null; echo "none: [$(read_env_value REDIS_URL)]"`);
    expect(result.stdout.trim().split('\n')).toEqual(['url: redis://cache:6379/2', 'kept: url redis://cache:6379/2', 'none: []']);
    expect(box.calls()).toEqual([]);
  });
});

describe('install.sh --database', () => {
  function postgresBox(): Sandbox {
    const box = sandbox();
    box.fakeAptGet({ postgresql: { pg_ctlcluster: 'exit 0', pg_lsclusters: 'echo 16 main 5432 down postgres' } });
    // runuser -u postgres -- CMD…: pg_isready answers; psql's script is logged after its arguments.
    box.fake('runuser', `if [ "$4" = psql ]; then sed 's/^/  | /' >> '${box.log}'; fi`);
    return box;
  }

  test('local-postgres, with no PostgreSQL here: installs it, starts its cluster, creates role and database once', async () => {
    const box = postgresBox();
    const result = await box.run('configure_database local-postgres; url1="$(read_env_value DATABASE_URL)"; echo "$url1"; configure_database local-postgres >/dev/null; [ "$(read_env_value DATABASE_URL)" = "$url1" ] && echo same');
    expect(result.code).toBe(0);
    const [mode, url, same] = result.stdout.trim().split('\n');
    expect(mode).toBe('local-postgres');
    expect(url).toMatch(/^postgres:\/\/inferport:[0-9a-f]{64}@127\.0\.0\.1:5432\/inferport$/);
    expect(same).toBe('same'); // the second run kept the password it had set
    const password = /inferport:([0-9a-f]{64})@/.exec(url!)![1]!;
    const calls = box.calls();
    expect(calls.filter((call) => call.startsWith('apt-get install'))).toEqual(['apt-get install -y -qq postgresql']);
    expect(calls).toContain('pg_ctlcluster 16 main start');
    expect(calls).toContain('runuser -u postgres -- pg_isready -q -h 127.0.0.1');
    expect(calls.filter((call) => call.startsWith('runuser -u postgres -- psql'))).toEqual(['runuser -u postgres -- psql -q -v ON_ERROR_STOP=1', 'runuser -u postgres -- psql -q -v ON_ERROR_STOP=1']);
    expect(calls.filter((call) => call === `  | \\set password ${password}`)).toHaveLength(2);
    expect(calls.filter((call) => call.includes('CREATE ROLE inferport LOGIN PASSWORD'))).toHaveLength(2);
    expect(calls.some((call) => call.includes("CREATE DATABASE inferport OWNER inferport' WHERE NOT EXISTS"))).toBe(true);
  });

  test('embedded and a URL install nothing; embedded removes DATABASE_URL', async () => {
    const box = postgresBox();
    const result = await box.run('configure_database postgres://db:5432/x >/dev/null; echo "$(read_env_value DATABASE_URL)"; configure_database embedded >/dev/null; echo "[$(read_env_value DATABASE_URL)]"');
    expect(result.stdout.trim().split('\n')).toEqual(['postgres://db:5432/x', '[]']);
    expect(box.calls()).toEqual([]);
  });

  test('a bad --database, --redis, --port or a lone --purge is refused before anything is written', () => {
    for (const [args, message] of [
      [['--database', 'sqlite'], '--database takes embedded, local-postgres or a postgres:// URL, not: sqlite'],
      [['--redis', 'yes'], '--redis takes none, local or a redis:// URL, not: yes'],
      [['--port', '70000'], '--port takes 1-65535, not: 70000'],
      [['--purge'], '--purge goes with --uninstall'],
    ] as const) {
      const box = sandbox();
      const result = Bun.spawnSync(['bash', 'install.sh', '--prefix', box.prefix, ...args], { cwd: REPO_ROOT, env: cleanEnv({}), stdout: 'pipe', stderr: 'pipe' });
      expect({ code: result.exitCode, stderr: result.stderr.toString().trim(), created: existsSync(box.prefix) }).toEqual({ code: 1, stderr: `install.sh: ${message}`, created: false });
    }
  });
});

describe('install.sh runs', () => {
  test('a second run while one is under way for the same installation stops at once, touching nothing', async () => {
    const box = sandbox();
    const lock = join(box.prefix, 'etc/inferport/install.lock');
    mkdirSync(join(box.prefix, 'etc/inferport'), { recursive: true });
    const holder = Bun.spawn(['flock', lock, 'sleep', '30'], { stdout: 'ignore', stderr: 'ignore' });
    try {
      while (!existsSync(lock)) await Bun.sleep(10);
      await Bun.sleep(100); // flock creates the file before it takes the lock
      const child = Bun.spawn(['bash', 'install.sh', '--prefix', box.prefix, '--no-start'], { cwd: REPO_ROOT, env: cleanEnv({ INFERPORT_BINARY: '/bin/true' }), stdout: 'pipe', stderr: 'pipe' });
      const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
      expect({ code, stderr: stderr.trim() }).toEqual({ code: 1, stderr: `install.sh: another install.sh is running for ${box.prefix}/etc/inferport; wait for it to finish` });
      expect(existsSync(join(box.prefix, 'etc/inferport/inferport.toml'))).toBe(false);
    } finally {
      holder.kill();
      await holder.exited;
    }
  });
});

describe('install.sh config and unit', () => {
  test('--port on a later run changes only the [server] port line of the kept config', async () => {
    const box = sandbox();
    const result = await box.run('write_config_if_absent 8080 >/dev/null; printf "\\n[other]\\nport = 1\\n" >> "$CONFIG_FILE"; cp_before="$(cat "$CONFIG_FILE")"; set_config_port 9090 >/dev/null; cat "$CONFIG_FILE"; echo ====; echo "$cp_before"');
    const [after, before] = result.stdout.split('====\n');
    expect(after!.trim()).toBe(before!.trim().replace('port = 8080', 'port = 9090'));
    expect(after).toContain('[other]\nport = 1');
  });

  test('the systemd unit restarts on failure, raises the open-files and fetch limits, and waits out the grace', async () => {
    const box = sandbox();
    const unit = join(box.prefix, 'inferport.service');
    const result = await box.run(`UNIT_FILE='${unit}'; as_root() { [ "$1" = systemctl ] || "$@"; }; write_systemd_unit /srv/inferport-data 45 >/dev/null`);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const lines = readFileSync(unit, 'utf8').split('\n');
    for (const line of [
      'Restart=on-failure',
      'LimitNOFILE=65536',
      'Environment=BUN_CONFIG_MAX_HTTP_REQUESTS=4096',
      `EnvironmentFile=${box.prefix}/etc/inferport/inferport.env`,
      `ExecStart=${box.prefix}/bin/inferport serve --config ${box.prefix}/etc/inferport/inferport.toml`,
      'TimeoutStopSec=75',
      'User=inferport',
      'ReadWritePaths=/srv/inferport-data',
      'UMask=0077',
    ]) {
      expect(lines).toContain(line);
    }
  });

  test('where systemd runs: a system user owns the data, the unit is written, enabled and restarted; a run again stops it first', async () => {
    const box = sandbox();
    box.fakeAptGet({});
    // `id inferport` fails until useradd ran; `systemctl is-active` says active once restarted.
    const marks = join(box.prefix, '..');
    box.fake('id', `[ "$1" = inferport ] || exit 0; test -e '${marks}/user-created'`);
    box.fake('useradd', `touch '${marks}/user-created'`);
    box.fake('chown');
    box.fake('systemctl', `case "$1" in is-active) test -e '${marks}/active' ;; restart) touch '${marks}/active' ;; esac`);
    // A stand-in binary: the flow is install.sh's, what the binary does is tested elsewhere.
    const binary = join(box.prefix, '..', 'fake-inferport');
    writeFileSync(binary, `#!/bin/bash\necho "inferport $*" >> '${box.log}'\n[ "$1" = version ] && echo "inferport 9.9.9"\nexit 0\n`, { mode: 0o755 });
    const health = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => Response.json({ status: 'ok' }) });
    const unit = join(box.prefix, '..', 'inferport.service');
    const script = `systemd_running() { true; }; UNIT_FILE='${unit}'; INFERPORT_BINARY='${binary}'; main --prefix '${box.prefix}' --port ${health.port}`;
    try {
      const first = await box.run(script);
      expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
      const dataDir = join(box.prefix, 'var/lib/inferport');
      const config = `${box.prefix}/etc/inferport/inferport.toml`;
      expect(box.calls()).toEqual([
        'id inferport',
        `useradd --system --user-group --home-dir ${dataDir} --no-create-home --shell /usr/sbin/nologin inferport`,
        `inferport migrate --config ${config}`,
        `chown -R inferport:inferport ${dataDir}`,
        'systemctl daemon-reload',
        'inferport version',
        'systemctl enable --quiet inferport',
        'systemctl restart inferport',
      ]);
      expect(readFileSync(unit, 'utf8')).toContain(`ExecStart=${box.prefix}/bin/inferport serve --config ${config}`);
      expect(first.stdout).toContain('inferport.service is running');

      rmSync(box.log);
      const again = await box.run(script);
      expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: '' });
      expect(box.calls().slice(0, 2)).toEqual(['systemctl is-active --quiet inferport', 'systemctl stop inferport']);
      expect(box.calls()).not.toContain(expect.stringMatching(/^useradd/));
    } finally {
      await health.stop(true);
    }
  });
});
