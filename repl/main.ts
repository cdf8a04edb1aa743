// The REPL's entry point: `deno task repl`, `npm run repl` or `bun repl/main.ts`.

import { mkdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, Session } from "./session.ts";
import { interactive } from "./editor.ts";
import { runScript } from "./run.ts";
import { formatError } from "./print.ts";

const USAGE = `usage: repl/main.ts [--eval CODE] [--echo] [--run FILE] [--help]

With a terminal, an interactive prompt. With --eval, or with a script piped to stdin, each input
runs in turn and its result prints as the prompt would; the exit code is 1 when an input failed.
  --eval CODE, -e CODE   run CODE (lines separated by newlines) instead of reading stdin
  --echo                 also print each input after its prompt, so the output reads as a session
  --run FILE             run a script with the prompt's Python operators (x * 2, x[0], x -= y)`;

function runtime(): string {
  const g = globalThis as {
    Deno?: { version: { deno: string } };
    Bun?: { version: string };
  };
  if (g.Deno) return `Deno ${g.Deno.version.deno}`;
  if (g.Bun) return `Bun ${g.Bun.version}`;
  return `Node ${process.versions.node}`;
}

/**
 * Mesa's Vulkan driver, which Deno's WebGPU loads, writes "XDG_RUNTIME_DIR is invalid or not set"
 * twice to the terminal where that variable is unset (a container, an ssh session without a login
 * manager). A private directory of our own, made as the spec asks (owned by us, mode 0700), keeps
 * the prompt clean; one that someone else made is not used.
 */
function ensureRuntimeDir(): void {
  let uid: number | undefined;
  try {
    uid = process.getuid?.();
  } catch {
    return; // no permission to ask (Deno without --allow-sys)
  }
  if (
    process.platform !== "linux" || process.env.XDG_RUNTIME_DIR ||
    uid === undefined
  ) return;
  const dir = join(tmpdir(), `flambeau-runtime-${uid}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch {
    // there already, checked below
  }
  try {
    const st = statSync(dir);
    if (st.isDirectory() && st.uid === uid && (st.mode & 0o777) === 0o700) {
      process.env.XDG_RUNTIME_DIR = dir;
    }
  } catch {
    // no directory: the warning it is
  }
}

/** The adapter's short name, or `none`; the request is cut short so that startup stays quick. */
async function webgpuName(): Promise<string> {
  type Adapter = { info?: { description?: string; vendor?: string } };
  const gpu = (globalThis.navigator as {
    gpu?: { requestAdapter(): Promise<Adapter | null> };
  })
    ?.gpu;
  if (!gpu) return "none";
  const timeout = new Promise<null>((r) => setTimeout(() => r(null), 1500));
  const adapter = await Promise.race([
    gpu.requestAdapter().catch(() => null),
    timeout,
  ]);
  if (!adapter) return "none";
  const info = adapter.info ?? {};
  return (info.description || info.vendor || "available").split(" (")[0];
}

async function readStdin(): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Uint8Array);
  return Buffer.concat(chunks).toString("utf8");
}

async function main(argv: string[]): Promise<number> {
  let code: string | undefined;
  let echo = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") {
      console.log(USAGE);
      return 0;
    } else if (a === "--eval" || a === "-e") {
      if (i + 1 >= argv.length) {
        console.error("--eval needs CODE");
        return 2;
      }
      code = argv[++i];
    } else if (a === "--echo") echo = true;
    else if (a === "--run") {
      if (i + 1 >= argv.length) {
        console.error("--run needs FILE");
        return 2;
      }
      try {
        await runScript(argv[++i]);
        return 0;
      } catch (e) {
        console.error(formatError(e, ROOT));
        return 1;
      }
    } else {
      console.error(`unknown argument ${a}\n${USAGE}`);
      return 2;
    }
  }
  const session = new Session({ echo });
  // A rejection nobody awaited, or a throw from a timer, is reported; the session goes on.
  // Without a terminal, one that comes after the last input still makes the exit code 1.
  process.on("unhandledRejection", (e) => {
    session.err("Uncaught (in promise)");
    session.fail(e);
    process.exitCode = 1;
  });
  process.on("uncaughtException", (e) => {
    session.fail(e);
    process.exitCode = 1;
  });

  if (code === undefined && process.stdin.isTTY) {
    ensureRuntimeDir();
    const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, "utf8"));
    const banner =
      `flambeau ${pkg.version} on ${runtime()} (webgpu: ${await webgpuName()})` +
      ` — torch, nn, F, optim, np are loaded. .help for help`;
    await interactive(session, banner);
    return 0;
  }
  try {
    await session.script(code ?? await readStdin());
  } catch (e) {
    session.fail(e);
  }
  return session.failed ? 1 : 0;
}

const status = await main(process.argv.slice(2));
if (process.stdin.isTTY) process.exit(status);
// Without a terminal, let pending output drain (Bun writes pipes asynchronously) and timers run.
process.exitCode = status;
