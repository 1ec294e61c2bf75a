/** Invariant check: a false condition is a bug in inferport, never bad user input. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`invariant violated: ${message}`);
}
