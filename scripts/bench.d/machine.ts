// What the numbers were measured on: cores, CPU model, Bun, kernel and the commit of the tree.
import { readFileSync } from 'node:fs';
import { availableParallelism, release } from 'node:os';

export function machineInfo() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const git = (...args: string[]) => Bun.spawnSync(['git', ...args], { stderr: 'ignore' }).stdout.toString().trim();
  return {
    nproc: availableParallelism(),
    cpu_model: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    memory_gib: Math.round(Number(/^MemTotal:\s*(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 1024 / 1024),
    kernel: release(),
    bun: Bun.version,
    git_commit: git('rev-parse', 'HEAD') || 'unknown',
    // Others may be editing the tree: say whether src/ differed from the commit when measured.
    git_src_dirty: git('status', '--porcelain', '--', 'src') !== '',
  };
}
