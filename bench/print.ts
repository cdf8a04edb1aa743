// Printing a 1000x1000 float32 tensor (summarised) in both styles: the time the print test once
// asserted (under 500 ms), measured here instead, since tests assert no timings.
// `deno run bench/print.ts` or `bun bench/print.ts`.

import { formatLegacy, formatModern } from "../src/print/mod.ts";

const values = Float32Array.from({ length: 1e6 }, (_, i) => Math.sin(i));
const t = { dtype: "float32" as const, shape: [1000, 1000], values };

for (
  const [name, format] of [["legacy", formatLegacy], [
    "modern",
    formatModern,
  ]] as const
) {
  format(t); // warm up
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    format(t);
    runs.push(performance.now() - t0);
  }
  runs.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(6)} 1000x1000 float32: median ${
      runs[2].toFixed(1)
    } ms, best ${runs[0].toFixed(1)} ms (target: under 500 ms for both)`,
  );
}
