// Placeholder: filled by the interop work (see interop/mod.ts).
export {};
