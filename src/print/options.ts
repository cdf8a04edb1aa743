// Print options: PyTorch's `set_printoptions` state plus our choice of legacy or modern style.

/** The current print options, as `get_printoptions()` returns them. */
export interface PrintOptions {
  /** digits after the point (default 4) */
  precision: number;
  /** element count that triggers summarization (default 1000; Infinity with profile "full") */
  threshold: number;
  /** items kept at each end of a summarized dimension (default 3) */
  edgeitems: number;
  /** characters per line (default 80) */
  linewidth: number;
  /** force (true) or forbid (false) scientific notation; null = automatic. Modern style only. */
  sci_mode: boolean | null;
  /** `"legacy"`: PyTorch 0.3's `[torch.FloatTensor of size 2x3]`; `"modern"`: `tensor([...])` */
  style: "legacy" | "modern";
}

/** The argument of `set_printoptions`: any fields, plus PyTorch's `profile`. */
export interface SetPrintOptions {
  /** see {@link PrintOptions.precision} */
  precision?: number;
  /** see {@link PrintOptions.threshold} */
  threshold?: number;
  /** see {@link PrintOptions.edgeitems} */
  edgeitems?: number;
  /** see {@link PrintOptions.linewidth} */
  linewidth?: number;
  /** see {@link PrintOptions.sci_mode}; reset to null when omitted, as in PyTorch */
  sci_mode?: boolean | null;
  /** `"default"`, `"short"` (precision 2, edgeitems 2) or `"full"` (threshold Infinity) */
  profile?: "default" | "short" | "full";
  /** see {@link PrintOptions.style} */
  style?: "legacy" | "modern";
}

const DEFAULTS: PrintOptions = {
  precision: 4,
  threshold: 1000,
  edgeitems: 3,
  linewidth: 80,
  sci_mode: null,
  style: "legacy",
};

const PROFILES = {
  default: { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 },
  short: { precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80 },
  full: { precision: 4, threshold: Infinity, edgeitems: 3, linewidth: 80 },
};

let current: PrintOptions = { ...DEFAULTS };

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

// Each field's check and the words of its error.
const CHECKS: Record<string, [(v: unknown) => boolean, string]> = {
  precision: [isCount, "a non-negative integer"],
  threshold: [
    (v) => typeof v === "number" && !Number.isNaN(v) && v >= 0,
    "a non-negative number (Infinity allowed)",
  ],
  edgeitems: [isCount, "a non-negative integer"],
  linewidth: [isCount, "a non-negative integer"],
  sci_mode: [
    (v) => v === null || typeof v === "boolean",
    "a boolean or null",
  ],
  profile: [
    (v) => typeof v === "string" && v in PROFILES,
    "one of 'default', 'short', 'full'",
  ],
  style: [(v) => v === "legacy" || v === "modern", "'legacy' or 'modern'"],
};

function describe(v: unknown): string {
  return typeof v === "string" ? `'${v}'` : `${v} (${typeof v})`;
}

/** Checks option fields; unknown keys and bad values throw a TypeError naming the key. */
export function validateOptions(
  opts: object,
  allowed: readonly string[],
): void {
  if (opts === null || typeof opts !== "object") {
    throw new TypeError(`print options must be an object, got ${opts}`);
  }
  for (const [key, value] of Object.entries(opts)) {
    if (!allowed.includes(key)) {
      throw new TypeError(
        `unexpected print option '${key}' (expected one of ${
          allowed.join(", ")
        })`,
      );
    }
    if (value === undefined) continue;
    const [ok, expected] = CHECKS[key];
    if (!ok(value)) {
      throw new TypeError(
        `print option '${key}' must be ${expected}, got ${describe(value)}`,
      );
    }
  }
}

const SET_KEYS = Object.keys(CHECKS);
const CALL_KEYS = SET_KEYS.filter((k) => k !== "profile");

/**
 * `torch.set_printoptions`. As in PyTorch, a profile is applied first and the other fields override
 * it, and `sci_mode` is reset to automatic whenever it is not passed.
 *
 * @example set_printoptions({ precision: 2, style: "modern" })
 */
export function set_printoptions(opts: SetPrintOptions = {}): void {
  validateOptions(opts, SET_KEYS);
  const next = { ...current };
  if (opts.profile !== undefined) Object.assign(next, PROFILES[opts.profile]);
  if (opts.precision !== undefined) next.precision = opts.precision;
  if (opts.threshold !== undefined) next.threshold = opts.threshold;
  if (opts.edgeitems !== undefined) next.edgeitems = opts.edgeitems;
  if (opts.linewidth !== undefined) next.linewidth = opts.linewidth;
  next.sci_mode = opts.sci_mode ?? null;
  if (opts.style !== undefined) next.style = opts.style;
  current = next;
}

/**
 * A copy of the current print options.
 *
 * @example get_printoptions().precision // 4
 */
export function get_printoptions(): PrintOptions {
  return { ...current };
}

/** The current options with per-call overrides (validated) on top. */
export function resolveOptions(opts?: Partial<PrintOptions>): PrintOptions {
  if (opts === undefined) return { ...current };
  validateOptions(opts, CALL_KEYS);
  const out = { ...current };
  for (const [k, v] of Object.entries(opts)) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}
