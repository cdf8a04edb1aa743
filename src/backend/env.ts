// The FLAMBEAU_* switches in the environment, read once where a module starts. A runtime without
// `process` (or one that refuses to show the environment, as Deno without --allow-env may) reads
// as unset.

/** The environment variable `name`, or undefined where it is unset or cannot be read. */
export function envVar(name: string): string | undefined {
  try {
    return (globalThis as {
      process?: { env?: Record<string, string | undefined> };
    }).process?.env?.[name];
  } catch {
    return undefined;
  }
}
