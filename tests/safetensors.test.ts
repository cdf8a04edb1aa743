// interop/safetensors.ts against a file built byte by byte by a hand-written Python writer
// (tests/fixtures/gen_data.py, "safetensors" in data.json): same bytes out, same values in, clear errors.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../mod.ts";
import {
  load,
  load_metadata,
  parse,
  save,
  serialize,
} from "../interop/safetensors.ts";
import {
  assertTensorClose,
  decodeTensor,
  type EncTensor,
  readFixture,
} from "./_support/fixtures.ts";

const fx = readFixture<{
  safetensors: {
    base64: string;
    metadata: Record<string, string>;
    tensors: Record<string, EncTensor>;
  };
}>("data.json").safetensors;
const pyBytes = Uint8Array.from(atob(fx.base64), (c) => c.charCodeAt(0));

function fixtureTensors(): Record<string, torch.Tensor> {
  const out: Record<string, torch.Tensor> = {};
  for (const [k, e] of Object.entries(fx.tensors)) out[k] = decodeTensor(e);
  // Saved from a non-contiguous view in Python too: the row-major order must come out the same.
  out.transposed = torch.arange(6, { dtype: torch.float32 }).reshape(2, 3).t();
  return out;
}

/** The fixture bytes with the header replaced (and padded), for malformed-file cases. */
function withHeader(header: unknown, data = new Uint8Array(8)): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header).padEnd(8 * 40));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe("safetensors", () => {
  test("serialize writes the bytes of the hand-built Python file", () => {
    assert.deepEqual(serialize(fixtureTensors(), fx.metadata), pyBytes);
  });

  test("load reads every dtype, shape and value of the Python file", () => {
    const tensors = load(pyBytes);
    assert.deepEqual(
      Object.keys(tensors).sort(),
      Object.keys(fx.tensors).sort(),
    );
    for (const [k, e] of Object.entries(fx.tensors)) {
      assertTensorClose(tensors[k], e, k, { rtol: 0, atol: 0 });
    }
    assert.deepEqual(load_metadata(pyBytes), fx.metadata);
  });

  test("aligned tensors view the bytes; misaligned ones are copies", () => {
    const bytes = pyBytes.slice();
    const w = load(bytes)["conv.weight"];
    w.fill_(0);
    assert.equal(load(bytes)["conv.weight"].sum().item(), 0);
    // Shifted by one byte in memory, the float data cannot be viewed: a copy with the same values.
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(pyBytes);
    const c = load(shifted)["conv.bias"];
    assert.deepEqual(c.tolist(), load(pyBytes)["conv.bias"].tolist());
  });

  test("save goes through a temporary file and round-trips", () => {
    const dir = mkdtempSync(join(tmpdir(), "flambeau-st-"));
    try {
      const path = join(dir, "m.safetensors");
      save(path, { a: torch.randn(3, 4), b: torch.arange(5) });
      assert.deepEqual(readdirSync(dir), ["m.safetensors"]);
      const back = load(path);
      assert.deepEqual([...back.a.shape], [3, 4]);
      assert.deepEqual(back.b.tolist(), [0, 1, 2, 3, 4]);
      assert.deepEqual(load_metadata(path), {});
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test("malformed files are refused with the reason", () => {
    const ok = { x: { dtype: "F32", shape: [2], data_offsets: [0, 8] } };
    assert.doesNotThrow(() => parse(withHeader(ok)));
    assert.throws(() => parse(pyBytes.subarray(0, 5)), /truncated/);
    assert.throws(
      () => parse(pyBytes.subarray(0, 100)),
      /header length \d+ is larger/,
    );
    assert.throws(
      () => parse(pyBytes.subarray(0, pyBytes.length - 4)),
      /run past/,
    );
    assert.throws(
      () =>
        parse(
          withHeader({
            x: { dtype: "BF16", shape: [4], data_offsets: [0, 8] },
          }),
        ),
      /unknown dtype "BF16"/,
    );
    assert.throws(
      () =>
        parse(
          withHeader({ x: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }),
        ),
      /needs 12/,
    );
    assert.throws(
      () =>
        parse(withHeader({
          x: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
          y: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
        })),
      /overlaps/,
    );
    assert.throws(
      () =>
        parse(
          withHeader({ x: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }),
        ),
      /belong to no tensor/,
    );
    assert.throws(
      () =>
        parse(
          withHeader({
            x: { dtype: "F32", shape: [2], data_offsets: [8, 16] },
          }),
        ),
      /run past/,
    );
    const bad = withHeader(ok);
    bad[8] = 0x7b;
    bad[9] = 0x7b;
    assert.throws(() => parse(bad), /not valid JSON/);
  });
});
