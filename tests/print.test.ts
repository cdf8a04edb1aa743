// Tests for src/print: legacy and modern fixtures, hand-checked legacy cases, and pyformat.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { DTypeName } from "../src/dtype.ts";
import {
  center,
  formatExp,
  formatFixed,
  formatLegacy,
  formatModern,
  formatSize,
  formatTensor,
  get_printoptions,
  type PrintSource,
  pyformat,
  set_printoptions,
  type SetPrintOptions,
} from "../src/print/mod.ts";
import { exactExpDigits, exactFixed } from "../src/print/pyformat.ts";

interface Case {
  name: string;
  dtype: DTypeName;
  shape: number[];
  data: (number | string)[];
  repr: string;
  device?: string;
  wrapper?: "Variable" | "Parameter";
  requires_grad?: boolean;
  grad_fn?: string;
  options?: SetPrintOptions;
}

function load<T>(file: string): T {
  const url = new URL(`./fixtures/${file}`, import.meta.url);
  return JSON.parse(readFileSync(url, "utf8"));
}

const SPECIAL: Record<string, number> = {
  nan: NaN,
  inf: Infinity,
  "-inf": -Infinity,
};

/** The case's values rounded to its dtype, as a tensor of that dtype would hold them. */
function values(c: Case): (number | bigint)[] {
  return c.data.map((d) => {
    if (c.dtype === "int64") return BigInt(d); // strings keep values past 2^53 exact
    const v = typeof d === "string" ? SPECIAL[d] : d;
    if (c.dtype === "float32") return Math.fround(v);
    if (c.dtype === "float16") return Math.f16round(v);
    return v;
  });
}

function source(c: Case): PrintSource {
  return {
    dtype: c.dtype,
    shape: c.shape,
    values: values(c),
    device: c.device,
    wrapper: c.wrapper,
    requires_grad: c.requires_grad,
    grad_fn: c.grad_fn,
  };
}

function withOptions<T>(opts: SetPrintOptions | undefined, f: () => T): T {
  if (opts) set_printoptions(opts);
  try {
    return f();
  } finally {
    set_printoptions({ profile: "default", style: "legacy" });
  }
}

describe("legacy fixtures (spec sample)", () => {
  for (const c of load<Case[]>("legacy_print_sample.json")) {
    test(c.name, () => assert.equal(formatLegacy(source(c)), c.repr));
  }
});

describe("modern fixtures (torch 1.13)", () => {
  const cases = [
    ...load<Case[]>("modern_print_sample.json"),
    ...load<Case[]>("modern_print_cases.json"),
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(
        withOptions(c.options, () => formatModern(source(c))),
        c.repr,
      );
    });
  }
});

const f32 = (shape: number[], vals: number[]): PrintSource => ({
  dtype: "float32",
  shape,
  values: Float32Array.from(vals),
});
const fill = (n: number, v: number | ((i: number) => number)) =>
  Array.from({ length: n }, (_, i) => typeof v === "number" ? v : v(i));
const lines = (...ls: string[]) => ls.map((l) => l + "\n").join("");

describe("legacy, hand-checked from the spec", () => {
  test("§5.1 Columns 0 to 9: 2x11 splits, every chunk after a blank line", () => {
    const row10 = Array(10).fill(" 0.5000").join(" ");
    assert.equal(
      formatLegacy(f32([2, 11], fill(22, 0.5))),
      "\n" + lines("", "Columns 0 to 9 ", row10, row10) +
        lines("", "Columns 10 to 10 ", " 0.5000", " 0.5000") +
        "[torch.FloatTensor of size 2x11]\n",
    );
  });

  test("§5.1 the `first != 1` quirk: one column per line, chunk 1 has no blank line", () => {
    assert.equal(
      formatLegacy(f32([2, 3], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]), {
        linewidth: 15,
      }),
      "\n" + lines("", "Columns 0 to 0 ", " 0.1000", " 0.4000") +
        lines("Columns 1 to 1 ", " 0.2000", " 0.5000") +
        lines("", "Columns 2 to 2 ", " 0.3000", " 0.6000") +
        "[torch.FloatTensor of size 2x3]\n",
    );
  });

  test("§3.4 scale line; §9.5 a scaled value can be 10.0000", () => {
    assert.equal(
      formatLegacy(f32([2], [0, 1e-5])),
      "\n" + lines("1.00000e-06 *", "  0.0000", " 10.0000") +
        "[torch.FloatTensor of size 2]\n",
    );
  });

  test("§9.4 a zero forces E mode; without it, a 1e+05 scale", () => {
    assert.equal(
      formatLegacy({ dtype: "float64", shape: [2], values: [0, 123456.5] }),
      "\n" + lines(" 0.0000e+00", " 1.2346e+05") +
        "[torch.DoubleTensor of size 2]\n",
    );
    assert.equal(
      formatLegacy({ dtype: "float64", shape: [1], values: [123456.5] }),
      "\n" + lines("1.00000e+05 *", "  1.2346") +
        "[torch.DoubleTensor of size 1]\n",
    );
  });

  test("§5.2 / §9.7 summarized 2-D rows ignore the scale space", () => {
    const row = " 5.0000  5.0000";
    assert.equal(
      formatLegacy(f32([500, 2], fill(1000, 0.05))),
      "\n" + lines("1.00000e-02 *", row, row, row) +
        lines(center("⋮", row.length + 1), row, row, row) +
        "[torch.FloatTensor of size 500x2]\n",
    );
  });

  test("§5.2 summarized 2-D with both dots (I mode, min width 5)", () => {
    const row = (r: number) =>
      [0, 1, 2].map((c) => String(r * 40 + c).padStart(5)).join(" ") +
      "  ...  " +
      [37, 38, 39].map((c) => String(r * 40 + c).padStart(5)).join(" ");
    assert.equal(row(0), "    0     1     2  ...     37    38    39");
    assert.equal(
      formatLegacy(f32([40, 40], fill(1600, (i) => i))),
      "\n" + lines(row(0), row(1), row(2)) +
        lines("       ...          ⋱          ...       ") +
        lines(row(37), row(38), row(39)) +
        "[torch.FloatTensor of size 40x40]\n",
    );
  });

  test("§6 N-D summarized with skip and restart markers (8x2x8x8)", () => {
    const r = "   1   1   1  ...    1   1   1";
    const slice = lines(
      r,
      r,
      r,
      "     ...       ⋱       ...    ",
      r,
      r,
      r,
    );
    const header = (a: number, b: number) => `(${a} ,${b} ,.,.) = \n`;
    let want = "\n";
    for (const a of [0, 1, 2, 5, 6, 7]) {
      if (a === 5) want += lines("...   ", "     ⋮ ");
      else if (a !== 0) want += lines("     ⋮ ");
      want += (a === 0 ? "" : "\n") + header(a, 0) + slice + "\n" +
        header(a, 1) + slice;
    }
    want += "[torch.FloatTensor of size 8x2x8x8]\n";
    assert.equal(formatLegacy(f32([8, 2, 8, 8], fill(1024, 1))), want);
  });

  test("§6 3-D skip line, rows truncated when only the last dim is long", () => {
    const r = "   0   0   0  ...    0   0   0";
    let want = "\n";
    for (const a of [0, 1, 2, 7, 8, 9]) {
      if (a === 7) want += "...\n";
      want += (a === 0 ? "" : "\n") + `(${a} ,.,.) = \n` + lines(r, r);
    }
    want += "[torch.FloatTensor of size 10x2x60]\n";
    assert.equal(formatLegacy(f32([10, 2, 60], fill(1200, 0))), want);
  });

  test("§6 N-D vdots line: no indent, unindented row width; header width 3 for a size of 300", () => {
    const r = "   1   1";
    const vdots = center("⋮", "  1   1".length + 1);
    const slice = lines(r, r, r, vdots, r, r, r);
    assert.equal(
      formatLegacy(f32([2, 300, 2], fill(1200, 1))),
      "\n( 0 ,.,.) = \n" + slice + "\n( 1 ,.,.) = \n" + slice +
        "[torch.FloatTensor of size 2x300x2]\n",
    );
  });

  test("§5.1 / §9.6 Columns in an N-D slice: the first row gets a double indent", () => {
    const chunk = (a: number, b: number) => {
      const row = " " + Array(b - a + 1).fill(" 0.5000").join(" ");
      return "\n" + `Columns ${a} to ${b} \n ` + lines(row, row);
    };
    const slice = chunk(0, 8) + chunk(9, 17) + chunk(18, 26) + chunk(27, 29);
    assert.ok(slice.includes("\n   0.5000  0.5000"));
    assert.equal(
      formatLegacy(f32([2, 2, 30], fill(120, 0.5))),
      "\n(0 ,.,.) = \n" + slice + "\n(1 ,.,.) = \n" + slice +
        "[torch.FloatTensor of size 2x2x30]\n",
    );
  });

  test("§6 header width follows the largest size: ( 0 ,.,.) with a dim of 100", () => {
    const out = formatLegacy(f32([2, 1, 100], fill(200, 1)));
    assert.ok(out.startsWith("\n( 0 ,.,.) = \n"));
    assert.ok(out.includes("\n\n( 1 ,.,.) = \n"));
  });

  test("§8 LongTensor E mode (width fixed at 11), bigint values", () => {
    assert.equal(
      formatLegacy({ dtype: "int64", shape: [3], values: [1000000n, 5n, -2n] }),
      "\n" + lines(" 1.0000e+06", " 5.0000e+00", "-2.0000e+00") +
        "[torch.LongTensor of size 3]\n",
    );
  });

  test("§8 ByteTensor and (our addition) BoolTensor in I mode", () => {
    const u8 = {
      dtype: "uint8",
      shape: [3],
      values: Uint8Array.of(0, 1, 255),
    } as const;
    assert.equal(
      formatLegacy(u8),
      "\n" + lines("   0", "   1", " 255") + "[torch.ByteTensor of size 3]\n",
    );
    assert.equal(
      formatLegacy({ dtype: "bool", shape: [2], values: [1, 0] }),
      "\n" + lines(" 1", " 0") + "[torch.BoolTensor of size 2]\n",
    );
  });

  test("§1 empty tensors have no dimension, 0-d ones print their value sized (); §9.1 Variable wrapper", () => {
    const scalar = f32([], [2.5]);
    assert.equal(
      formatLegacy(scalar),
      "\n 2.5000\n[torch.FloatTensor of size ()]\n",
    );
    assert.equal(
      formatLegacy({ ...scalar, wrapper: "Variable" }),
      "Variable containing:\n 2.5000\n[torch.FloatTensor of size ()]\n",
    );
    assert.equal(
      formatLegacy({ ...f32([0], []), wrapper: "Variable" }),
      "Variable containing:[torch.FloatTensor with no dimension]\n",
    );
    assert.equal(
      formatLegacy({ dtype: "int64", shape: [2, 0], values: [] }),
      "[torch.LongTensor with no dimension]\n",
    );
  });

  test("§1.1 non-CPU devices print as CUDA", () => {
    const t = { ...f32([1], [1]), device: "webgpu" };
    assert.equal(
      formatLegacy(t),
      "\n 1\n[torch.cuda.FloatTensor of size 1 (GPU 0)]\n",
    );
    const c1 = {
      ...t,
      dtype: "int64",
      values: [703n],
      device: "cuda:1",
    } as const;
    assert.equal(
      formatLegacy({ ...c1, shape: [1, 1], wrapper: "Variable" }),
      "Variable containing:\n 703\n[torch.cuda.LongTensor of size 1x1 (GPU 1)]\n",
    );
  });

  test("§2 precision changes the decimals, not the fixed widths", () => {
    assert.equal(
      formatLegacy(f32([1], [1.03125]), { precision: 2 }),
      "\n   1.03\n[torch.FloatTensor of size 1]\n",
    );
  });

  test("§4 summarized vector, strict threshold; full profile never summarizes", () => {
    const v = f32([1000], fill(1000, (i) => i / 1000));
    const out = formatLegacy(v);
    assert.ok(out.includes("\n 0.0020\n   ⋮   \n 0.9970\n"));
    assert.equal(
      withOptions({ profile: "full" }, () => formatLegacy(v)).split("\n")
        .length,
      1003,
    );
  });
});

describe("modern, beyond torch's CPU", () => {
  test("device suffix comes first", () => {
    const t: PrintSource = {
      dtype: "float64",
      shape: [2],
      values: [1, 2],
      device: "webgpu",
    };
    assert.equal(
      formatModern({ ...t, requires_grad: true }),
      "tensor([1., 2.], device='webgpu:0', dtype=torch.float64, requires_grad=True)",
    );
    assert.equal(
      formatModern({ ...t, device: "cuda:1" }),
      "tensor([1., 2.], device='cuda:1', dtype=torch.float64)",
    );
  });

  test("a Variable wrapper has no effect", () => {
    assert.equal(
      formatModern({ ...f32([1], [1]), wrapper: "Variable" }),
      "tensor([1.])",
    );
  });
});

describe("options, formatTensor, formatSize", () => {
  test("defaults, profiles, and sci_mode reset as in PyTorch", () => {
    const d = get_printoptions();
    assert.deepEqual(d, {
      precision: 4,
      threshold: 1000,
      edgeitems: 3,
      linewidth: 80,
      sci_mode: null,
      style: "legacy",
    });
    withOptions({ profile: "short", sci_mode: true, style: "modern" }, () => {
      assert.equal(get_printoptions().precision, 2);
      assert.equal(get_printoptions().sci_mode, true);
      set_printoptions({ linewidth: 100 });
      assert.equal(get_printoptions().sci_mode, null);
      assert.equal(get_printoptions().style, "modern");
      assert.equal(formatTensor(f32([1], [1.5])), "tensor([1.50])");
    });
    assert.deepEqual(get_printoptions(), d);
  });

  test("bad options throw TypeError naming the key", () => {
    const bad = (o: unknown) => () => set_printoptions(o as SetPrintOptions);
    assert.throws(
      bad({ precison: 2 }),
      (e) => e instanceof TypeError && /precison/.test(e.message),
    );
    assert.throws(
      bad({ precision: "2" }),
      (e) => e instanceof TypeError && /precision/.test(e.message),
    );
    assert.throws(bad({ edgeitems: 1.5 }), /edgeitems/);
    assert.throws(bad({ sci_mode: 1 }), /sci_mode/);
    assert.throws(bad({ profile: "long" }), /profile/);
    assert.throws(bad({ style: "new" }), /style/);
    assert.throws(
      () => formatLegacy(f32([1], [1]), { profile: "full" } as never),
      /profile/,
    );
    assert.equal(get_printoptions().precision, 4);
  });

  test("formatTensor picks the style; formatSize", () => {
    const t = f32([2], [1, 2]);
    assert.equal(formatTensor(t), "\n 1\n 2\n[torch.FloatTensor of size 2]\n");
    assert.equal(formatTensor(t, { style: "modern" }), "tensor([1., 2.])");
    assert.equal(formatSize([2, 3, 4]), "torch.Size([2, 3, 4])");
    assert.equal(formatSize([]), "torch.Size([])");
    assert.equal(formatSize([5]), "torch.Size([5])");
  });

  // How long it takes is bench/print.ts's business: tests assert no timings.
  test("a 1000x1000 float32 tensor prints summarised in both styles", {
    timeout: 60_000,
  }, () => {
    const t = f32([1000, 1000], fill(1e6, (i) => Math.sin(i)));
    const legacy = formatLegacy(t);
    const modern = formatModern(t);
    assert.ok(legacy.endsWith("[torch.FloatTensor of size 1000x1000]\n"));
    assert.ok(modern.includes("..."));
  });
});

describe("pyformat", () => {
  const num = (s: string) =>
    s in SPECIAL ? SPECIAL[s] : s === "-nan" ? NaN : Number(s);
  test("matches Python's format() on the generated cases", () => {
    const cases = load<[string, string, string][]>("pyformat_cases.json");
    let bad = 0;
    for (const [v, spec, want] of cases) {
      const got = pyformat(num(v), spec);
      if (got !== want && bad++ < 5) {
        assert.fail(`format(${v}, '${spec}'): got ${got}, want ${want}`);
      }
    }
    assert.equal(bad, 0);
  });

  test("ties to even, exponents, signs, non-finite", () => {
    assert.equal(formatFixed(1.03125, 4), "1.0312");
    assert.equal(formatFixed(2.96875, 4, 7), " 2.9688");
    assert.equal(formatFixed(-0.15625, 4), "-0.1562");
    assert.equal(formatFixed(2.5, 0), "2");
    assert.equal(formatFixed(-0, 4), "-0.0000");
    assert.equal(formatFixed(-1e-9, 2), "-0.00");
    assert.equal(formatFixed(1e22, 1), "10000000000000000000000.0");
    assert.equal(formatExp(10.3125, 4), "1.0312e+01");
    assert.equal(formatExp(1e-120, 4, 11), "1.0000e-120");
    assert.equal(formatExp(5e-324, 4), "4.9407e-324");
    assert.equal(formatExp(1.7976931348623157e308, 5), "1.79769e+308");
    assert.equal(formatExp(0, 0), "0e+00");
    assert.equal(formatExp(-Infinity, 4, 6), "  -inf");
    assert.equal(formatFixed(NaN, 4, 2), "nan");
    assert.equal(center("0", 2), "0 ");
    assert.equal(center("⋮", 7), "   ⋮   ");
  });

  test("the toFixed/toExponential fast path agrees with exact BigInt arithmetic", () => {
    const buf = new Float64Array(1), bits = new Uint32Array(buf.buffer);
    let seed = 12345;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 3000; i++) {
      bits[0] = rnd();
      bits[1] = rnd();
      // also plain decimals, which are the common case
      const x = i % 2 ? Math.abs(buf[0]) : rnd() / 10 ** (rnd() % 12);
      if (!Number.isFinite(x)) continue;
      const p = rnd() % 12;
      if (x < 1e21) {
        assert.equal(formatFixed(x, p), exactFixed(x, p), `${x} .${p}f`);
      }
      if (x > 0) {
        const [d, e] = exactExpDigits(x, p);
        const want = (p ? d[0] + "." + d.slice(1) : d) + "e" +
          (e < 0 ? "-" : "+") +
          String(Math.abs(e)).padStart(2, "0");
        assert.equal(formatExp(x, p), want, `${x} .${p}e`);
      }
    }
  });
});
