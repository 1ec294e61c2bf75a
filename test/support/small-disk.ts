// A small file system of the test's own (tmpfs, mounted as root), for a data directory whose
// disk fills up: `fill()` takes every free byte, `free()` gives them back. Where mounting is not
// allowed (no root, a container without CAP_SYS_ADMIN) `mountSmallDisk` says why and returns null.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallDisk {
  dir: string;
  fill: () => Promise<void>;
  free: () => void;
  unmount: () => void;
}

export function mountSmallDisk(sizeMb: number): SmallDisk | { skipped: string } {
  const dir = mkdtempSync(join(tmpdir(), 'inferport-small-disk-'));
  const mounted = Bun.spawnSync(['mount', '-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { stderr: 'pipe' });
  if (mounted.exitCode !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { skipped: `mount -t tmpfs is not permitted here (${mounted.stderr.toString().trim() || `exit ${mounted.exitCode}`})` };
  }
  const filler = join(dir, 'filler');
  return {
    dir,
    // dd stops with "No space left on device": that is the point.
    fill: async () => void (await Bun.spawn(['dd', 'if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdout: 'ignore', stderr: 'ignore' }).exited),
    free: () => rmSync(filler, { force: true }),
    unmount: () => {
      Bun.spawnSync(['umount', '-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
