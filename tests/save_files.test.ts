// Saving is atomic and durable, and leaves nothing behind: a temporary file from a save whose
// process was killed is removed by the next save to the same path; one still being written is not.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../mod.ts";
import * as interop from "../interop/mod.ts";

function folder(): { dir: string; [Symbol.dispose](): void } {
  const dir = mkdtempSync(join(tmpdir(), "flambeau-save-"));
  return {
    dir,
    [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The pid of a process that has run and exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["--version"]);
  assert.ok(r.pid && r.pid > 0);
  return r.pid!;
}

const SAVES: [string, string, (path: string) => void][] = [
  ["torch.save", "net.pt", (p) => torch.save({ w: torch.ones(3) }, p)],
  [
    "safetensors",
    "w.safetensors",
    (p) => interop.safetensors.save(p, { w: torch.ones(3) }),
  ],
  ["npy", "x.npy", (p) => interop.npy.save(p, torch.ones(3))],
];

describe("atomic saves leave no temporary files", () => {
  for (const [name, file, save] of SAVES) {
    test(`${name}: a killed save's temporary file goes at the next save; a live one stays`, () => {
      using f = folder();
      const path = join(f.dir, file);
      const dead = `${file}.${deadPid()}.abc123.tmp`;
      writeFileSync(join(f.dir, dead), new Uint8Array(1024));
      const child = spawn("sleep", ["30"]);
      try {
        const live = `${file}.${child.pid}.def456.tmp`;
        writeFileSync(join(f.dir, live), new Uint8Array(8));
        // Not ours by its name: left alone whatever its pid.
        writeFileSync(join(f.dir, `${file}.notes.tmp`), "keep");
        save(path);
        assert.deepEqual(
          readdirSync(f.dir).sort(),
          [file, `${file}.notes.tmp`, live].sort(),
        );
      } finally {
        child.kill();
      }
    });
  }

  test("a save that fails removes its temporary file and leaves the old file", () => {
    using f = folder();
    const path = join(f.dir, "net.pt");
    torch.save({ w: torch.ones(2) }, path);
    // A folder where the file should go: the rename fails after the data was written.
    const blocked = join(f.dir, "blocked.pt");
    mkdirSync(blocked);
    writeFileSync(join(blocked, "inside"), "x");
    assert.throws(() => torch.save({ w: torch.ones(2) }, blocked));
    assert.deepEqual(readdirSync(f.dir).sort(), ["blocked.pt", "net.pt"]);
    assert.deepEqual((torch.load(path) as { w: torch.Tensor }).w.tolist(), [
      1,
      1,
    ]);
  });
});
