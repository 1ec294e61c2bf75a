// Which database and Redis the suite talks to. scripts/test runs the suite twice, once per kind.
export const TEST_DB_KIND: 'postgres' | 'sqlite' = process.env.INFERPORT_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';
export const TEST_PG_URL = process.env.INFERPORT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.INFERPORT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const SLOW_TESTS = process.env.INFERPORT_SLOW_TESTS === '1';
export const ADMIN_TOKEN = 'test-admin-token-0123456789';
/** Put in test prompts: it must never show up in any output of the suite (scripts/test-log-secrets.ts). */
export const PROMPT_MARKER = 'promptmarker-zq7x41k';
