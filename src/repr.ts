// Python's default repr for objects whose class defines none: `<module.Class object at 0x…>`,
// here without the address (a JavaScript object has none to show). PyTorch's data loaders,
// datasets and schedulers print so; without it the REPL and console.log would dump every tensor
// they hold.

/** Node's, Deno's and Bun's inspect hook. */
export const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/**
 * `<module.Class object>` for the library's own classes (`builtins`), `<__main__.Class object>`
 * for a class the user derived from one, as a Python script's own classes print.
 */
export function objectRepr(
  obj: object,
  module: string,
  builtins: ReadonlySet<unknown>,
): string {
  const ctor = obj.constructor as { name: string };
  return `<${builtins.has(ctor) ? module : "__main__"}.${ctor.name} object>`;
}
