// Runs a block under one print style and puts the previous style back, for tests that print.

import * as torch from "../../mod.ts";

export function withStyle<T>(style: "legacy" | "modern", fn: () => T): T {
  const before = torch.get_printoptions().style;
  torch.set_printoptions({ style });
  try {
    return fn();
  } finally {
    torch.set_printoptions({ style: before });
  }
}
