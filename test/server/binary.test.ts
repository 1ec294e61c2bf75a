// Acceptance: the compiled binary is self-contained. Copied alone into an empty directory, it
// serves on embedded SQLite, and its Swagger console with all its assets, with no node_modules.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VERSION } from '../../src/version';
import { cleanEnv, REPO_ROOT, startServerProcess, type ServerProcess } from '../support/server-process';

// These tests start OS processes; bun's 5 s default is too tight on a loaded machine.
setDefaultTimeout(20_000);

const buildDir = mkdtempSync(join(tmpdir(), 'inferport-build-'));
const runDir = mkdtempSync(join(tmpdir(), 'inferport-run-'));
const binary = join(runDir, 'inferport');
let server: ServerProcess | undefined;

beforeAll(async () => {
  // The same command as `bun run build`, with the output moved out of the shared dist/ folder.
  const pkg = (await Bun.file(join(REPO_ROOT, 'package.json')).json()) as { scripts: { build: string } };
  const args = pkg.scripts.build.split(/\s+/);
  const outfile = args.indexOf('--outfile');
  expect(args[0]).toBe('bun');
  expect(outfile).toBeGreaterThan(0);
  args[outfile + 1] = join(buildDir, 'inferport');
  const build = Bun.spawnSync(args, { cwd: REPO_ROOT, env: cleanEnv({}), stdout: 'pipe', stderr: 'pipe' });
  if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`);
  copyFileSync(join(buildDir, 'inferport'), binary);
  Bun.spawnSync(['chmod', '+x', binary]);
  server = await startServerProcess(['./inferport', 'serve'], { cwd: runDir, env: { INFERPORT_DATA_DIR: join(runDir, 'data') } });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(buildDir, { recursive: true, force: true });
  rmSync(runDir, { recursive: true, force: true });
});

describe('compiled binary', () => {
  test('`inferport version` prints the version', () => {
    const result = Bun.spawnSync([binary, 'version'], { cwd: runDir, env: cleanEnv({}) });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.toString().trim()).toBe(`inferport ${VERSION}`);
  });

  test('`inferport healthcheck` (the Docker HEALTHCHECK) exits 0 while the server answers, 1 with a reason when none does', async () => {
    // Spawned, not spawnSync: the failing server below runs in this process and must answer.
    const check = async (port: string) => {
      const child = Bun.spawn([binary, 'healthcheck'], { cwd: runDir, env: cleanEnv({ INFERPORT_PORT: port, INFERPORT_HOST: '0.0.0.0' }), stderr: 'pipe' });
      const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
      return { code, stderr: stderr.trim() };
    };
    expect(await check(new URL(server!.url).port)).toEqual({ code: 0, stderr: '' });
    const failing = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('nope', { status: 503 }) });
    const failingPort = String(failing.port);
    const unhealthy = await check(failingPort);
    await failing.stop(true);
    expect(unhealthy).toEqual({ code: 1, stderr: `inferport: unhealthy: http://127.0.0.1:${failingPort}/healthz answered 503` });
  });

  test('serves health and readiness on embedded SQLite in its data directory', async () => {
    expect(await (await fetch(`${server!.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${server!.url}/readyz`)).json()).toEqual({ status: 'ready', database: 'sqlite', upstreams: [], models: {} });
    expect(existsSync(join(runDir, 'data', 'inferport.sqlite'))).toBe(true);
  });

  test('serves the Swagger page, its script, its stylesheet and the OpenAPI document', async () => {
    const page = await fetch(`${server!.url}/swagger`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const assets = [...html.matchAll(/\b(?:src|href)="([^"]+\.(?:js|css))"/g)].map((match) => match[1]!);
    expect(assets.some((asset) => asset.endsWith('.js'))).toBe(true);
    expect(assets.some((asset) => asset.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const response = await fetch(new URL(asset, `${server!.url}/swagger`));
      expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
      expect(response.headers.get('content-type')).toStartWith(asset.endsWith('.js') ? 'text/javascript' : 'text/css');
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
    }
    const spec = await fetch(`${server!.url}/swagger/json`);
    expect(spec.status).toBe(200);
    expect(((await spec.json()) as { info: { version: string } }).info.version).toBe(VERSION);
  });

  test('the binary ran from a directory that holds nothing but itself and its data', async () => {
    // No path into this checkout is baked in, so the assets above came from inside the binary.
    const bytes = Buffer.from(await Bun.file(binary).arrayBuffer());
    expect(bytes.indexOf(REPO_ROOT)).toBe(-1);
    const entries = [...new Bun.Glob('*').scanSync({ cwd: runDir, onlyFiles: false })].sort();
    expect(entries).toEqual(['data', 'inferport']);
  });
});
