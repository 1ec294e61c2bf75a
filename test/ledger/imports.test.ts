// The house (STYLE.md): src/ledger is the only writer of money and sits below everything that
// calls it, so it imports none of its callers: no gateway, admin, console, keys, accounts or
// HTTP code, and no Elysia. A route that needs the ledger lives in the layer above it.
import { describe, expect, test } from 'bun:test';
import { importSpecifiers, importsOfFolder } from '../support/imports';

// What src/ledger may lean on: itself, the database, shared helpers, the error union, config,
// the usage records it writes with a charge, and the logger (a leaf: it imports only its redaction).
const ALLOWED_FOLDERS = ['ledger', 'db', 'shared', 'usage', 'config'];
const ALLOWED_FILES = ['errors', 'logs/logger'];
const ALLOWED_PACKAGES = ['kysely', 'postgres', 'bun', 'bun:sqlite'];

function isAllowed(target: string, relative: boolean): boolean {
  if (!relative) return ALLOWED_PACKAGES.includes(target) || target.startsWith('node:');
  const [top] = target.split('/');
  return ALLOWED_FOLDERS.includes(top!) || ALLOWED_FILES.includes(target);
}

describe('src/ledger imports', () => {
  test('name none of its callers', () => {
    const imports = importsOfFolder('ledger');
    // The scan must see the ledger's real imports, or it would pass on an empty list.
    expect(imports.some((entry) => entry.target === 'db/schema')).toBe(true);
    const uphill = imports.filter((entry) => !isAllowed(entry.target, entry.specifier.startsWith('.'))).map((entry) => `${entry.file} imports ${entry.specifier}`);
    expect(uphill).toEqual([]);
  });

  test('the scan finds static, type-only, re-export and dynamic imports', () => {
    const source = [
      "import { Elysia } from 'elysia';",
      "import type { AppContext } from '../context';",
      "export { x } from '../gateway/handler';",
      "const admin = await import('../admin/auth');",
      "import '../keys/auth';",
    ].join('\n');
    expect(importSpecifiers(source)).toEqual(['elysia', '../context', '../gateway/handler', '../admin/auth', '../keys/auth']);
  });
});
