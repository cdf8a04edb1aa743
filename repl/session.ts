// One REPL session: collects lines into inputs, evaluates them in one persistent scope, prints.

import { fileURLToPath } from "node:url";
import * as torch from "../mod.ts";
import { read, RESULT } from "./transform.ts";
import { formatError, formatResult, formatSyntaxError } from "./print.ts";
import { np } from "./np.ts";
import { runCommand } from "./commands.ts";
import { runtimeHint } from "./hints.ts";
import { OPS, ops } from "./operators.ts";
import { KeyboardInterrupt } from "../src/interrupt.ts";

/** The repository root: library frames in tracebacks are shown relative to it. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(
  /\/$/,
  "",
);

/** What the session asks of its host after a line: keep reading, or stop. */
export type Next = "more" | "done" | "exit";

export type SessionOptions = {
  /** Writes a result or other normal output, one call per printed block. */
  out?: (text: string) => void;
  /** Writes an error report. */
  err?: (text: string) => void;
  /** Echo each line after a `>>> ` or `... ` prompt, so that piped output reads as a transcript. */
  echo?: boolean;
  cwd?: string;
};

const g = globalThis as Record<string, unknown>;

/** Python's `print`: each argument as `str()` shows it (tensors as the prompt prints them). */
function print(...args: unknown[]): void {
  console.log(
    args.map((a) =>
      typeof a === "string"
        ? a
        : typeof a === "boolean"
        ? (a ? "True" : "False")
        : a === null
        ? "None"
        : a instanceof torch.NDArray
        ? String(a)
        : formatResult(a) ?? "None"
    ).join(" "),
  );
}

/**
 * Python's `len`: a tensor's first dim (a 0-d tensor raises, as in PyTorch), the length of an
 * array, string, dataset or data loader, the size of a Map or Set.
 */
function len(x: unknown): number {
  if (x instanceof torch.Tensor) {
    if (x.dim() === 0) throw new TypeError("len() of a 0-d tensor");
    return x.size(0) as number;
  }
  if (x instanceof torch.NDArray) {
    if (x.ndim === 0) throw new TypeError("len() of unsized object");
    return x.shape[0];
  }
  if (x instanceof Map || x instanceof Set) return x.size;
  const n = (x as { length?: unknown } | null)?.length;
  if (typeof n === "number") return n;
  const what = x === null || x === undefined
    ? "NoneType"
    : typeof x === "number"
    ? (Number.isInteger(x) ? "int" : "float")
    : typeof x === "boolean"
    ? "bool"
    : typeof x === "object"
    ? (x as object).constructor?.name ?? "object"
    : typeof x;
  throw new TypeError(`object of type '${what}' has no len()`);
}

/** The names every session starts with. */
export function preloaded(): Record<string, unknown> {
  return {
    torch,
    nn: torch.nn,
    F: torch.nn.functional,
    optim: torch.optim,
    np,
    print,
    len,
  };
}

export class Session {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly echo: boolean;
  readonly cwd: string;
  /** Every evaluated input, for `.save`. */
  readonly inputs: string[] = [];
  /** Set once any input failed; a non-interactive run exits non-zero then. */
  failed = false;
  /** The device `.device` picked, exposed to the session as `device`. */
  device = "cpu";
  /**
   * Ctrl-C while an input waits (on a timer, a download): it stops waiting and reports
   * KeyboardInterrupt. A computing input is interrupted by its kernels instead (src/interrupt.ts).
   */
  interrupt: () => void = () => {};
  private buffer: string[] = [];
  private count = 0;
  private readonly baseline: Set<string>;

  constructor(opts: SessionOptions = {}) {
    this.out = opts.out ?? ((t) => console.log(t));
    this.err = opts.err ?? ((t) => console.error(t));
    this.echo = opts.echo ?? false;
    this.cwd = opts.cwd ?? process.cwd();
    this.baseline = new Set(Object.getOwnPropertyNames(globalThis));
    // Deep enough that a traceback reaches the input's frame from inside a kernel.
    Error.stackTraceLimit = Math.max(Error.stackTraceLimit ?? 10, 50);
    this.reset();
  }

  /** The prompt for the next line: `... ` while an input is unfinished. */
  get prompt(): string {
    return this.buffer.length > 0 ? "... " : ">>> ";
  }

  /** Drops an unfinished input (Ctrl-C). */
  cancel(): void {
    this.buffer = [];
  }

  /** Forgets every binding the session made and loads the starting names again (`.clear`). */
  reset(): void {
    this.buffer = [];
    for (const name of Object.getOwnPropertyNames(globalThis)) {
      if (!this.baseline.has(name)) Reflect.deleteProperty(g, name);
    }
    Object.assign(g, preloaded(), { device: this.device });
    // What rewritten operators call (repl/operators.ts): not a name the user sees or completes.
    Object.defineProperty(g, OPS, { value: ops, configurable: true });
  }

  /** Reports an error in Python's words and marks the session failed. */
  fail(e: unknown, input = ""): void {
    this.failed = true;
    const hint = runtimeHint(e, input);
    this.err(formatError(e, ROOT) + (hint ? `\nhint: ${hint}` : ""));
  }

  /** Takes one line; evaluates the input once it is complete. */
  async line(line: string): Promise<Next> {
    if (this.echo) this.out(this.prompt + line);
    if (this.buffer.length === 0 && /^\s*\.[a-z]/.test(line)) {
      return await runCommand(this, line.trim());
    }
    this.buffer.push(line);
    const text = this.buffer.join("\n");
    if (text.trim() === "") {
      this.buffer = [];
      return "done";
    }
    const parsed = read(text, this.cwd);
    if (parsed.kind === "incomplete") return "more";
    this.buffer = [];
    this.inputs.push(text);
    if (parsed.kind === "error") {
      this.failed = true;
      const { line: l, column, text: src, message, hint } = parsed;
      this.err(
        formatSyntaxError("<stdin>", l, column, src, message) +
          (hint ? `\nhint: ${hint}` : ""),
      );
      return "done";
    }
    await this.evaluate(parsed.js, text);
    return "done";
  }

  /** Feeds a whole script, line by line, as if typed; says whether it ended mid-input. */
  async script(text: string): Promise<Next> {
    const lines = text.replace(/\r\n/g, "\n").replace(/\n$/, "").split("\n");
    for (const l of lines) {
      if (await this.line(l) === "exit") return "exit";
    }
    if (this.buffer.length > 0) {
      this.buffer = [];
      this.failed = true;
      this.err("SyntaxError: unexpected end of input");
    }
    return "done";
  }

  private async evaluate(js: string, input: string): Promise<void> {
    // The sourceURL names the chunk in stack traces, which formatError shows as <stdin>.
    const code = `${js}\n//# sourceURL=<input-${++this.count}>`;
    try {
      // Indirect eval: global scope, sloppy mode, so that `x = 1` makes a binding like Python.
      const running = (0, eval)(code) as Promise<
        Record<string, unknown> | undefined
      >;
      const interrupted = new Promise<never>((_, reject) => {
        this.interrupt = () => reject(new KeyboardInterrupt());
      });
      const result = await Promise.race([running, interrupted]);
      if (result && RESULT in result) {
        const value = result[RESULT];
        const text = formatResult(value);
        if (text !== undefined) {
          g._ = value;
          this.out(text);
        }
      }
    } catch (e) {
      this.fail(e, input);
    } finally {
      this.interrupt = () => {};
    }
  }
}
