// `repl/main.ts --run FILE`: a script with the prompt's Python operators (`x * 2`, `x[0]`,
// `p.data -= lr * p.grad`). Plain `deno run`/`bun` keep JavaScript's meaning; this is the opt-in.

import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { transpileScript } from "./transform.ts";
import { OPS, ops } from "./operators.ts";

/**
 * Runs the script: its rewritten JavaScript is written beside it (so its relative imports resolve
 * as they would for the file itself), imported, and removed.
 */
export async function runScript(file: string): Promise<void> {
  const path = resolve(file);
  const js = transpileScript(readFileSync(path, "utf8"));
  Object.defineProperty(globalThis, OPS, { value: ops, configurable: true });
  const out = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.flambeau.mjs`,
  );
  writeFileSync(out, js);
  try {
    await import(pathToFileURL(out).href);
  } catch (e) {
    // Tracebacks name the script, not its rewritten copy (the lines are the same).
    if (e instanceof Error && e.stack) {
      e.stack = e.stack.replaceAll(
        pathToFileURL(out).href,
        pathToFileURL(path).href,
      )
        .replaceAll(out, path);
    }
    throw e;
  } finally {
    rmSync(out, { force: true });
  }
}
