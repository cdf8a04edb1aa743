// End to end through a pseudo-terminal (util-linux `script`): line editing, history, completion, Ctrl-C.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";
import { tempDir } from "./_support/tmp.ts";
import * as torch from "../mod.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const isDeno = "Deno" in globalThis;
const hasScript = spawnSync("script", ["--version"]).status === 0;
if (!hasScript) {
  console.warn(
    "SKIPPED: the REPL's pseudo-terminal tests need `script` (util-linux)",
  );
}
const ptyTest = hasScript ? test : test.skip;
// Each test drives whole REPL sessions, waiting up to 20 s for each screen it expects.
const PTY = { timeout: 120_000 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Cursor moves and line redraws that readline writes; the tests read the text around them.
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** One REPL session in a pseudo-terminal: `script` copies our writes to the terminal as keys. */
class Terminal {
  private child: ChildProcess;
  private raw = "";
  readonly exited: Promise<number | null>;

  constructor(history: string) {
    // `exec`: `script` runs the command through $SHELL -c, and a shell that stayed (dash, /bin/sh
    // where SHELL is unset, as in CI) would share the REPL's process group and die of the SIGINT
    // that Ctrl-C sends, making the session's exit code 130.
    const cmd = isDeno
      ? `exec '${process.execPath}' run -A repl/main.ts`
      : `exec '${process.execPath}' repl/main.ts`;
    // No XDG_RUNTIME_DIR, and a temp folder of the test's own: the REPL makes its private runtime
    // folder there (repl/main.ts), and the test removes it with the history.
    const { XDG_RUNTIME_DIR: _, ...env } = process.env;
    this.child = spawn("script", ["-qfec", cmd, "/dev/null"], {
      cwd: root,
      env: {
        ...env,
        TMPDIR: dirname(history),
        TERM: "xterm",
        NO_COLOR: "1",
        FLAMBEAU_HISTORY: history,
      },
    });
    this.child.stdout!.on("data", (d) => (this.raw += d));
    this.exited = new Promise((r) => this.child.on("exit", (code) => r(code)));
  }

  get text(): string {
    return this.raw.replace(ANSI, "");
  }

  /** Waits until the screen text matches, after `from` characters; fails after 20 s. */
  async waitFor(pattern: RegExp, from = 0): Promise<number> {
    for (let t = 0; t < 400; t++) {
      const m = pattern.exec(this.text.slice(from));
      if (m) return from + m.index + m[0].length;
      await sleep(50);
    }
    this.child.kill();
    throw new Error(`timed out waiting for ${pattern}; screen:\n${this.text}`);
  }

  /** Types keys one chunk at a time: readline treats a multi-key chunk as a paste (no completion). */
  async type(...keys: string[]): Promise<void> {
    for (const k of keys) {
      this.child.stdin!.write(k);
      await sleep(80);
    }
  }

  async close(): Promise<number | null> {
    const timer = setTimeout(() => this.child.kill(), 20000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

const LEFT = "\x1b[D",
  UP = "\x1b[A",
  BACKSPACE = "\x7f",
  CTRL_C = "\x03",
  CTRL_D = "\x04";

/** A history file in a temp folder that the test removes when it ends (`using`). */
function historyDir() {
  return tempDir("flambeau-pty-");
}

describe("repl in a terminal", () => {
  ptyTest(
    "banner, line editing, history kept across sessions, Ctrl-D exits",
    PTY,
    async () => {
      using dir = historyDir();
      const history = dir.join("history");
      const t = new Terminal(history);
      await t.waitFor(
        /flambeau 0\.1\.0 on (Deno|Bun) [\d.]+ \(webgpu: [^)]+\) — torch, nn, F, optim, np are loaded\. \.help for help\r\n>>> /,
      );
      await t.type("40+2\r");
      let at = await t.waitFor(/\r\n42\r\n>>> /);
      await t.type(UP, "\r"); // the previous line again
      at = await t.waitFor(/>>> 40\+2\r+\n42\r\n>>> /, at);
      await t.type("10*3", LEFT, LEFT, BACKSPACE, "\r"); // deletes the 0: 1*3
      at = await t.waitFor(/\r\n3\r\n>>> /, at);
      await t.type(CTRL_D);
      assert.equal(await t.close(), 0);
      assert.equal(readFileSync(history, "utf8"), "40+2\n40+2\n1*3\n");
      // Only its owner may read it, as Python's ~/.python_history.
      assert.equal(statSync(history).mode & 0o777, 0o600);
      // Without XDG_RUNTIME_DIR, Mesa's Vulkan driver (Deno's WebGPU) would complain twice at
      // start; the REPL gave it a private runtime folder instead.
      assert.doesNotMatch(t.text, /XDG_RUNTIME_DIR/);
      const made = readdirSync(dir.path).find((n) =>
        n.startsWith("flambeau-runtime-")
      );
      assert.ok(made, "the REPL made its runtime folder in TMPDIR");
      const runtime = statSync(dir.join(made));
      assert.ok(runtime.isDirectory());
      assert.equal(runtime.mode & 0o777, 0o700);

      const again = new Terminal(history);
      await again.waitFor(/>>> /);
      await again.type(UP, UP, "\r"); // newest first: 1*3, then 40+2
      await again.waitFor(/\r\n42\r\n>>> /);
      await again.type(".exit\r");
      assert.equal(await again.close(), 0);
    },
  );

  ptyTest(
    "typing the whole tutorial, operators and all, puts the golden transcript on the screen",
    PTY,
    async () => {
      using dir = historyDir();
      const t = new Terminal(dir.join("history"));
      const prompt = /(?:>>>|\.\.\.) $/;
      let at = await t.waitFor(/help for help\r\n>>> /);
      const start = at - ">>> ".length;
      const lines = readFileSync(
        new URL("./fixtures/repl_tutorial.txt", import.meta.url),
        "utf8",
      ).replace(/\n$/, "").split("\n");
      for (const line of lines) {
        const before = t.text.length;
        await t.type(line + "\r");
        at = await t.waitFor(prompt, before);
      }
      // readline ends each typed line with \r\r\n, output lines with \r\n.
      const screen = t.text.slice(start).replace(/\r/g, "").replace(
        />>> $/,
        "",
      );
      const expected = readFileSync(
        new URL("./fixtures/repl_tutorial.expected.txt", import.meta.url),
        "utf8",
      ).replace(
        ">>> torch.cuda.is_available()\nfalse\n",
        `>>> torch.cuda.is_available()\n${torch.cuda.is_available()}\n`,
      );
      assert.equal(screen, expected);
      await t.type(CTRL_D);
      assert.equal(await t.close(), 0);
    },
  );

  ptyTest(
    "a multi-line input comes back from history whole, in this session and the next",
    PTY,
    async () => {
      using dir = historyDir();
      const history = dir.join("history");
      const t = new Terminal(history);
      await t.waitFor(/>>> /);
      await t.type("function f(a) {\r", "  return a * 2\r", "}\r", "f(4)\r");
      let at = await t.waitFor(/\r\n8\r\n>>> /);
      await t.type(UP, UP, "\r", "f(5)\r"); // the whole definition, then f(5) once more
      at = await t.waitFor(/\r\n10\r\n>>> /, at);
      await t.type(CTRL_D);
      assert.equal(await t.close(), 0);
      assert.equal(
        readFileSync(history, "utf8"),
        "function f(a) {\n...   return a * 2\n... }\nf(4)\nfunction f(a) {\n...   return a * 2\n... }\nf(5)\n",
      );

      const again = new Terminal(history);
      await again.waitFor(/>>> /);
      await again.type(UP, UP, "\r", "f(6)\r");
      await again.waitFor(/\r\n12\r\n>>> /);
      await again.type(CTRL_D);
      assert.equal(await again.close(), 0);
    },
  );

  ptyTest(
    "tab completes globals, properties after a dot and commands",
    PTY,
    async () => {
      using dir = historyDir();
      const t = new Terminal(dir.join("history"));
      await t.waitFor(/>>> /);
      await t.type("torc", "\t", ".zeros_li", "\t", "(torch.ones(1))\r");
      let at = await t.waitFor(
        /torch\.zeros_like\(torch\.ones\(1\)\)\r+\n\r\n 0\r\n\[torch\.FloatTensor of size 1\]/,
      );
      await t.type("const obj = { alpha: 41 }\r", "obj.al", "\t", " + 1\r");
      at = await t.waitFor(/obj\.alpha \+ 1\r+\n42\r\n/, at);
      await t.type(".he", "\t", "\r");
      await t.waitFor(/\.help\r+\n(?:.*\r\n)*\.load FILE/, at);
      await t.type(CTRL_D);
      assert.equal(await t.close(), 0);
    },
  );

  ptyTest(
    "Ctrl-C cancels the current input; twice on an empty line exits",
    PTY,
    async () => {
      using dir = historyDir();
      const t = new Terminal(dir.join("history"));
      await t.waitFor(/>>> /);
      await t.type("1 +\r");
      let at = await t.waitFor(/\.\.\. /);
      await t.type(CTRL_C);
      at = await t.waitFor(/KeyboardInterrupt\r\n>>> /, at);
      await t.type("2*2\r");
      at = await t.waitFor(/\r\n4\r\n>>> /, at);
      await t.type("garbage", CTRL_C);
      at = await t.waitFor(/KeyboardInterrupt\r\n>>> /, at);
      await t.type("5*5\r");
      at = await t.waitFor(/\r\n25\r\n>>> /, at);
      assert.doesNotMatch(t.text, /Error/);
      await t.type(CTRL_C);
      await t.waitFor(/To exit, press Ctrl-C again/, at);
      await t.type(CTRL_C);
      assert.equal(await t.close(), 0);
    },
  );

  ptyTest(
    "Ctrl-C interrupts a long matmul, a busy loop and a wait; the session keeps its bindings",
    PTY,
    async () => {
      using dir = historyDir();
      const t = new Terminal(dir.join("history"));
      await t.waitFor(/>>> /);
      await t.type("const kept = 41\r", "const a = torch.ones(6000, 6000)\r");
      let at = await t.waitFor(/a = torch\.ones\(6000, 6000\)\r+\n>>> /);
      // 432 GFLOP: seconds even through OpenBLAS on two cores, so Ctrl-C lands inside it.
      await t.type("const b = a.matmul(a)\r");
      await sleep(1000);
      await t.type(CTRL_C);
      at = await t.waitFor(
        /Traceback \(most recent call last\):\r\n(?:.*\r\n)*KeyboardInterrupt\r\n>>> /,
        at,
      );
      await t.type("kept + 1\r");
      at = await t.waitFor(/\r\n42\r\n>>> /, at);
      await t.type("typeof b\r");
      at = await t.waitFor(/'undefined'\r\n>>> /, at);
      await t.type("let n = 0; while (true) n++\r");
      await sleep(500);
      await t.type(CTRL_C);
      at = await t.waitFor(/KeyboardInterrupt\r\n>>> /, at);
      await t.type("n > 0\r");
      at = await t.waitFor(/\r\ntrue\r\n>>> /, at);
      await t.type("await new Promise((r) => setTimeout(r, 60000))\r");
      await sleep(500);
      await t.type(CTRL_C);
      at = await t.waitFor(/KeyboardInterrupt\r\n>>> /, at);
      await t.type("kept\r");
      await t.waitFor(/\r\n41\r\n>>> /, at);
      await t.type(CTRL_D);
      assert.equal(await t.close(), 0);
    },
  );

  ptyTest(
    "a Tab typed while an input runs lists nothing and is not kept in history",
    PTY,
    async () => {
      using dir = historyDir();
      const history = dir.join("history");
      const t = new Terminal(history);
      await t.waitFor(/>>> /);
      await t.type(
        "const t0 = Date.now(); while (Date.now() - t0 < 1500) {}\r",
      );
      await t.type("\t");
      let at = await t.waitFor(/\{\}\r+\n\t?>>> /);
      await t.type("6*7\r");
      at = await t.waitFor(/\r\n42\r\n>>> /, at);
      // Completing an empty word would have listed every global, Float32Array among them.
      assert.doesNotMatch(t.text, /Float32Array/);
      await t.type(CTRL_D);
      assert.equal(await t.close(), 0);
      assert.equal(
        readFileSync(history, "utf8"),
        "const t0 = Date.now(); while (Date.now() - t0 < 1500) {}\n6*7\n",
      );
    },
  );

  ptyTest(
    "errors and a rejected promise leave the prompt running",
    PTY,
    async () => {
      using dir = historyDir();
      const t = new Terminal(dir.join("history"));
      await t.waitFor(/>>> /);
      await t.type("a b\r");
      let at = await t.waitFor(/SyntaxError: .*\r\n>>> /);
      await t.type("Promise.reject(new Error('later')); 7\r");
      at = await t.waitFor(/\r\n7\r\n/, at);
      at = await t.waitFor(/Uncaught \(in promise\)/, at);
      await t.type("torch.ones(2).view(3)\r");
      at = await t.waitFor(
        /RuntimeError: shape '\[3\]' is invalid for input of size 2\r\n>>> /,
        at,
      );
      await t.type("6*7\r");
      await t.waitFor(/\r\n42\r\n>>> /, at);
      await t.type(".exit\r");
      assert.equal(await t.close(), 0);
    },
  );
});
