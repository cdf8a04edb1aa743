// Temporary folders for tests, removed when the test ends: `using dir = tempDir("flambeau-x-")`.
// A run of the suite leaves nothing in the system's temp folder (tests/run_all.mjs checks).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh folder under the system's temp folder; disposing of it removes it and its contents. */
export interface TempDir extends Disposable {
  readonly path: string;
  /** A path inside the folder. */
  join(...parts: string[]): string;
}

/** A fresh temp folder named `<prefix>XXXXXX`, removed (with its contents) on dispose. */
export function tempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    join: (...parts) => join(path, ...parts),
    [Symbol.dispose]() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}
