// Argument handling shared by ops: PyTorch's positional forms plus one trailing options object.

/** A plain `{ ... }` object: the trailing options of a call (never a Tensor, array or Size). */
export function isOptions(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === "object" &&
    Object.getPrototypeOf(x) === Object.prototype;
}

/**
 * Reads a call's arguments: positionals fill `names` in order, a trailing plain object supplies
 * keywords; giving one both ways is PyTorch's "got multiple values for argument" error.
 */
export function parseArgs<T extends Record<string, unknown>>(
  fn: string,
  args: readonly unknown[],
  names: readonly (keyof T & string)[],
  defaults: T,
): T {
  const out: Record<string, unknown> = { ...defaults };
  let pos = args.length;
  if (pos > 0 && isOptions(args[pos - 1])) {
    pos--;
    for (const [k, v] of Object.entries(args[pos] as object)) {
      if (!(k in defaults)) {
        throw new TypeError(
          `${fn}() got an unexpected keyword argument '${k}'`,
        );
      }
      if (v !== undefined) out[k] = v;
    }
  }
  if (pos > names.length) {
    throw new TypeError(
      `${fn}() takes ${names.length} positional arguments but ${pos} were given`,
    );
  }
  for (let i = 0; i < pos; i++) {
    const key = names[i];
    if (
      args[pos] !== undefined && isOptions(args[pos]) &&
      key in (args[pos] as object)
    ) {
      throw new TypeError(`${fn}() got multiple values for argument '${key}'`);
    }
    if (args[i] !== undefined) out[key] = args[i];
  }
  return out as T;
}

/** A shape given variadically (`view(2, 3)`) or as one array (`view([2, 3])`). */
export function shapeArg(fn: string, args: readonly unknown[]): number[] {
  const list = args.length === 1 && Array.isArray(args[0])
    ? args[0] as unknown[]
    : args;
  for (const d of list) {
    if (typeof d !== "number" || !Number.isInteger(d)) {
      throw new TypeError(
        `${fn}(): argument 'size' must be a sequence of ints, but found ${
          String(d)
        }`,
      );
    }
  }
  return list as number[];
}

/** A dim argument that may be one dim or a list of dims. */
export function dimList(
  dim: number | readonly number[] | undefined | null,
): number[] | undefined {
  if (dim === undefined || dim === null) return undefined;
  return typeof dim === "number" ? [dim] : [...dim];
}

/** A required argument, or PyTorch's error when it was left out. */
export function required<T>(fn: string, name: string, value: T | undefined): T {
  if (value === undefined) {
    throw new TypeError(
      `${fn}() missing 1 required positional arguments: "${name}"`,
    );
  }
  return value;
}
