// The house has no import cycles (STYLE.md, "The house"; issue 8 point 5): the import graph of
// every src/**/*.ts is read from the source and must be acyclic. Type-only imports count: a
// cycle of types is still two files that each need the other, and the one the issue named
// (gateway/handler.ts ↔ usage.ts) was half made of them.
import { describe, expect, test } from 'bun:test';
import { Glob } from 'bun';
import { dirname, join, relative } from 'node:path';

const SRC = join(import.meta.dir, '../src');
/**
 * Imported files that are not modules of ours (SQL text, Lua scripts, package.json, the console
 * page's HTML, CSS and browser modules, embedded as files): they import nothing in src/.
 */
const DATA_FILE = /\.(sql|lua|json|html|css|mjs)$/;

/** Every module specifier a file names: static imports and re-exports (type-only too), side-effect and dynamic imports. */
function readSpecifiers(text: string): string[] {
  const patterns = [
    /^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*(['"])([^'"]+)\1/gm,
    /^\s*import\s*(['"])([^'"]+)\1/gm,
    /\bimport\(\s*(['"])([^'"]+)\1\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[2]!));
}

function resolveModule(from: string, specifier: string, files: Set<string>): string | null {
  const base = join(dirname(from), specifier);
  return [base, `${base}.ts`, join(base, 'index.ts')].find((path) => files.has(path)) ?? null;
}

/** The first cycle found, as the files along it (first file repeated at the end), or null. */
function findCycle(graph: Map<string, string[]>): string[] | null {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    if (path.includes(node)) return [...path.slice(path.indexOf(node)), node];
    if (done.has(node)) return null;
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(node);
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

const files = [...new Glob('**/*.ts').scanSync(SRC)].map((file) => join(SRC, file)).sort();
const fileSet = new Set(files);
const texts = new Map(await Promise.all(files.map(async (file) => [file, await Bun.file(file).text()] as const)));
const unresolved: string[] = [];
const graph = new Map<string, string[]>();
for (const [file, text] of texts) {
  const targets: string[] = [];
  for (const specifier of readSpecifiers(text).filter((spec) => spec.startsWith('.') && !DATA_FILE.test(spec))) {
    const target = resolveModule(file, specifier, fileSet);
    if (target) targets.push(target);
    else unresolved.push(`${relative(SRC, file)}: ${specifier}`);
  }
  graph.set(file, targets);
}

describe('the import graph of src/', () => {
  test('the cycle finder finds a cycle and passes a graph that has none', () => {
    const acyclic = new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]]);
    expect(findCycle(acyclic)).toBeNull();
    const cyclic = new Map([['a', ['b']], ['b', ['c']], ['c', ['d', 'b']], ['d', []]]);
    expect(findCycle(cyclic)).toEqual(['b', 'c', 'b']);
  });

  test('the reader sees type-only, multi-line, re-exported, side-effect and dynamic imports', () => {
    const text = [
      "import type { A } from './a';",
      "import { type B } from './b';",
      'import {\n  c,\n  d,\n} from "./c";',
      "export type { E } from './e';",
      "export * from './f';",
      "import './g';",
      "const h = await import('./h');",
      "const note = 'this line says from \\'./not-an-import\\'';",
    ].join('\n');
    expect(readSpecifiers(text).sort()).toEqual(['./a', './b', './c', './e', './f', './g', './h']);
  });

  test("the reader finds every import Bun's own scanner finds, in every file", () => {
    expect(files.length).toBeGreaterThan(50);
    const transpiler = new Bun.Transpiler({ loader: 'ts' });
    const missed = files.flatMap((file) => {
      const read = new Set(readSpecifiers(texts.get(file)!));
      return transpiler.scanImports(texts.get(file)!).filter((found) => !read.has(found.path)).map((found) => `${relative(SRC, file)}: ${found.path}`);
    });
    expect(missed).toEqual([]);
  });

  test('every relative import names a file in src/', () => {
    expect(unresolved).toEqual([]);
    expect([...graph.values()].flat().length).toBeGreaterThan(100);
  });

  test('has no cycle', () => {
    const cycle = findCycle(graph);
    expect(cycle?.map((file) => relative(SRC, file)).join(' → ') ?? 'no cycle').toBe('no cycle');
  });
});
