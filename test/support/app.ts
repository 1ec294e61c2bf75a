// Builds an in-process inferport for a test file: a fresh database, migrations applied, and a
// client that drives the HTTP API through app.handle() or over a real port.
import { buildApp } from '../../src/app';
import { parseConfig, type Config } from '../../src/config';
import { closeContext, createContext, type ContextOptions } from '../../src/server';
import type { AppContext } from '../../src/context';
import { createTestDatabase, type TestDatabase } from './database';
import { ADMIN_TOKEN } from './env';

export interface TestApp {
  config: Config;
  context: AppContext;
  app: ReturnType<typeof buildApp>;
  database: TestDatabase;
  /** Sends a request through app.handle (no socket). Body objects are sent as JSON. */
  request: (method: string, path: string, options?: { body?: unknown; token?: string | null; headers?: Record<string, string> }) => Promise<Response>;
  /** Same, with the admin token. */
  admin: (method: string, path: string, body?: unknown) => Promise<Response>;
  /** Listens on a free loopback port; returns the base URL. */
  listen: () => string;
  close: () => Promise<void>;
}

export interface TestAppOptions extends ContextOptions {
  /** The app's clock (AppContext.now), for tests that move time instead of waiting. */
  now?: () => number;
}

export async function createTestApp(raw: Record<string, unknown> = {}, env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = parseConfig(
    // Request log lines off unless a test asks for them: the suite's output stays readable.
    { ...raw, server: { data_dir: database.dataDir, port: 0, host: '127.0.0.1', ...(raw.server as object) }, logs: { requests: false, ...(raw.logs as object) } },
    { INFERPORT_ADMIN_TOKEN: ADMIN_TOKEN, ...(database.url ? { DATABASE_URL: database.url } : {}), ...env },
  );
  const context = await createContext(config, options);
  if (options.now) context.now = options.now;
  const app = buildApp(context);
  let listening = false;

  const request: TestApp['request'] = (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    return app.handle(new Request(`http://localhost${path}`, { method, headers, body }));
  };

  return {
    config,
    context,
    app,
    database,
    request,
    admin: (method, path, body) => request(method, path, { body, token: ADMIN_TOKEN }),
    listen: () => {
      app.listen({ port: 0, hostname: '127.0.0.1' });
      listening = true;
      return `http://127.0.0.1:${app.server!.port}`;
    },
    close: async () => {
      if (listening) await app.stop(true);
      await closeContext(context);
      await database.drop();
    },
  };
}

/** Creates an account and a key through the admin API; returns their ids and the secret key. */
export async function createAccountWithKey(
  testApp: TestApp,
  keyBody: Record<string, unknown> = { billing: 'credits' },
): Promise<{ accountId: string; keyId: string; key: string }> {
  const account = await testApp.admin('POST', '/admin/accounts', { name: 'test account' });
  if (account.status !== 201) throw new Error(`account creation failed: ${account.status} ${await account.text()}`);
  const { id: accountId } = (await account.json()) as { id: string };
  const created = await testApp.admin('POST', `/admin/accounts/${accountId}/keys`, keyBody);
  if (created.status !== 201) throw new Error(`key creation failed: ${created.status} ${await created.text()}`);
  const { id: keyId, key } = (await created.json()) as { id: string; key: string };
  return { accountId, keyId, key };
}

/** Response JSON, untyped: tests assert on its shape. */
export const readJson = (response: Response): Promise<any> => response.json();
