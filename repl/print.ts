// How the REPL shows results and errors: the library's printers, then Python's traceback shape.

import { inspect } from "node:util";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { WRAPPER } from "./transform.ts";

/**
 * The text the prompt echoes for a value, or undefined for none (like Python's None, `undefined`
 * prints nothing). Tensors, Sizes and modules carry `nodejs.util.inspect.custom`, so inspect gives
 * exactly what `console.log` shows: a legacy tensor repr keeps its leading and trailing newline,
 * which are the blank lines PyTorch's prompt printed around a tensor.
 */
export function formatResult(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return inspect(value, { depth: 4, maxArrayLength: 100, breakLength: 100 });
}

/** A syntax error the way Python's prompt shows one: the line, a caret, the message. */
export function formatSyntaxError(
  source: string,
  line: number,
  column: number,
  text: string,
  message: string,
): string {
  return [
    `  File "${source}", line ${line}`,
    `    ${text}`,
    `    ${" ".repeat(column)}^`,
    `SyntaxError: ${message}`,
  ].join("\n");
}

type Frame = { fn: string; file: string; line: string };

// V8 writes `at fn (file:1:2)`, `at file:1:2` and, for eval'd code, `at fn (<input-3>, <anonymous>:1:2)`;
// Bun writes the same shape without the `<anonymous>` part.
const FRAME = /^\s*at (?:(.*?) \()?(.*?)(?:, <anonymous>)?:(\d+):\d+\)?$/;

function frames(stack: string, root: string): Frame[] {
  const out: Frame[] = [];
  for (const raw of stack.split("\n")) {
    const m = FRAME.exec(raw);
    if (!m) continue;
    let [, fn = "", file, line] = m;
    fn = fn.replace(/^async /, "");
    // The script that eval runs only calls the input's wrapper: it is not the user's code.
    if (
      /^<input-/.test(file) && fn !== WRAPPER &&
      /^(?:eval|<anonymous>|)$/.test(fn)
    ) continue;
    if (fn === WRAPPER) fn = "<module>";
    // Installed methods are named like `Tensor.proto.<computed> [as view]`.
    const as = /^(\w+)\..*\[as (\w+)\]$/.exec(fn);
    if (as) fn = `${as[1]}.${as[2]}`;
    // The REPL's own frames and the runtime's internals say nothing about the user's code.
    if (/^(?:node:|ext:|internal|native|\[native)/.test(file)) continue;
    if (file.startsWith("file://")) file = fileURLToPath(file);
    if (file.startsWith(root + "/repl/")) continue;
    if (file.startsWith("/")) {
      const rel = relative(root, file);
      file = rel.startsWith("..") ? file : rel;
    }
    out.push({ fn, file, line });
  }
  return out;
}

/**
 * An error as a short Python traceback, most recent call last: at most six frames of user and
 * library code, then `Name: message`. Evaluated inputs are named `<input-N>` (their sourceURL)
 * and show as `<stdin>`; library files show relative to `root`.
 */
export function formatError(err: unknown, root: string): string {
  if (!(err instanceof Error)) {
    return `Exception: ${inspect(err, { depth: 2 })}`;
  }
  let list = frames(err.stack ?? "", root).reverse();
  // As in Python, the traceback starts at the input: the REPL's own callers are not shown.
  const first = list.findIndex((f) => /^<.*>$/.test(f.file));
  if (first > 0) list = list.slice(first);
  // Where the user's code was when Ctrl-C came is what Python shows, not the kernel that saw it.
  if (err.name === "KeyboardInterrupt") {
    list = list.filter((f) => /^<.*>$/.test(f.file));
  }
  list = list.slice(-6);
  const lines = ["Traceback (most recent call last):"];
  for (const f of list) {
    const where = /^<.*>$/.test(f.file) ? "<stdin>" : f.file;
    lines.push(`  File "${where}", line ${f.line}, in ${f.fn || "<module>"}`);
  }
  const name = err.name || "Error";
  lines.push(err.message ? `${name}: ${err.message}` : name);
  return lines.join("\n");
}
