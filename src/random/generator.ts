// torch.Generator for the CPU: MT19937 plus PyTorch's seeding, draw primitives, normal cache and state bytes.

import { RuntimeError } from "../errors.ts";
import { fma64 } from "./fma.ts";
import { MERSENNE_STATE_N, MT19937 } from "./mt19937.ts";

/** The seed of a fresh `torch.Generator()` (c10::detail::default_rng_seed_val). */
export const DEFAULT_RNG_SEED = 67280421310721n;
/** Size of CPUGeneratorImplState, the layout `get_rng_state()` returns. */
export const STATE_SIZE = 5056;
/** Size of the legacy THGeneratorState, which `set_rng_state` still accepts. */
export const LEGACY_STATE_SIZE = 5048;

const U64_MAX = (1n << 64n) - 1n;
const TWO_PI = 2 * Math.PI; // 2*PI is exact: doubling only changes the exponent

function toSeed(seed: number | bigint): bigint {
  let s: bigint;
  if (typeof seed === "bigint") s = seed;
  else if (Number.isInteger(seed)) s = BigInt(seed);
  else throw new RuntimeError("Overflow when unpacking long");
  if (s < -(1n << 63n) || s > U64_MAX) {
    throw new RuntimeError("Overflow when unpacking long");
  }
  return BigInt.asUintN(64, s);
}

/** 64 bits from the platform's cryptographic source, as PyTorch reads /dev/urandom. */
function nondeterministicSeed(): bigint {
  const w = new Uint32Array(2);
  crypto.getRandomValues(w);
  return (BigInt(w[0]) << 32n) | BigInt(w[1]);
}

/**
 * A CPU random number generator that reproduces PyTorch 1.13 bit for bit.
 *
 * ```ts
 * const g = new Generator().manual_seed(0);
 * g.next_u32(); // 2357136044
 * ```
 */
export class Generator {
  /**
   * The Mersenne Twister that produces the raw 32-bit words.
   *
   * @ignore
   */
  readonly engine: MT19937 = new MT19937();
  #initialSeed = 0n;
  /** The second Box–Muller value of the scalar normal path, kept across calls (§8.1). */
  #normalCache: number | null = null;
  // PyTorch's float normal cache: no CPU kernel uses it, but set/get_state carry it through.
  #floatCache: number | null = null;

  constructor() {
    this.manual_seed(DEFAULT_RNG_SEED);
  }

  /** Seeds the engine with the low 32 bits; `initial_seed()` keeps all 64. Clears the caches. */
  manual_seed(seed: number | bigint): this {
    const s = toSeed(seed);
    this.#initialSeed = s;
    this.engine.seed_engine(Number(s & 0xffffffffn));
    this.#normalCache = null;
    this.#floatCache = null;
    return this;
  }

  /** Reseeds from a nondeterministic 64-bit value and returns it. */
  seed(): bigint {
    const s = nondeterministicSeed();
    this.manual_seed(s);
    return s;
  }

  /** The 64-bit seed last given to `manual_seed`/`seed`, or restored by `set_state`. */
  initial_seed(): bigint {
    return this.#initialSeed;
  }

  /** One 32-bit draw. */
  next_u32(): number {
    return this.engine.next_u32();
  }

  /** Two draws; the first is the high word. */
  random64(): bigint {
    const hi = this.engine.next_u32();
    const lo = this.engine.next_u32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** The low 21 bits of the first draw and all 32 of the second, as a Number without BigInt. */
  random53(): number {
    const hi = this.engine.next_u32() & 0x1fffff;
    return hi * 4294967296 + this.engine.next_u32();
  }

  /** A float32 in [0, 1) with 24 random bits (exact in a double). */
  uniform_f32(): number {
    return (this.engine.next_u32() & 0xffffff) * 2 ** -24;
  }

  /** A float64 in [0, 1) with 53 random bits. */
  uniform_f64(): number {
    return this.random53() * 2 ** -53;
  }

  /**
   * One N(mean, std) double from the scalar Box–Muller path. A new pair uses u1 for the angle and
   * u2 for the radius, returns r·cos and caches r·sin as a raw N(0,1) value; mean and std are
   * applied with a fused multiply-add, as the AVX2 build contracts `v*std + mean`.
   */
  normal_double(mean = 0, std = 1): number {
    let v: number;
    if (this.#normalCache !== null) {
      v = this.#normalCache;
      this.#normalCache = null;
    } else {
      const u1 = this.uniform_f64();
      const u2 = this.uniform_f64();
      const r = Math.sqrt(-2.0 * Math.log(1.0 - u2));
      const theta = TWO_PI * u1;
      this.#normalCache = r * Math.sin(theta);
      v = r * Math.cos(theta);
    }
    // With std == 1 the product is exact, so a plain add is the single rounding.
    return std === 1 ? v + mean : fma64(v, std, mean);
  }

  /** The cached scalar-path normal, if any. */
  get normal_cache(): number | null {
    return this.#normalCache;
  }

  /** Prints as PyTorch's generator object does, rather than dumping the 624-word state. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return "<torch.Generator object>";
  }

  /** Deno's console and REPL read this symbol. */
  [Symbol.for("Deno.customInspect")](): string {
    return "<torch.Generator object>";
  }

  /** PyTorch's 5056-byte CPUGeneratorImplState, little-endian. */
  get_state(): Uint8Array {
    const bytes = new Uint8Array(STATE_SIZE);
    const v = new DataView(bytes.buffer);
    v.setBigUint64(0, this.#initialSeed, true);
    v.setInt32(8, this.engine.left, true);
    v.setInt32(12, 1, true);
    v.setBigUint64(16, BigInt(this.engine.next), true);
    for (let i = 0; i < MERSENNE_STATE_N; i++) {
      v.setUint32(24 + 8 * i, this.engine.state[i], true);
    }
    if (this.#normalCache !== null) {
      v.setFloat64(5024, this.#normalCache, true);
      v.setInt32(5040, 1, true);
    }
    if (this.#floatCache !== null) {
      v.setFloat32(5048, this.#floatCache, true);
      v.setUint8(5052, 1);
    }
    return bytes;
  }

  /**
   * Restores a state from `get_state()` (5056 bytes) or the legacy 5048-byte layout, validating
   * it as PyTorch does: `seeded` must be set, `0 < left <= 624`, and `next <= 624` after
   * PyTorch's truncation of `next` to 32 bits. A legacy state stores the cached normal as
   * (normal_x, normal_rho), from which PyTorch rebuilds rho·sin(2π·x).
   */
  set_state(s: Uint8Array): this {
    if (!(s instanceof Uint8Array)) {
      throw new TypeError("RNG state must be a torch.ByteTensor");
    }
    if (s.length !== STATE_SIZE && s.length !== LEGACY_STATE_SIZE) {
      throw new Error(
        `Expected either a CPUGeneratorImplStateLegacy of size ${LEGACY_STATE_SIZE} or a ` +
          `CPUGeneratorImplState of size ${STATE_SIZE} but found the input RNG state size to be ${s.length}`,
      );
    }
    const v = new DataView(s.buffer, s.byteOffset, s.byteLength);
    const left = v.getInt32(8, true);
    const seeded = v.getInt32(12, true) !== 0;
    const next = v.getUint32(16, true); // static_cast<uint32_t> of the u64 field
    if (
      !seeded || !(left > 0 && left <= MERSENNE_STATE_N) ||
      next > MERSENNE_STATE_N
    ) {
      throw new Error("Invalid mt19937 state");
    }
    let normal: number | null = null;
    let floatCache: number | null = null;
    if (v.getInt32(5040, true) !== 0) {
      normal = s.length === STATE_SIZE
        ? v.getFloat64(5024, true)
        : v.getFloat64(5032, true) *
          Math.sin(TWO_PI * v.getFloat64(5016, true));
    }
    if (s.length === STATE_SIZE && v.getUint8(5052) !== 0) {
      floatCache = v.getFloat32(5048, true);
    }
    this.#initialSeed = v.getBigUint64(0, true);
    for (let i = 0; i < MERSENNE_STATE_N; i++) {
      this.engine.state[i] = v.getUint32(24 + 8 * i, true); // the u64 slot narrowed to u32
    }
    this.engine.left = left;
    this.engine.next = next;
    this.#normalCache = normal;
    this.#floatCache = floatCache;
    return this;
  }
}

/** The global generator behind `torch.rand` and friends, seeded nondeterministically at load. */
export const default_generator: Generator = new Generator();
default_generator.manual_seed(nondeterministicSeed());

/**
 * `torch.manual_seed(s)`: seeds the default generator and returns it.
 *
 * ```ts
 * manual_seed(0);
 * default_generator.next_u32(); // 2357136044
 * ```
 */
export function manual_seed(seed: number | bigint): Generator {
  return default_generator.manual_seed(seed);
}

/** `torch.initial_seed()` of the default generator. */
export function initial_seed(): bigint {
  return default_generator.initial_seed();
}

/** `torch.seed()`: reseeds the default generator nondeterministically and returns the seed. */
export function seed(): bigint {
  return default_generator.seed();
}

/** `torch.get_rng_state()` as 5056 bytes. */
export function get_rng_state(): Uint8Array {
  return default_generator.get_state();
}

/** `torch.set_rng_state(bytes)`. */
export function set_rng_state(state: Uint8Array): void {
  default_generator.set_state(state);
}
