// The Dockerfile, read (no Docker engine runs on the test machines): it builds the binary the way
// install.sh does, runs it as a non-root user with a health check the binary answers, and the
// config it bakes in is valid and lets a `docker stop` drain within Docker's default 10 s.
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../src/config';
import { REPO_ROOT } from '../support/server-process';

const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
/** Instructions with their continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));
const DOCKER_STOP_DEFAULT_SECONDS = 10;

describe('Dockerfile', () => {
  test('two stages: the build runs `bun run build`, the runtime gets only the binary', () => {
    const stages = instructions.filter((line) => line.startsWith('FROM '));
    expect(stages).toEqual(['FROM oven/bun:${BUN_VERSION} AS build', 'FROM debian:bookworm-slim AS runtime']);
    expect(instructions).toContain('RUN bun run build && ./dist/inferport version');
    expect(instructions).toContain('COPY --from=build /app/dist/inferport /usr/local/bin/inferport');
    const bunVersion = /^ARG BUN_VERSION=(\S+)$/m.exec(dockerfile)?.[1];
    const installScript = readFileSync(join(REPO_ROOT, 'install.sh'), 'utf8');
    expect(installScript).toContain(`INFERPORT_BUN_VERSION:-${bunVersion}}`);
    expect(readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n')).toEqual(expect.arrayContaining(['node_modules', 'dist']));
  });

  test('runs as a non-root user, with the fetch limit raised and a health check by the binary itself', () => {
    const runtime = instructions.slice(instructions.findIndex((line) => line.endsWith('AS runtime')));
    const user = runtime.filter((line) => line.startsWith('USER '));
    expect(user).toEqual(['USER inferport']);
    expect(runtime.findIndex((line) => line.startsWith('USER '))).toBeLessThan(runtime.findIndex((line) => line.startsWith('CMD ')));
    expect(runtime.some((line) => line.includes('useradd --system') && line.includes('--uid 10001'))).toBe(true);
    expect(runtime).toContain('ENV BUN_CONFIG_MAX_HTTP_REQUESTS=4096');
    const healthcheck = runtime.find((line) => line.startsWith('HEALTHCHECK '));
    expect(healthcheck).toEndWith('CMD ["inferport", "healthcheck"]');
    expect(runtime.at(-1)).toBe('CMD ["inferport", "serve"]');
    expect(runtime.some((line) => /\b(curl|wget)\b/.test(line))).toBe(false);
  });

  test('the config it bakes in is valid, and its shutdown grace fits in a default `docker stop`', () => {
    const block = /printf '%s\\n' \\\n([\s\S]*?)> \/etc\/inferport\/inferport\.toml/.exec(dockerfile)?.[1] ?? '';
    const toml = [...block.matchAll(/^\s+'(.*)' \\$/gm)].map((match) => match[1]).join('\n');
    expect(toml).toContain('[server]');
    const config = parseConfig(Bun.TOML.parse(toml) as Record<string, unknown>, {});
    expect(config.server).toMatchObject({ port: 8080, host: '0.0.0.0', dataDir: '/var/lib/inferport' });
    // What is left of Docker's 10 s after the grace is the time to settle and write the ledger.
    expect(config.server.shutdownGraceSeconds).toBeLessThanOrEqual(DOCKER_STOP_DEFAULT_SECONDS - 2);
  });
});
