// End to end: the REPL program driven through stdin and --eval, as a piped session or a script.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir } from "./_support/tmp.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const isDeno = "Deno" in globalThis;

type Run = { out: string; err: string; code: number | null };

/** Runs repl/main.ts with `input` on stdin (a pipe, so never interactive). */
function repl(input: string, args: string[] = []): Run {
  const cmd = isDeno
    ? ["run", "-A", "repl/main.ts", ...args]
    : ["repl/main.ts", ...args];
  const r = spawnSync(process.execPath, cmd, {
    cwd: root,
    input,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { out: r.stdout, err: r.stderr, code: r.status };
}

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

// Every test here starts one or more REPL processes (over Bun's 5 s default on a busy machine).
const SPAWNS = { timeout: 60_000 };

describe("repl: the tutorial transcript", () => {
  test(
    "typing the whole tutorial prints what the expected transcript holds",
    SPAWNS,
    () => {
      // The numbers are PyTorch's for seed 0; checked against torch 1.13 for x = a + b, rand(5),
      // net(input), fc3.bias after the manual update and loss.item() (38.74971008300781).
      const r = repl(fixture("repl_tutorial.txt"), ["--echo"]);
      assert.equal(r.err, "");
      assert.equal(r.code, 0);
      // The tutorial's machine had no GPU; where this one has a WebGPU adapter the line says so.
      const expected = fixture("repl_tutorial.expected.txt").replace(
        ">>> torch.cuda.is_available()\nfalse\n",
        `>>> torch.cuda.is_available()\n${torch.cuda.is_available()}\n`,
      );
      assert.equal(r.out, expected);
    },
  );
});

describe("repl: bindings persist", () => {
  test(
    "const, let, var, function, class, destructuring, import and bare assignment",
    SPAWNS,
    () => {
      const r = repl([
        "const a: number = 2",
        "let b = a + 1",
        "var c = b * 2",
        "function twice(n: number): number { return 2 * n }",
        "class Box { constructor(public v: number) {} }",
        "const { nn: n2, optim: [o] = [] } = { nn: 5 } as any",
        'import { ones } from "./mod.ts"',
        'import * as interop from "./interop/mod.ts"',
        "d = 7",
        "[a, b, c, twice(a), new Box(4).v, n2, o, d].join(' ')",
        "ones(2).size()",
        "typeof interop.from_numpy",
        "let b = 10", // redeclaring is fine at the prompt
        "b",
      ].join("\n"));
      assert.equal(r.err, "");
      assert.equal(
        r.out,
        "'2 3 6 4 4 5  7'\ntorch.Size([2])\n'function'\n10\n",
      );
    },
  );

  test(
    "assignments print nothing, as in Python; expressions print their value",
    SPAWNS,
    () => {
      const r = repl([
        'import * as torch from "./mod.ts"',
        "e = 3",
        "e += 1",
        "[p, q] = [e, 5]",
        "(e)",
        "e == 4",
        "p * q",
        "const opt = new torch.optim.SGD([torch.zeros(2).requires_grad_()], { lr: 0.5 })",
        "opt",
      ].join("\n"));
      assert.equal(r.err, "");
      assert.equal(
        r.out,
        "4\ntrue\n20\nSGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n    foreach: None\n    lr: 0.5\n    maximize: False\n    momentum: 0\n    nesterov: False\n    weight_decay: 0\n)\n",
      );
    },
  );

  test("Python's print and len", SPAWNS, () => {
    const r = repl([
      'import * as torch from "./mod.ts"',
      "x = torch.ones(2, 3)",
      'print("x:", x, true, null, 1.5)',
      "len(x)",
      "len([1, 2])",
      "len(new torch.utils.data.TensorDataset(x))",
      "len(torch.tensor(1))",
      "len(5)",
    ].join("\n"));
    assert.equal(
      r.out,
      "x: \n 1  1  1\n 1  1  1\n[torch.FloatTensor of size 2x3]\n True None 1.5\n2\n2\n2\n",
    );
    assert.match(r.err, /TypeError: len\(\) of a 0-d tensor/);
    assert.match(r.err, /TypeError: object of type 'int' has no len\(\)/);
  });

  test("top-level await and _ hold the last result", SPAWNS, () => {
    const r = repl(
      "await Promise.resolve(21)\n_ * 2\nconst z = await new Promise((r) => setTimeout(() => r(3), 10))\nz",
    );
    assert.equal(r.out, "21\n42\n3\n");
    assert.equal(r.code, 0);
  });

  test(
    "a statement with no value prints nothing; --eval runs code and exits 0",
    SPAWNS,
    () => {
      const r = repl("", [
        "--eval",
        "const q = 1\nif (q) { q }\nundefined\nlet w\nq + 1",
      ]);
      assert.equal(r.out, "2\n");
      assert.equal(r.code, 0);
    },
  );
});

describe("repl: printing", () => {
  test(
    "tensors print as console.log does, Size and modules as PyTorch",
    SPAWNS,
    () => {
      const r = repl(
        "torch.ones(2, 2)\ntorch.ones(2, 3).size()\nnew nn.Linear(3, 2)\n'text'\n.style modern\ntorch.ones(2)\n.style legacy\ntorch.ones(1)",
      );
      assert.equal(
        r.out,
        "\n 1  1\n 1  1\n[torch.FloatTensor of size 2x2]\n\n" +
          "torch.Size([2, 3])\nLinear (3 -> 2)\n'text'\ntensor([1., 1.])\n" +
          "\n 1\n[torch.FloatTensor of size 1]\n\n",
      );
    },
  );

  test("a huge tensor is summarised, a cyclic object prints", SPAWNS, () => {
    const r = repl(
      "torch.zeros(2000, 2000)\nconst o: any = { name: 'o' }; o.self = o; o",
    );
    assert.equal(r.code, 0);
    assert.match(r.out, /\.\.\./);
    assert.match(r.out, /\[torch\.FloatTensor of size 2000x2000\]/);
    assert.ok(r.out.split("\n").length < 30, "summarised, not 2000 lines");
    assert.match(r.out, /<ref \*1> \{ name: 'o', self: \[Circular \*1\] \}/);
  });
});

describe("repl: multi-line input", () => {
  test("an open brace continues; the block runs once it closes", SPAWNS, () => {
    const r = repl(
      "class P {\n  f(): number {\n    return 41\n  }\n}\nnew P().f() +\n1",
      ["--echo"],
    );
    assert.equal(
      r.out,
      ">>> class P {\n...   f(): number {\n...     return 41\n...   }\n... }\n>>> new P().f() +\n... 1\n42\n",
    );
  });

  test("input that ends unfinished is an error", SPAWNS, () => {
    const r = repl("function f() {\n");
    assert.equal(r.code, 1);
    assert.match(r.err, /SyntaxError: unexpected end of input/);
  });
});

describe("repl: bad input never ends the session", () => {
  test(
    "syntax, runtime, library and thrown-value errors print and the next input runs",
    SPAWNS,
    () => {
      const r = repl([
        "a b",
        "torch.ones(2).view(3)",
        "undefinedName + 1",
        "throw 'plain'",
        "'abc",
        "1 + 1",
      ].join("\n"));
      assert.equal(r.out, "2\n");
      assert.equal(r.code, 1);
      assert.match(
        r.err,
        / {2}File "<stdin>", line 1\n {4}a b\n {4}\^\nSyntaxError: /,
      );
      assert.match(
        r.err,
        /Traceback \(most recent call last\):\n {2}File "<stdin>", line 1, in <module>\n(?:.*\n)*RuntimeError: shape '\[3\]' is invalid for input of size 2/,
      );
      assert.match(r.err, /File "src\/shape\.ts", line \d+, in inferShape/);
      assert.match(r.err, /ReferenceError: undefinedName is not defined/);
      assert.match(r.err, /Exception: 'plain'/);
      assert.match(r.err, /SyntaxError: Unterminated string literal/);
    },
  );

  test(
    "a rejected promise and a throw in a timer are reported, not fatal",
    SPAWNS,
    () => {
      const r = repl([
        "Promise.reject(new RangeError('nope')); 1",
        "setTimeout(() => { throw new Error('tick') }, 5); 2",
        "await new Promise((r) => setTimeout(r, 50))",
        "3",
      ].join("\n"));
      assert.equal(r.out, "1\n2\n3\n");
      assert.match(r.err, /Uncaught \(in promise\)\n(?:.*\n)*RangeError: nope/);
      assert.match(r.err, /Error: tick/);
      assert.equal(r.code, 1);
    },
  );

  test(
    "a function defined at the prompt shows in the traceback",
    SPAWNS,
    () => {
      const r = repl(
        "function g() {\n  throw new torch.RuntimeError('boom')\n}\ng()",
      );
      assert.equal(
        r.err,
        'Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\n  File "<stdin>", line 2, in g\nRuntimeError: boom\n',
      );
    },
  );
});

describe("repl: commands", () => {
  test(
    ".save writes the inputs and .load runs them into a fresh session",
    SPAWNS,
    () => {
      using tmp = tempDir("flambeau-repl-");
      const dir = tmp.path;
      const file = join(dir, "s.ts");
      const saved = repl(
        `const k = 6\nfunction h() {\n  return k * 7\n}\n.save ${file}`,
      );
      assert.equal(saved.out, `Session saved to ${file}\n`);
      assert.equal(
        readFileSync(file, "utf8"),
        "const k = 6\nfunction h() {\n  return k * 7\n}\n",
      );
      writeFileSync(join(dir, "more.ts"), `${readFileSync(file, "utf8")}h()\n`);
      const loaded = repl(`.load ${join(dir, "more.ts")}\nh() + 1`);
      assert.equal(loaded.out, "42\n43\n");
    },
  );

  test(
    ".clear forgets bindings, .help lists commands, unknown commands are reported",
    SPAWNS,
    () => {
      const r = repl(
        "const m = 1\n.clear\ntypeof m\ntypeof torch\n.help\n.nope",
      );
      assert.match(r.out, /^Session cleared.*\n'undefined'\n'object'\n/);
      assert.match(r.out, /\.load FILE/);
      assert.match(r.err, /Invalid REPL keyword: \.nope/);
      assert.equal(r.code, 1);
    },
  );

  test(
    ".device picks cpu, and webgpu where an adapter backs it (else refuses it); .exit stops",
    SPAWNS,
    () => {
      const r = repl(
        ".device cpu\ndevice\n.device webgpu\n.style fancy\n.exit\n1",
      );
      if (torch.webgpu.is_available()) {
        assert.equal(
          r.out,
          'device = "cpu"\n\'cpu\'\ndevice = "webgpu"\n',
        );
      } else {
        assert.equal(r.out, "device = \"cpu\"\n'cpu'\n");
        assert.match(r.err, /RuntimeError: no WebGPU device is available/);
      }
      assert.match(r.err, /usage: \.style legacy\|modern/);
    },
  );
});

describe("repl: --run FILE, a script with Python's operators", () => {
  test(
    "the script runs with x * 2, x[0], p.data -= ...; its relative imports resolve",
    SPAWNS,
    () => {
      using tmp = tempDir("flambeau-run-");
      const mod = JSON.stringify(join(root, "mod.ts"));
      writeFileSync(tmp.join("helper.ts"), "export const lr: number = 0.1;\n");
      writeFileSync(
        tmp.join("train.ts"),
        [
          `import * as torch from ${mod};`,
          `import type { Tensor } from ${mod};`,
          'import { lr } from "./helper.ts";',
          "const x: Tensor = torch.arange(8).float().view(4, 2) / 8;",
          "const y = x.matmul(torch.tensor([[2], [-1]]).float());",
          "const w = torch.zeros(2, 1, { requires_grad: true });",
          "for (let i = 0; i < 2000; i++) {",
          "  const loss = ((x.matmul(w) - y) ** 2).mean();",
          "  loss.backward();",
          "  w.data -= lr * 10 * w.grad!;",
          "  w.grad!.zero_();",
          "}",
          "console.log(w.view(-1).tolist().map((v) => v.toFixed(3)).join(' '), x[1, 0].item());",
        ].join("\n"),
      );
      const r = spawnSync(
        process.execPath,
        isDeno
          ? ["run", "-A", "repl/main.ts", "--run", tmp.join("train.ts")]
          : ["repl/main.ts", "--run", tmp.join("train.ts")],
        { cwd: root, encoding: "utf8" },
      );
      assert.equal(r.stderr, "");
      assert.equal(r.stdout, "2.000 -1.000 0.25\n");
      assert.equal(r.status, 0);
      // The rewritten copy it imported is gone.
      assert.deepEqual(readdirSync(tmp.path).sort(), ["helper.ts", "train.ts"]);

      writeFileSync(
        tmp.join("bad.ts"),
        `import * as torch from ${mod};\ntorch.ones(2) * torch.ones(3);\n`,
      );
      const bad = spawnSync(
        process.execPath,
        isDeno
          ? ["run", "-A", "repl/main.ts", "--run", tmp.join("bad.ts")]
          : ["repl/main.ts", "--run", tmp.join("bad.ts")],
        { cwd: root, encoding: "utf8" },
      );
      assert.equal(bad.status, 1);
      assert.match(
        bad.stderr,
        /File ".*bad\.ts", line 2, in <module>\n(?:.*\n)*RuntimeError: The size of tensor a \(2\) must match the size of tensor b \(3\)/,
      );
    },
  );
});
