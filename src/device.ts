// `torch.device`: a device type and an optional index, as PyTorch's. Accepted wherever a device
// string is; converts to its string (`"cpu"`, `"cuda:0"`) in template literals and `==`.

import { registeredDevices } from "./backend/registry.ts";
import { RuntimeError } from "./errors.ts";

const INSPECT_NODE = Symbol.for("nodejs.util.inspect.custom");
const INSPECT_DENO = Symbol.for("Deno.customInspect");

/** A device: `type` (`"cpu"`, `"cuda"`, `"webgpu"`, or a registered backend's) and `index`. */
export class Device {
  readonly type: string;
  /** The ordinal, or null when none was given (`torch.device("cuda").index` is null). */
  readonly index: number | null;

  constructor(type: string, index: number | null = null) {
    this.type = type;
    this.index = index;
  }

  /** `str(device)`: `"cpu"`, `"cuda:0"`. */
  toString(): string {
    return this.index === null ? this.type : `${this.type}:${this.index}`;
  }

  /** `device == "cpu"` and `${device}` read the device as its string. */
  [Symbol.toPrimitive](): string {
    return this.toString();
  }

  /** `repr(device)`: `device(type='cuda', index=0)`. */
  [INSPECT_NODE](): string {
    return this.index === null
      ? `device(type='${this.type}')`
      : `device(type='${this.type}', index=${this.index})`;
  }

  [INSPECT_DENO](): string {
    return this[INSPECT_NODE]();
  }
}

/**
 * `torch.device("cuda:0")`, `torch.device("cuda", 0)`, `torch.device(other)`: parses as PyTorch
 * does (a type name, optionally `:index`). Whether the device exists is checked where a tensor is
 * put on it, not here.
 */
export function device(spec: string | Device, index?: number | null): Device {
  if (spec instanceof Device) {
    if (index !== undefined && index !== null) {
      throw new RuntimeError(
        "device(): a device object takes no separate index",
      );
    }
    return spec;
  }
  if (typeof spec !== "string") {
    throw new TypeError(
      `device(): argument 'type' must be str, not ${typeName(spec)}`,
    );
  }
  const m = /^([A-Za-z_]\w*)(?::(\d+))?$/.exec(spec);
  if (!m || !knownDeviceTypes().includes(m[1])) {
    throw new RuntimeError(unknownDeviceMessage(spec));
  }
  if (m[2] !== undefined && index !== undefined && index !== null) {
    throw new RuntimeError(
      `type (string) must not include an index because index was passed explicitly: ${spec}`,
    );
  }
  const i = m[2] !== undefined ? Number(m[2]) : index ?? null;
  if (i !== null && (!Number.isInteger(i) || i < 0)) {
    throw new RuntimeError(
      `Device index must not be negative`,
    );
  }
  return new Device(m[1], i);
}

/** The device types a spec may name: every registered backend, and cuda/webgpu even unplugged. */
export function knownDeviceTypes(): string[] {
  return [...new Set([...registeredDevices(), "cuda", "webgpu"])];
}

/** PyTorch's error for a device string whose type it does not know. */
export function unknownDeviceMessage(spec: string): string {
  return `Expected one of ${
    knownDeviceTypes().join(", ")
  } device type at start of device string: ${spec}`;
}

function typeName(v: unknown): string {
  if (v === null) return "NoneType";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "object") return (v as object).constructor?.name ?? "object";
  return typeof v;
}

/** What a `device` argument takes: a string (`"cpu"`, `"cuda:0"`) or a `torch.device`. */
export type DeviceLike = string | Device;
