// The interactive prompt: node:readline for line editing, history, completion and Ctrl-C.

import { OPS } from "./operators.ts";
import * as readline from "node:readline";
import { appendFileSync, chmodSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Session } from "./session.ts";
import { COMMAND_NAMES } from "./commands.ts";
import { InterruptWatcher } from "./interrupt.ts";

/**
 * `$FLAMBEAU_HISTORY`, else ~/.flambeau_history; one input per line, oldest first, the later
 * lines of a multi-line input marked `... ` as the prompt shows them.
 */
export function historyFile(): string {
  return process.env.FLAMBEAU_HISTORY || join(homedir(), ".flambeau_history");
}

/** The file's form of one input: its later lines marked `... ` (no input starts with `...`). */
export function encodeEntry(entry: string): string {
  return entry.split("\n").map((l, i) => (i === 0 ? l : `... ${l}`)).join("\n");
}

/** The inputs a history file holds, oldest first; a multi-line input is one entry. */
export function decodeHistory(text: string): string[] {
  const entries: string[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("... ") && entries.length > 0) {
      entries[entries.length - 1] += "\n" + line.slice(4);
    } else if (line.trim() !== "") entries.push(line);
  }
  return entries;
}

function loadHistory(file: string): string[] {
  try {
    // readline wants the newest entry first.
    return decodeHistory(readFileSync(file, "utf8")).slice(-1000).reverse();
  } catch {
    return [];
  }
}

const KEYWORDS = [
  "async",
  "await",
  "class",
  "const",
  "else",
  "false",
  "for",
  "function",
  "if",
  "import",
  "let",
  "new",
  "null",
  "return",
  "true",
  "typeof",
  "undefined",
  "while",
];

/** Property names along an object's prototype chain, stopping at the built-in roots. */
function propertyNames(obj: unknown): string[] {
  const names = new Set<string>();
  let o: unknown = obj;
  while (
    o !== null && o !== undefined && o !== Object.prototype &&
    o !== Function.prototype
  ) {
    for (const n of Object.getOwnPropertyNames(o)) names.add(n);
    o = Object.getPrototypeOf(o);
  }
  return [...names];
}

/**
 * Completes the word before the cursor: a dot command, a global, or, after `a.b.`, a property of
 * the object that path names. The path is walked by property access, never evaluated as code, so
 * completing cannot run a call.
 */
export function complete(line: string): [string[], string] {
  if (/^\s*\.\w*$/.test(line)) {
    const word = line.trim();
    return [COMMAND_NAMES.filter((c) => c.startsWith(word)), word];
  }
  const m = /((?:[A-Za-z_$][\w$]*\.)*)([\w$]*)$/.exec(line);
  if (!m) return [[], ""];
  const [, path, word] = m;
  let candidates: string[];
  if (path === "") {
    candidates = [...propertyNames(globalThis), ...KEYWORDS];
  } else {
    let o: unknown = globalThis;
    try {
      for (const part of path.slice(0, -1).split(".")) {
        o = (o as Record<string, unknown>)[part];
        if (o === null || o === undefined) return [[], word];
      }
    } catch {
      return [[], word];
    }
    candidates = propertyNames(o);
  }
  const hits = [...new Set(candidates)]
    .filter((n) =>
      n.startsWith(word) && /^[A-Za-z_$][\w$]*$/.test(n) && n !== OPS
    )
    .sort();
  return [hits, word];
}

/** Runs the prompt until .exit, Ctrl-D, or Ctrl-C twice on an empty line. */
export function interactive(session: Session, banner: string): Promise<void> {
  const file = historyFile();
  try {
    // A history made before it was created 0600 (see below) is closed to others too.
    chmodSync(file, 0o600);
  } catch {
    // none yet, or not ours to change
  }
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
    completer: complete,
    history: loadHistory(file),
    historySize: 1000,
    removeHistoryDuplicates: true,
    prompt: session.prompt,
  } as readline.ReadLineOptions);
  console.log(banner);
  const watcher = new InterruptWatcher(() => session.interrupt());
  // The lines of the input being typed, which history keeps as one entry once it is complete.
  let pending: string[] = [];
  /** One input into history, whole (as Python 3.13 brings it back), trimmed of stray tabs. */
  const remember = (lines: string[]) => {
    // A recalled entry comes back with \r between its lines under Bun.
    const entry = lines.join("\n").replace(/\r\n?/g, "\n").trim();
    if (entry === "") return;
    const history = (rl as unknown as { history: string[] }).history;
    // readline added each line by itself: those give way to the input as one entry.
    const added = lines.filter((l) => l.trim() !== "").reverse();
    for (const l of added) {
      const i = history.indexOf(l);
      if (i >= 0 && i < added.length) history.splice(i, 1);
    }
    const before = history.indexOf(entry);
    if (before >= 0) history.splice(before, 1);
    history.unshift(entry);
    try {
      // Only its owner reads a history (it may hold paths and data): 0600, as Python's.
      appendFileSync(file, encodeEntry(entry) + "\n", { mode: 0o600 });
    } catch {
      // An unwritable home directory costs the history file, not the session.
    }
  };
  // Lines arrive faster than they are evaluated when a block is pasted: run them in order.
  let queue = Promise.resolve();
  let interrupted = false;
  const prompt = () => {
    rl.setPrompt(session.prompt);
    rl.prompt();
  };
  return new Promise((done) => {
    rl.on("line", (line) => {
      interrupted = false;
      queue = queue.then(async () => {
        pending.push(line);
        rl.pause();
        const next = await watcher.run(() => session.line(line));
        rl.resume();
        if (session.prompt === ">>> ") {
          remember(pending);
          pending = [];
        }
        if (next === "exit") rl.close();
        else prompt();
      });
    });
    rl.on("SIGINT", () => {
      // `line` and `cursor` are the Interface's own fields in Node, Deno and Bun alike.
      const rli = rl as unknown as { line: string; cursor: number };
      if (rli.line === "" && session.prompt === ">>> ") {
        if (interrupted) return rl.close();
        interrupted = true;
        process.stdout.write(
          "\n(To exit, press Ctrl-C again or Ctrl-D or type .exit)\n",
        );
      } else {
        interrupted = false;
        rli.line = "";
        rli.cursor = 0;
        session.cancel();
        pending = [];
        process.stdout.write("\nKeyboardInterrupt\n");
      }
      prompt();
    });
    rl.on("close", () => {
      process.stdout.write("\n");
      queue.then(() => {
        watcher.close();
        done();
      });
    });
    prompt();
  });
}
