// A small deterministic PRNG for the tests' random inputs (mulberry32): seeded, so a failure
// reproduces, and the same under Deno and Bun.

/** A generator of doubles in [0, 1) from `seed`. */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
