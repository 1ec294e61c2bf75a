// The instance types' hooks: how the config reads them, and that a hook that fails or hangs is
// logged and bounded by its timeout while the money it followed stays as decided.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, spyOn, test } from 'bun:test';
import { ConfigError, parseConfig } from '../../src/config';
import { expectAuditClean } from '../support/audit';
import { at, balanceOf, createDeploymentFixture, createOwner, getDeployment, startDeployment, stopDeployment, type DeploymentFixture } from './support';

setDefaultTimeout(30_000);

const instanceTypes = (types: Record<string, unknown>) => parseConfig({ instance_types: types }, {}).instanceTypes;
const configError = (types: Record<string, unknown>) => {
  try {
    instanceTypes(types);
    return null;
  } catch (error) {
    return error instanceof ConfigError ? error.message : String(error);
  }
};

describe('[instance_types] hooks in the config', () => {
  test('built-in types keep their price when a table only adds hooks; a command line runs through /bin/sh, a list as argv', () => {
    const types = instanceTypes({ 'gpu-s': { start_command: 'systemctl start vllm', stop_command: ['/usr/bin/systemctl', 'stop', 'vllm'] }, big: { per_hour: 9.5, start_url: 'http://launcher:8080/start', hook_timeout_seconds: 5 } });
    expect(types['gpu-s']).toEqual({
      perHourMicros: 600_000n,
      hooks: { start: { kind: 'command', argv: ['/bin/sh', '-c', 'systemctl start vllm'] }, stop: { kind: 'command', argv: ['/usr/bin/systemctl', 'stop', 'vllm'] } },
      hookTimeoutSeconds: 30,
    });
    expect(types.big).toEqual({ perHourMicros: 9_500_000n, hooks: { start: { kind: 'url', url: 'http://launcher:8080/start' }, stop: null }, hookTimeoutSeconds: 5 });
    expect(types['gpu-l']).toEqual({ perHourMicros: 3_500_000n, hooks: { start: null, stop: null }, hookTimeoutSeconds: 30 });
  });

  test('mistakes name their key', () => {
    expect(configError({ x: { per_hour: 1, start_command: 'a', start_url: 'http://b' } })).toContain('instance_types.x: set start_command or start_url, not both');
    expect(configError({ x: { per_hour: 1, stop_url: 'ftp://b' } })).toContain('instance_types.x.stop_url');
    expect(configError({ x: { per_hour: 1, start_comand: 'a' } })).toContain('instance_types.x.start_comand');
    expect(configError({ x: { start_command: 'a' } })).toContain('instance_types.x.per_hour is required');
    expect(configError({ x: { per_hour: 1, hook_timeout_seconds: 0 } })).toContain('instance_types.x.hook_timeout_seconds');
    expect(configError({ x: { per_hour: 1, start_command: [1] } })).toContain('instance_types.x.start_command');
  });
});

describe('hooks that fail', () => {
  let fixture: DeploymentFixture;
  beforeAll(async () => {
    fixture = await createDeploymentFixture({
      instance_types: {
        failing: { per_hour: 1, start_command: 'echo starting; echo broken >&2; exit 3', stop_command: 'sleep 20', hook_timeout_seconds: 1 },
        unreachable: { per_hour: 1, start_url: 'http://127.0.0.1:9/start', hook_timeout_seconds: 1 },
      },
    });
  });
  afterAll(() => fixture.close());

  test('a failing start, a hanging stop and an unreachable URL are logged, bounded, and change no money', async () => {
    fixture.clock.nowMs = at('10:20');
    const owner = await createOwner(fixture, 5_000_000n);
    const logged: string[] = [];
    const spy = spyOn(console, 'log').mockImplementation((line: unknown) => void logged.push(String(line)));
    try {
      const started = await startDeployment(fixture, owner.accountId, 'failing-model', 'failing');
      expect([started.status, started.body.status, started.body.hours_charged]).toEqual([201, 'running', 1]);
      const id: string = started.body.id;
      expect(logged).toContain(`[inferport] deployment ${id} start hook: stdout: starting`);
      expect(logged).toContain(`[inferport] deployment ${id} start hook: stderr: broken`);
      expect(logged).toContain(`[inferport] deployment ${id} start hook failed: /bin/sh exited with 3`);

      const stoppedAt = performance.now();
      expect((await stopDeployment(fixture, id)).body.status).toBe('stopped');
      expect(performance.now() - stoppedAt).toBeLessThan(5000);
      expect(logged).toContain(`[inferport] deployment ${id} stop hook failed: /bin/sh ran past 1000 ms and was killed`);

      const unreachable = await startDeployment(fixture, owner.accountId, 'unreachable-model', 'unreachable');
      expect(unreachable.status).toBe(201);
      expect(logged.some((line) => line.startsWith(`[inferport] deployment ${unreachable.body.id} start hook failed:`))).toBe(true);
      expect(await getDeployment(fixture, id)).toMatchObject({ status: 'stopped', hours_charged: 1 });
    } finally {
      spy.mockRestore();
    }
    expect(await balanceOf(fixture, owner.accountId)).toBe(3_000_000n);
    await expectAuditClean(fixture.testApp.context.db);
  });
});
