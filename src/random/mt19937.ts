// MT19937 engine with PyTorch's left/next bookkeeping (at::mt19937 in MT19937RNGEngine.h).

/** Number of 32-bit words in the Mersenne Twister state. */
export const MERSENNE_STATE_N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/**
 * The raw engine state, laid out as PyTorch keeps it. `left` counts down to the next twist and
 * `next` indexes the word to temper; a freshly seeded engine has `left = 1` so that the very first
 * draw twists before reading.
 */
export class MT19937 {
  state: Uint32Array = new Uint32Array(MERSENNE_STATE_N);
  left = 1;
  next = 0;

  constructor(seed = 5489) {
    this.seed_engine(seed);
  }

  /** Knuth's init_genrand: only the low 32 bits of `seed32` are used. */
  seed_engine(seed32: number): void {
    const s = this.state;
    s[0] = seed32 >>> 0;
    for (let i = 1; i < MERSENNE_STATE_N; i++) {
      const prev = s[i - 1];
      // Math.imul keeps the 1812433253 * x product exact modulo 2^32.
      s[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
    this.left = 1;
    this.next = 0;
  }

  /** The standard MT19937 recurrence over all 624 words. */
  twist(): void {
    const s = this.state;
    for (let i = 0; i < MERSENNE_STATE_N; i++) {
      const y = (s[i] & UPPER_MASK) |
        (s[(i + 1) % MERSENNE_STATE_N] & LOWER_MASK);
      s[i] = (s[(i + M) % MERSENNE_STATE_N] ^ (y >>> 1) ^
        ((y & 1) ? MATRIX_A : 0)) >>> 0;
    }
    this.left = MERSENNE_STATE_N;
    this.next = 0;
  }

  /** One tempered 32-bit output, as an unsigned integer in a Number. */
  next_u32(): number {
    if (--this.left === 0) this.twist();
    let y = this.state[this.next++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}
