// Moved to test/support/server-process.ts; kept so test/gateway's imports of it still resolve.
export * from '../support/server-process';
