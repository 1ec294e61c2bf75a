// Reads the imports of a source folder, for tests that keep the house's arrows pointing
// downhill (STYLE.md, "The house"). Static, dynamic and re-export specifiers all count.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const SRC = resolve(import.meta.dir, '../../src');

export interface SourceImport {
  /** The importing file, relative to src/ (e.g. "ledger/read.ts"). */
  file: string;
  /** The specifier as written. */
  specifier: string;
  /** For a relative specifier, the target relative to src/ ("db/schema"); otherwise the package name. */
  target: string;
}

const SPECIFIERS = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)(['"])([^'"\n]+)\1/g;

/** Every specifier a source text names, in order. */
export function importSpecifiers(source: string): string[] {
  return [...source.matchAll(SPECIFIERS)].map((match) => match[2]!);
}

/** The imports of every .ts file under src/<folder>. */
export function importsOfFolder(folder: string): SourceImport[] {
  const root = join(SRC, folder);
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts'));
  return files.flatMap((name) => {
    const path = join(root, name);
    return importSpecifiers(readFileSync(path, 'utf8')).map((specifier) => ({
      file: relative(SRC, path),
      specifier,
      target: specifier.startsWith('.') ? relative(SRC, resolve(dirname(path), specifier)) : packageName(specifier),
    }));
  });
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}
