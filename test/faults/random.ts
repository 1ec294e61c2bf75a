// A seeded source of randomness for the fault tests: the seed is printed with the numbers, and
// INFERPORT_FAULTS_SEED replays a run's kill moments and fault choices.
export interface RandomSource {
  seed: number;
  /** A number in [0, 1). */
  next: () => number;
}

export function randomSource(seed = Number(process.env.INFERPORT_FAULTS_SEED ?? Math.floor(Math.random() * 2 ** 31))): RandomSource {
  let state = seed >>> 0;
  // mulberry32: small, fast, and good enough to pick moments.
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value ^= value + Math.imul(value ^ (value >>> 7), 61 | value);
    return ((value ^ (value >>> 14)) >>> 0) / 2 ** 32;
  };
  return { seed, next };
}
