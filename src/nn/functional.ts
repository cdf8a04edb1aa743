// Placeholder: filled by the nn work (see src/nn/mod.ts).
export {};
