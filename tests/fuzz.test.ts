// Seeded mutation fuzzing of every loader (issue 12): .npy, .npz, safetensors, PyTorch checkpoints
// (zip) and Arrow IPC (file and stream). Files that NumPy, PyTorch and apache-arrow wrote
// are mutated (bit flips, bytes and 32-bit words set to edge values, truncation, chunks removed,
// repeated or inserted) and loaded, and whatever loads is read to its last element. Each mutant must
// load or fail with one of flambeau's own errors, in words: never a RangeError or TypeError from
// the runtime, a non-Error throw, a crash or a hang.
//
// `npm test` runs 300 mutants per seed file; FLAMBEAU_FUZZ_MUTANTS sets another count (the long run
// in issue 12's note used 20000) and FLAMBEAU_FUZZ_SEED another seed. The counts of outcomes are
// printed per format.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import process from "node:process";
import * as torch from "../mod.ts";
import { arrow, npy, npz, safetensors } from "../interop/mod.ts";
import { rng } from "./_support/rng.ts";

const MUTANTS = Number(process.env.FLAMBEAU_FUZZ_MUTANTS ?? 300);
const SEED = Number(process.env.FLAMBEAU_FUZZ_SEED ?? 20261205);

const fixture = (path: string) =>
  new Uint8Array(readFileSync(new URL(`fixtures/${path}`, import.meta.url)));

const EDGE_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff];
const EDGE_WORDS = [0, 1, -1, 0x7fffffff, -0x80000000, 0x10000, 0x7ffffff0];

/** One mutant of `good`: one to three mutations of the kinds above. */
function mutate(good: Uint8Array, rand: () => number): Uint8Array {
  let b = good.slice();
  const at = (n = b.length) => Math.floor(rand() * Math.max(n, 1));
  const rounds = 1 + at(3);
  for (let r = 0; r < rounds; r++) {
    switch (at(7)) {
      case 0: // bit flips
        for (let k = 0; k < 1 + at(4); k++) b[at()] ^= 1 << at(8);
        break;
      case 1: // an edge byte
        b[at()] = EDGE_BYTES[at(EDGE_BYTES.length)];
        break;
      case 2: { // an edge 32-bit word (a length, an offset, a count)
        const p = at(Math.max(b.length - 3, 1));
        if (p + 4 <= b.length) {
          new DataView(b.buffer).setInt32(
            p,
            EDGE_WORDS[at(EDGE_WORDS.length)],
            true,
          );
        }
        break;
      }
      case 3: // truncation
        b = b.slice(0, at(b.length + 1));
        break;
      case 4: { // a chunk removed
        const p = at(), n = 1 + at(64);
        b = new Uint8Array([...b.subarray(0, p), ...b.subarray(p + n)]);
        break;
      }
      case 5: { // a chunk repeated
        const p = at(), n = 1 + at(64);
        const chunk = b.slice(p, p + n);
        b = new Uint8Array([...b.subarray(0, p), ...chunk, ...b.subarray(p)]);
        break;
      }
      default: { // random bytes inserted
        const p = at(), n = 1 + at(16);
        const ins = Uint8Array.from({ length: n }, () => at(256));
        b = new Uint8Array([...b.subarray(0, p), ...ins, ...b.subarray(p)]);
      }
    }
  }
  return b;
}

/** Reads every element of whatever a loader returned (tensors, arrays, nested containers). */
function touch(x: unknown, depth = 0): void {
  if (depth > 64 || x === null || typeof x !== "object") return;
  if (x instanceof torch.Tensor.prototype.constructor) {
    (x as torch.Tensor).tolist();
    return;
  }
  if (ArrayBuffer.isView(x)) return;
  if (x instanceof Map) {
    for (const v of x.values()) touch(v, depth + 1);
    return;
  }
  for (const v of Object.values(x)) touch(v, depth + 1);
}

// What the runtime says when code reads past what it checked: a loader must never let these out.
const RUNTIME_WORDS =
  /Cannot read prop|Cannot set prop|undefined is not|null is not|is not a function|is not iterable|is not a constructor|Invalid typed array|Invalid array|out of bounds|outside the bounds|should be a multiple|Array buffer allocation|Maximum call stack|Cannot convert|Cannot mix BigInt|Invalid string length/i;

/** Why a thrown value is not an acceptable failure, or undefined when it is. */
function leak(e: unknown): string | undefined {
  if (!(e instanceof Error)) return `threw a non-Error: ${String(e)}`;
  if (!e.message) return `${e.name} without a message`;
  if (e instanceof RangeError) return `a runtime RangeError: ${e.message}`;
  if (RUNTIME_WORDS.test(e.message)) {
    return `the runtime's words: ${e.name}: ${e.message}`;
  }
  return undefined;
}

interface Format {
  name: string;
  seeds: string[];
  load: (bytes: Uint8Array) => unknown;
}

const FORMATS: Format[] = [
  {
    name: "npy",
    seeds: [
      "npy/f4.npy",
      "npy/big_i8.npy",
      "npy/fortran3.npy",
      "npy/scalar.npy",
      "npy/v2_f4.npy",
    ],
    load: (b) => npy.load_npy(b),
  },
  {
    name: "npz",
    seeds: ["npy/stored.npz", "npy/deflated.npz", "npy/unsigned.npz"],
    load: (b) => {
      const z = npz.load(b);
      return z.files.map((f) => z.tensor(f));
    },
  },
  {
    name: "safetensors",
    seeds: ["dtypes/mixed.safetensors", "dtypes/reference_pt.safetensors"],
    load: (b) => safetensors.load(b),
  },
  {
    name: "checkpoint",
    seeds: [
      "pt/net.pt",
      "pt/nested.pt",
      "pt/bf16.pt",
      "pt/deflated.pt",
      "pt/mixed.pt",
    ],
    load: (b) => torch.load(b),
  },
  {
    name: "arrow",
    seeds: [
      "arrow/numeric.arrow",
      "arrow/numeric.arrows",
      "arrow/batches.arrow",
    ],
    load: (b) => {
      const t = arrow.read(b);
      return t.schema.fields.map((f) => {
        try {
          return arrow.to_tensor(t.getChild(f.name)!, { fill: 0 });
        } catch (e) {
          // A column of a type tensors cannot hold is a TypeError that says so; anything else is
          // judged below.
          if (e instanceof TypeError && /Arrow type/.test(e.message)) {
            return null;
          }
          throw e;
        }
      });
    },
  },
];

test("the judge of failures can fail: runtime errors are leaks, flambeau's are not", () => {
  assert.match(
    leak(new RangeError("Invalid typed array length: 1"))!,
    /RangeError/,
  );
  assert.match(
    leak(new TypeError("Cannot read properties of null (reading 'x')"))!,
    /runtime's words/,
  );
  assert.match(leak("a string")!, /non-Error/);
  assert.equal(leak(new torch.ValueError("truncated: 3 bytes")), undefined);
});

describe(`fuzzing the loaders (${MUTANTS} mutants per seed file, seed ${SEED})`, () => {
  for (const format of FORMATS) {
    test(format.name, { timeout: 600_000 }, () => {
      const outcomes = new Map<string, number>();
      const bad: string[] = [];
      for (const seedFile of format.seeds) {
        const good = fixture(seedFile);
        touch(format.load(good)); // the seed itself loads
        const rand = rng(SEED ^ good.length);
        for (let i = 0; i < MUTANTS; i++) {
          const b = mutate(good, rand);
          let outcome: string;
          try {
            touch(format.load(b));
            outcome = "loaded";
          } catch (e) {
            const why = leak(e);
            if (why && bad.length < 10) {
              bad.push(`${seedFile} mutant ${i}: ${why}`);
            }
            outcome = why ? "LEAKED" : (e as Error).name;
          }
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        }
      }
      console.log(
        `fuzz ${format.name}: ${
          [...outcomes].map(([k, v]) => `${k} ${v}`).join(", ")
        }`,
      );
      assert.deepEqual(bad, []);
    });
  }
});
