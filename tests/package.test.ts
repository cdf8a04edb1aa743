// The package as another project gets it: `npm pack`, installed from the tarball into a temporary
// project, imported by name under Deno, Bun and Node; a Deno script importing mod.ts by path with
// no configuration of its own; `deno publish --dry-run` for JSR; the README's commands.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tempDir } from "./_support/tmp.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const isDeno = "Deno" in globalThis;
const bin = (name: string) => join(root, "node_modules", ".bin", name);
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const hasNpm = spawnSync(npm, ["--version"]).status === 0;

// The pack test drives all three runtimes itself, so running it under one test runner is enough:
// Deno's. Under Bun it is skipped, saying so.
const skip = !isDeno
  ? "runs under Deno's test runner, which drives Deno, Bun and Node"
  : !hasNpm
  ? "no npm on PATH"
  : false;
if (skip) console.warn(`SKIPPED: the package test ${skip}`);

function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...env },
    timeout: 300_000,
  });
  assert.equal(
    r.status,
    0,
    `${cmd} ${args.join(" ")} (in ${cwd}) exited ${
      r.status ?? r.signal
    }:\n${r.stdout}\n${r.stderr}`,
  );
  return r;
}

// What the consumer's script prints: PyTorch's numbers for seed 0, a float16 tensor (a polyfilled
// Float16Array on Node before 24), and an .npz round trip through the `interop` subpath export
// (zlib from node:zlib).
const SCRIPT = `import * as torch from "flambeau";
import { npz } from "flambeau/interop";
torch.manual_seed(0);
const x = torch.randn(2, 3);
console.log(String(x));
console.log(String(torch.ones(2, { dtype: torch.float16 }).add(0.5)));
const back = npz.load(npz.encode({ x }, { compressed: true })).tensor("x");
console.log(torch.equal(back, x), Number(x.sum().item()).toFixed(4));
// 16 MiB: a WebAssembly memory of its own where the runtime takes modules over two memories
// (Deno), an ArrayBuffer elsewhere (Bun; Node 20 has no multi-memory).
console.log(torch.exp(torch.ones(1 << 22).mul(0)).sum().item());
`;
const EXPECTED = `
 1.5410 -0.2934 -2.1788
 0.5684 -1.0845 -1.3986
[torch.FloatTensor of size 2x3]


 1.5000
 1.5000
[torch.HalfTensor of size 2]

true -2.8459
4194304
`;

describe("the npm package", () => {
  test(
    "npm pack, installed into a temporary project, runs by name under Deno, Bun and Node",
    { skip, timeout: 600_000 },
    () => {
      using dir = tempDir("flambeau-pack-");
      // prepack builds dist/ (tsc) first; the tarball holds the sources, dist/ and the README.
      const packed = run(npm, [
        "pack",
        "--json",
        "--pack-destination",
        dir.path,
      ], root);
      const [info] = JSON.parse(
        packed.stdout.slice(packed.stdout.indexOf("[")),
      );
      const files: string[] = info.files.map((f: { path: string }) => f.path);
      for (
        const f of [
          "package.json",
          "README.md",
          "mod.ts",
          "interop/mod.ts",
          "dist/mod.js",
          "dist/mod.d.ts",
          "dist/interop/mod.js",
          "dist/interop/mod.d.ts",
        ]
      ) assert.ok(files.includes(f), `${f} is not in the tarball`);
      for (const f of files) {
        assert.ok(
          !/^(tests|examples|bench|repl|scripts)\//.test(f),
          `${f} should not ship`,
        );
      }

      const app = dir.join("app");
      mkdirSync(app);
      writeFileSync(
        join(app, "package.json"),
        JSON.stringify({ name: "app", private: true, type: "module" }),
      );
      // Dependencies come from npm's cache where it has them (CI's `npm ci` filled it).
      run(npm, [
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        join(dir.path, info.filename),
      ], app);
      writeFileSync(join(app, "main.ts"), SCRIPT);
      writeFileSync(join(app, "main.mjs"), SCRIPT); // Node runs the compiled JavaScript
      const outputs = {
        deno: run(bin("deno"), ["run", "-A", "main.ts"], app).stdout,
        "deno (npm: specifier)": (() => {
          writeFileSync(
            join(app, "npm.ts"),
            SCRIPT.replaceAll('from "flambeau', 'from "npm:flambeau'),
          );
          return run(bin("deno"), ["run", "-A", "npm.ts"], app).stdout;
        })(),
        bun: run(bin("bun"), ["main.ts"], app).stdout,
        node: run(process.env.NODE ?? "node", ["main.mjs"], app).stdout,
      };
      for (const [runtime, out] of Object.entries(outputs)) {
        assert.equal(out, EXPECTED, `${runtime} printed:\n${out}`);
      }
      // The declarations type-check a consumer: a misspelt method is caught.
      run(bin("deno"), ["check", "main.ts"], app);
      writeFileSync(
        join(app, "bad.ts"),
        'import * as torch from "flambeau";\ntorch.ones(2).summ();\n',
      );
      const bad = spawnSync(bin("deno"), ["check", "bad.ts"], {
        cwd: app,
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
      });
      assert.notEqual(bad.status, 0);
      assert.match(bad.stderr, /summ/);
    },
  );

  test(
    "a Deno script outside the repository imports mod.ts by path with no configuration",
    { skip: isDeno ? false : skip, timeout: 120_000 },
    () => {
      using dir = tempDir("flambeau-outside-");
      writeFileSync(
        dir.join("main.ts"),
        `import * as torch from ${
          JSON.stringify(pathToFileURL(join(root, "mod.ts")).href)
        };
const path = ${JSON.stringify(dir.join("x.pt"))};
torch.save({ w: torch.arange(3) }, path); // zip and zlib: no npm package needed
console.log(torch.load(path).w.sum().item());
`,
      );
      // No deno.json or package.json above the script: only what mod.ts itself imports resolves.
      const out = run(bin("deno"), ["run", "-A", "main.ts"], dir.path, {
        DENO_NO_PACKAGE_JSON: "1",
      }).stdout;
      assert.equal(out, "3\n");
      // interop/mod.ts imports apache-arrow: a package.json of the script's own is enough for
      // Deno to resolve it from the checkout's node_modules, as the README says.
      writeFileSync(dir.join("package.json"), '{ "type": "module" }');
      writeFileSync(
        dir.join("arrow.ts"),
        `import * as torch from ${
          JSON.stringify(pathToFileURL(join(root, "mod.ts")).href)
        };
import { arrow } from ${
          JSON.stringify(pathToFileURL(join(root, "interop/mod.ts")).href)
        };
console.log(arrow.from_tensor(torch.arange(4)).length);
`,
      );
      assert.equal(
        run(bin("deno"), ["run", "-A", "arrow.ts"], dir.path).stdout,
        "4\n",
      );
    },
  );

  test(
    "deno publish --dry-run: deno.json is ready for JSR",
    { skip: isDeno ? false : skip, timeout: 300_000 },
    () => {
      const deno = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
      const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
      assert.equal(deno.version, pkg.version);
      assert.deepEqual(Object.keys(deno.exports), [".", "./interop"]);
      assert.deepEqual(
        Object.keys(pkg.exports).filter((k) => k !== "./package.json"),
        Object.keys(deno.exports),
      );
      // Works offline: the dry run checks the package and its types, it uploads nothing.
      const r = spawnSync(
        bin("deno"),
        ["publish", "--dry-run", "--allow-dirty"],
        {
          cwd: root,
          encoding: "utf8",
          env: { ...process.env, NO_COLOR: "1" },
          timeout: 300_000,
        },
      );
      // No slow types: every public symbol has an explicit type (JSR's fast check).
      const problems = [...r.stderr.matchAll(
        /^(?:error|warning)\[([\w-]+)\][^\n]*\n\s*--> ([^:\n]+)/gm,
      )].map(([, kind, file]) => `${kind} ${file.replace(root, "")}`);
      assert.deepEqual(problems, [], r.stderr);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /Success Dry run complete/);
    },
  );
});

describe("README", () => {
  test("the commands under 'Deno and Bun directly' need only what npm install brings", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const section = /## Deno and Bun directly\n[\s\S]*?```sh\n([\s\S]*?)```/
      .exec(readme);
    assert.ok(section, "no 'Deno and Bun directly' section with a sh block");
    const tasks = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"))
      .tasks;
    const lines = section[1].split("\n").map((l) => l.replace(/#.*/, "").trim())
      .filter(Boolean);
    assert.ok(lines.length >= 4);
    for (const line of lines) {
      const [program, ...args] = line.split(/\s+/);
      // A program the README names by a relative path that `npm install` creates.
      assert.match(program, /^node_modules\/\.bin\/(deno|bun)$/, line);
      assert.ok(existsSync(join(root, program)), `${program} does not exist`);
      if (args[0] === "task") {
        assert.ok(args[1] in tasks, `deno.json has no task ${args[1]}`);
        // The task itself calls the Deno that npm installed, not one on PATH.
        assert.match(tasks[args[1]], /^(\.\/)?node_modules\//, args[1]);
      } else {
        const file = args.find((a) =>
          !a.startsWith("-") && a !== "test" && a !== "run"
        );
        assert.ok(file && existsSync(join(root, file)), `${line}: no ${file}`);
      }
    }
  });
});
