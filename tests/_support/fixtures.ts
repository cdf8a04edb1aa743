// Decoding of the JSON fixtures that real PyTorch wrote (see tests/fixtures/gen_*.py).

import { readFileSync } from "node:fs";
import assert from "node:assert/strict";
import * as torch from "../../mod.ts";

export function readFixture<T>(name: string): T {
  return JSON.parse(
    readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8"),
  ) as T;
}

export type EncTensor = {
  dtype: string;
  shape: number[];
  data: (number | boolean | string)[];
};

export function num(v: number | boolean | string): number {
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  return Number(v);
}

/** A fixture tensor as a flambeau tensor of the same dtype, shape and values. */
export function decodeTensor(e: EncTensor): torch.Tensor {
  const values = Float64Array.from(e.data, num);
  return torch.tensor(values, { dtype: e.dtype }).reshape(e.shape);
}

/** Compares a tensor with a fixture: dtype, shape, and values within `rtol`/`atol` (NaN matches NaN). */
export function assertTensorClose(
  actual: unknown,
  expected: EncTensor,
  where: string,
  tol: { rtol: number; atol: number; signedZero?: boolean },
): void {
  assert.ok(
    actual instanceof torch.Tensor.prototype.constructor,
    `${where}: expected a tensor, got ${typeof actual}`,
  );
  const t = actual as torch.Tensor;
  assert.equal(t.dtype.name, expected.dtype, `${where}: dtype`);
  assert.deepEqual([...t.shape], expected.shape, `${where}: shape`);
  const got = t.reshape(-1).double().tolist() as number[];
  const want = expected.data.map(num);
  for (let i = 0; i < want.length; i++) {
    const a = got[i], b = want[i];
    if (Number.isNaN(b)) {
      assert.ok(Number.isNaN(a), `${where}[${i}]: expected nan, got ${a}`);
    } else if (
      !Number.isFinite(b) || t.dtype.name === "bool" ||
      !t.dtype.is_floating_point
    ) {
      assert.equal(a, b, `${where}[${i}]`);
    } else {
      const ok = Math.abs(a - b) <= tol.atol + tol.rtol * Math.abs(b);
      assert.ok(ok, `${where}[${i}]: expected ${b}, got ${a}`);
      if (b === 0 && a === 0 && tol.signedZero !== false) {
        assert.equal(
          Object.is(a, -0),
          Object.is(b, -0),
          `${where}[${i}]: sign of zero`,
        );
      }
    }
  }
}

/**
 * A strided view as a fixture argument (tests/fixtures/_encoding.py's view_of): the base's values,
 * then Tensor methods applied in order (`[["t"], ["narrow", 0, 1, 5]]`); dtype and shape are the
 * view's.
 */
export type EncView = {
  base: { t: EncTensor };
  ops: [string, ...Enc[]][];
  dtype: string;
  shape: number[];
};

/** A value in a fixture call: a tensor or view, a dtype, a number (non-finite as a string), or a list. */
export type Enc =
  | { t: EncTensor }
  | { view: EncView }
  | { dtype: string }
  | number
  | boolean
  | string
  | null
  | Enc[];

/** A fixture value as the argument a flambeau call takes (fresh tensors every time). */
export function decode(e: Enc): unknown {
  return decodeOn(e, undefined);
}

/**
 * `decode(e)` with its tensors made on `device` (undefined: where decode makes them, the CPU): a
 * view's base is moved and the view ops run on the device, so the view keeps its strides and
 * offset.
 */
export function decodeOn(e: Enc, device: string | undefined): unknown {
  if (e === null || typeof e === "number" || typeof e === "boolean") return e;
  if (typeof e === "string") {
    return ["nan", "inf", "-inf"].includes(e) ? num(e) : e;
  }
  if (Array.isArray(e)) return e.map((v) => decodeOn(v, device));
  if ("t" in e) {
    const t = decodeTensor(e.t);
    return device === undefined ? t : t.to(device);
  }
  if ("view" in e) return decodeView(e.view, device);
  if ("dtype" in e) {
    return (torch as unknown as Record<string, unknown>)[e.dtype];
  }
  throw new Error(`cannot decode ${JSON.stringify(e)}`);
}

function decodeView(v: EncView, device: string | undefined): torch.Tensor {
  let t = decodeOn(v.base, device) as torch.Tensor;
  for (const [name, ...args] of v.ops) {
    const fn = (t as unknown as Record<string, unknown>)[name];
    assert.equal(typeof fn, "function", `view op Tensor.${name} is missing`);
    t = (fn as (...a: unknown[]) => torch.Tensor).apply(
      t,
      args.map((a) => decode(a)),
    );
  }
  assert.equal(t.dtype.name, v.dtype, "view dtype");
  assert.deepEqual([...t.shape], v.shape, "view shape");
  return t;
}

/** The dtype and shape of an encoded tensor or view; undefined for anything else. */
export function encMeta(
  e: Enc | undefined,
): { dtype: string; shape: number[] } | undefined {
  if (e === null || typeof e !== "object" || Array.isArray(e)) return undefined;
  if ("t" in e) return e.t;
  if ("view" in e) return e.view;
  return undefined;
}
