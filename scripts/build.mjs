// `npm run build` (and `prepack`): the package's JavaScript for Node, in dist/. Bun and Deno load
// the TypeScript sources themselves (package.json's `bun`/`deno` export conditions); Node 20 cannot
// load TypeScript from node_modules, so it gets tsc's output, with declarations for every runtime's
// type checker. Two fix-ups after tsc: declarations name `.js` files (tsc rewrites the `.ts`
// specifiers of the JavaScript it emits but not of the declarations), and each entry point first
// installs a Float16Array where the runtime has none (Node before 24), since torch.float16 stores
// its elements in one.

import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
  cwd: root,
  stdio: "inherit",
});
if (r.status !== 0) {
  console.error(`build: tsc failed (exit code ${r.status ?? r.signal})`);
  process.exit(1);
}

/** Every file under dir, recursively. */
function* files(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else yield p;
  }
}

// `from "./x.ts"`, `import("./x.ts")` and `export ... from "../y.ts"`: relative specifiers only.
const tsSpecifier =
  /((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']*?)\.ts(["'])/g;
let declarations = 0;
for (const p of files(dist)) {
  if (!p.endsWith(".d.ts")) continue;
  const text = readFileSync(p, "utf8");
  const fixed = text.replace(tsSpecifier, "$1$2.js$3");
  if (fixed !== text) writeFileSync(p, fixed);
  declarations++;
}

writeFileSync(
  join(dist, "_float16.js"),
  `// Node before 24 has no Float16Array, which torch.float16 stores its elements in: install a
// polyfill before any flambeau module runs. Runtimes that have one keep their own.
import { Float16Array as Float16ArrayPolyfill } from "@petamoriken/float16";
if (typeof globalThis.Float16Array === "undefined") {
  globalThis.Float16Array = Float16ArrayPolyfill;
}
`,
);
for (
  const [entry, shim] of [["mod.js", "./_float16.js"], [
    "interop/mod.js",
    "../_float16.js",
  ]]
) {
  const p = join(dist, entry);
  // ES modules run their imports in order, depth first: this one runs before the rest.
  writeFileSync(p, `import "${shim}";\n${readFileSync(p, "utf8")}`);
}
console.log(`build: dist/ written (${declarations} declaration files)`);
