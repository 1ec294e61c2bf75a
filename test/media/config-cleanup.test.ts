// The [media] config section, and the scheduler's cleanup job deleting stored files once their
// retention is over (and nothing else in the media directory).
import { describe, expect, test } from 'bun:test';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config';
import type { AppContext } from '../../src/context';
import { mediaCleanupJob } from '../../src/media/cleanup';
import { mediaStoreOf } from '../../src/media/store';
import { scheduledJobs } from '../../src/server';

describe('[media] config', () => {
  test('defaults, and every key set', () => {
    expect(parseConfig({}, {}).media).toEqual({ retentionHours: 24, speechCharactersPerSecondMin: 5, speechCharactersPerSecond: 15, audioBytesPerSecondMin: 750 });
    const media = { retention_hours: 2, speech_characters_per_second_min: 8, speech_characters_per_second: 20, audio_bytes_per_second_min: 1000 };
    expect(parseConfig({ media }, {}).media).toEqual({ retentionHours: 2, speechCharactersPerSecondMin: 8, speechCharactersPerSecond: 20, audioBytesPerSecondMin: 1000 });
  });

  test('bad values and unknown keys stop start-up with the key named', () => {
    expect(() => parseConfig({ media: { retention_hours: 0 } }, {})).toThrow('media.retention_hours');
    expect(() => parseConfig({ media: { retention: 1 } }, {})).toThrow('media.retention');
    expect(() => parseConfig({ media: { speech_characters_per_second: 4 } }, {})).toThrow('media.speech_characters_per_second');
  });
});

describe('media cleanup job', () => {
  test('deletes files past the retention, keeps newer ones and files not its own; is one of the scheduled jobs', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'inferport-media-'));
    try {
      const config = parseConfig({ server: { data_dir: dataDir }, media: { retention_hours: 1 } }, {});
      const context = { config } as AppContext;
      const store = mediaStoreOf(context);
      const nowMs = Date.now();
      const fresh = await store.save(new Uint8Array([1, 2, 3]), 'png', nowMs);
      await writeFile(join(store.directory, 'operator-notes.txt'), 'keep me');
      const job = mediaCleanupJob(context);

      await job.run(nowMs + 30 * 60 * 1000);
      expect((await readdir(store.directory)).sort()).toEqual([fresh.name, 'operator-notes.txt'].sort());
      await job.run(nowMs + 61 * 60 * 1000);
      expect(await readdir(store.directory)).toEqual(['operator-notes.txt']);
      expect(await store.read(fresh.name)).toBeNull();
      expect(scheduledJobs(context).map((scheduled) => scheduled.name)).toContain('media-cleanup');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('a link verifies only with its own name, expiry and signature', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'inferport-media-'));
    try {
      const store = mediaStoreOf({ config: parseConfig({ server: { data_dir: dataDir } }, {}) });
      const link = await store.save(new Uint8Array([1]), 'png', Date.now());
      expect(await store.verify(link.name, link.expiresAtSeconds, link.signature)).toBe(true);
      expect(await store.verify(link.name, link.expiresAtSeconds + 1, link.signature)).toBe(false);
      expect(await store.verify(`x${link.name.slice(1)}`, link.expiresAtSeconds, link.signature)).toBe(false);
      expect(await store.verify(link.name, link.expiresAtSeconds, '')).toBe(false);
      // A second store of the same data directory (another holder of the secret file) agrees.
      const again = mediaStoreOf({ config: parseConfig({ server: { data_dir: dataDir } }, {}) });
      expect(await again.verify(link.name, link.expiresAtSeconds, link.signature)).toBe(true);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
