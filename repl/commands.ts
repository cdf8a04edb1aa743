// The dot commands: .help, .exit, .clear, .load, .save, .style, .device.

import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import * as torch from "../mod.ts";
import type { Next, Session } from "./session.ts";

export const HELP =
  `Input is TypeScript; bindings persist between inputs, \`await\` works at the top,
\`_\` is the last result. Loaded: torch, nn, F (nn.functional), optim, np (a tiny NumPy).

.help              this text
.exit              leave (also Ctrl-D, or Ctrl-C twice on an empty line)
.clear             forget every binding of this session and start afresh
.load FILE         run a script into the session, printing as the prompt would
.save FILE         write this session's inputs to FILE
.style STYLE       print tensors as PyTorch 0.3 did (legacy) or as today (modern)
.device DEVICE     the session's \`device\` (cpu or webgpu), for x.to(device)`;

type Command = (session: Session, arg: string) => Next | Promise<Next>;

function usage(session: Session, text: string): Next {
  session.failed = true;
  session.err(text);
  return "done";
}

/** Whether this build can place tensors on WebGPU; the backend is optional. */
function webgpuAvailable(): boolean {
  const webgpu = (torch as Record<string, unknown>).webgpu as
    | { is_available?: () => boolean }
    | undefined;
  return webgpu?.is_available?.() ?? false;
}

const commands: Record<string, Command> = {
  help(session) {
    session.out(HELP);
    return "done";
  },
  exit() {
    return "exit";
  },
  clear(session) {
    session.reset();
    session.out(
      "Session cleared: torch, nn, F, optim and np are loaded again.",
    );
    return "done";
  },
  async load(session, arg) {
    if (!arg) return usage(session, "usage: .load FILE");
    let text: string;
    try {
      text = readFileSync(resolve(session.cwd, arg), "utf8");
    } catch (e) {
      return usage(session, `FileNotFoundError: ${(e as Error).message}`);
    }
    return await session.script(text);
  },
  save(session, arg) {
    if (!arg) return usage(session, "usage: .save FILE");
    const file = resolve(session.cwd, arg);
    writeFileSync(file, session.inputs.map((i) => i + "\n").join(""));
    session.out(`Session saved to ${file}`);
    return "done";
  },
  style(session, arg) {
    if (arg !== "legacy" && arg !== "modern") {
      return usage(session, "usage: .style legacy|modern");
    }
    torch.set_printoptions({ style: arg });
    return "done";
  },
  device(session, arg) {
    const device = arg === "cuda" ? "webgpu" : arg;
    if (device !== "cpu" && device !== "webgpu") {
      return usage(session, "usage: .device cpu|webgpu");
    }
    if (device === "webgpu" && !webgpuAvailable()) {
      return usage(
        session,
        "RuntimeError: no WebGPU device is available (torch.webgpu.is_available() is false)",
      );
    }
    session.device = device;
    (globalThis as Record<string, unknown>).device = device;
    session.out(`device = "${device}"`);
    return "done";
  },
};

/** Runs `.name arg`; an unknown name is reported, as Node's REPL does. */
export async function runCommand(
  session: Session,
  line: string,
): Promise<Next> {
  const m = /^\.(\w+)\s*(.*)$/.exec(line);
  const command = m ? commands[m[1]] : undefined;
  if (!m || !command) {
    return usage(
      session,
      `Invalid REPL keyword: ${line.split(/\s/)[0]}. Try .help`,
    );
  }
  return await command(session, m[2].trim());
}

/** The command names, for completion. */
export const COMMAND_NAMES: string[] = Object.keys(commands).map((c) =>
  `.${c}`
);
