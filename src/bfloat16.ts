// bfloat16 on the CPU: a float32's upper 16 bits, kept as bits in a Uint16Array. Values are
// widened exactly (bits << 16) and narrowed as c10::BFloat16 narrows: through float32, then
// round to nearest even on the 16 dropped bits, with every NaN becoming 0x7fc0.

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** Every bfloat16 bit pattern's value: widening is one table read. */
export const BF16_VALUES: Float32Array = (() => {
  const t = new Float32Array(65536);
  const u = new Uint32Array(t.buffer);
  for (let i = 0; i < 65536; i++) u[i] = i << 16;
  return t;
})();

/** The bfloat16 bits of `x` (a double: rounded to float32 first, as a C++ double → BFloat16 is). */
export function toBf16(x: number): number {
  F32[0] = x;
  if (x !== x) return 0x7fc0;
  const u = U32[0];
  return (u + 0x7fff + ((u >>> 16) & 1)) >>> 16;
}

/** The value of bfloat16 bits. */
export function fromBf16(bits: number): number {
  return BF16_VALUES[bits & 0xffff];
}
