/// <reference types="@webgpu/types" />
// The device thread: it owns the GPUDevice, keeps the buffers by id, compiles each kernel once,
// and runs the main thread's command batches in order (design.md §4). It knows nothing of tensors
// or dtypes: a buffer is an array of 32-bit words, a kernel is WGSL with its buffers bound in
// order after the meta words.
//
// Errors (validation, out of memory, a shader that does not compile, a lost device) are kept and
// given to the main thread at its next synchronous wait, as CUDA reports asynchronous errors.

import { parentPort } from "node:worker_threads";
import {
  type Also,
  type Command,
  CONTROL_HEADER,
  type Hello,
  Slot,
  State,
} from "./protocol.ts";

const port = parentPort!;
const encoder = new TextEncoder();

let control: Int32Array;
let controlBytes: Uint8Array;
let device: GPUDevice;
/** The first error since the last synchronous answer, given with that answer. */
let pending: string | null = null;

const buffers = new Map<number, GPUBuffer>();
/** Freed buffers by size in bytes, reused by the next allocation of that size. */
const pool = new Map<number, GPUBuffer[]>();
const pipelines = new Map<string, GPUComputePipeline>();
const META_ALIGN = 256;

// One segment: the dispatches encoded since the last submit, and their meta words.
let encoderNow: GPUCommandEncoder | null = null;
let metaWords: Uint32Array = new Uint32Array(1 << 12);
let metaUsed = 0; // in words, a multiple of META_ALIGN / 4
let runs: { cmd: Extract<Command, { k: "run" }>; at: number }[] = [];

function answer(state: State, message = ""): void {
  const bytes = encoder.encode(message).subarray(
    0,
    controlBytes.length - CONTROL_HEADER,
  );
  controlBytes.set(bytes, CONTROL_HEADER);
  Atomics.store(control, Slot.MessageBytes, bytes.length);
  Atomics.store(control, Slot.State, state);
  Atomics.notify(control, Slot.State);
}

function fail(message: string): void {
  pending ??= message;
}

/** Answers a synchronous wait: the pending error if there is one, else `ok`. */
function settle(ok: () => string | void): void {
  if (pending !== null) {
    const m = pending;
    pending = null;
    answer(State.Failed, m);
    return;
  }
  answer(State.Done, ok() ?? "");
}

function bytesFor(words: number): number {
  return Math.max(4, words * 4);
}

/** Pool buckets: powers of two below 1 MiB, whole MiB above, so freed buffers find takers. */
function bucket(bytes: number): number {
  if (bytes <= 1 << 20) return Math.max(256, 2 ** Math.ceil(Math.log2(bytes)));
  return Math.ceil(bytes / (1 << 20)) * (1 << 20);
}

function allocate(id: number, words: number): void {
  const size = bucket(bytesFor(words));
  const reused = pool.get(size)?.pop();
  if (reused) {
    encoderNow ??= device.createCommandEncoder();
    encoderNow.clearBuffer(reused);
    buffers.set(id, reused);
    return;
  }
  device.pushErrorScope("out-of-memory");
  const buffer = device.createBuffer({
    size,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC |
      GPUBufferUsage.COPY_DST,
  });
  device.popErrorScope().then((e) => {
    if (e) {
      fail(
        `WebGPU out of memory: tried to allocate ${size} bytes (${e.message})`,
      );
    }
  });
  buffers.set(id, buffer);
}

function release(id: number): void {
  const b = buffers.get(id);
  if (!b) return;
  buffers.delete(id);
  const list = pool.get(b.size) ?? [];
  list.push(b);
  pool.set(b.size, list);
}

function pipeline(cmd: Extract<Command, { k: "run" }>): GPUComputePipeline {
  let p = pipelines.get(cmd.kernel);
  if (p) return p;
  if (!cmd.source) throw new Error(`kernel ${cmd.kernel} was never sent`);
  device.pushErrorScope("validation");
  const module = device.createShaderModule({ code: cmd.source.wgsl });
  p = device.createComputePipeline({
    layout: "auto",
    compute: { module, entryPoint: "main" },
  });
  const key = cmd.kernel;
  device.popErrorScope().then(async (e) => {
    if (!e) return;
    const info = await module.getCompilationInfo();
    const lines = info.messages.map((m) => `  line ${m.lineNum}: ${m.message}`);
    fail(
      `WebGPU kernel '${key}' failed to compile: ${e.message}\n${
        lines.join("\n")
      }`,
    );
  });
  pipelines.set(cmd.kernel, p);
  return p;
}

function record(cmd: Extract<Command, { k: "run" }>): void {
  const words = cmd.meta.length;
  const span = Math.ceil(Math.max(words, 1) / (META_ALIGN / 4)) *
    (META_ALIGN / 4);
  if (metaUsed + span > metaWords.length) {
    const grown = new Uint32Array(
      Math.max(metaWords.length * 2, metaUsed + span),
    );
    grown.set(metaWords.subarray(0, metaUsed));
    metaWords = grown;
  }
  metaWords.set(cmd.meta, metaUsed);
  runs.push({ cmd, at: metaUsed });
  metaUsed += span;
}

/** Encodes and submits the dispatches recorded since the last submit. */
function submit(): void {
  if (runs.length === 0 && !encoderNow) return;
  const enc = encoderNow ?? device.createCommandEncoder();
  encoderNow = null;
  if (runs.length > 0) {
    const meta = device.createBuffer({
      size: metaUsed * 4,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    device.queue.writeBuffer(
      meta,
      0,
      metaWords as Uint32Array<ArrayBuffer>,
      0,
      metaUsed,
    );
    const pass = enc.beginComputePass();
    for (const { cmd, at } of runs) {
      const p = pipeline(cmd);
      const entries: GPUBindGroupEntry[] = [{
        binding: 0,
        resource: {
          buffer: meta,
          offset: at * 4,
          size: Math.max(cmd.meta.length, 1) * 4,
        },
      }];
      cmd.buffers.forEach((id, i) => {
        const buffer = buffers.get(id);
        if (!buffer) throw new Error(`buffer ${id} is not allocated`);
        entries.push({ binding: i + 1, resource: { buffer } });
      });
      pass.setPipeline(p);
      pass.setBindGroup(
        0,
        device.createBindGroup({ layout: p.getBindGroupLayout(0), entries }),
      );
      pass.dispatchWorkgroups(...cmd.groups);
    }
    pass.end();
    runs = [];
    metaUsed = 0;
    device.queue.submit([enc.finish()]);
    meta.destroy();
    return;
  }
  device.queue.submit([enc.finish()]);
}

/** Copies words of a buffer out through a mappable staging buffer. */
async function readWords(
  id: number,
  at: number,
  words: number,
  also?: Also,
): Promise<Uint32Array> {
  submit();
  const src = buffers.get(id);
  if (!src) throw new Error(`buffer ${id} is not allocated`);
  const extra = also ? buffers.get(also.id) : undefined;
  if (also && !extra) throw new Error(`buffer ${also.id} is not allocated`);
  const total = words + (also ? also.words : 0);
  const staging = device.createBuffer({
    size: bytesFor(total),
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const enc = device.createCommandEncoder();
  if (words > 0) enc.copyBufferToBuffer(src, at * 4, staging, 0, words * 4);
  if (extra && also!.words > 0) {
    enc.copyBufferToBuffer(extra, 0, staging, words * 4, also!.words * 4);
  }
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Uint32Array(staging.getMappedRange().slice(0, total * 4));
  staging.unmap();
  staging.destroy();
  return out;
}

// Batches run one after another: a read awaits the GPU, and the batches posted meanwhile wait
// behind it, so that every command sees the effects of those before it.
let queue: Promise<void> = Promise.resolve();

async function runBatch(batch: Command[]): Promise<void> {
  for (const cmd of batch) {
    try {
      await step(cmd);
    } catch (e) {
      fail(e instanceof Error ? e.message : String(e));
      if (cmd.k === "read" || cmd.k === "sync") settle(() => {});
      if (cmd.k === "readAsync") {
        port.postMessage({ reply: cmd.reply, data: null, error: pending });
        pending = null;
      }
    }
  }
  submit();
}

async function step(cmd: Command): Promise<void> {
  switch (cmd.k) {
    case "alloc":
      return allocate(cmd.id, cmd.words);
    case "free":
      submit(); // work already recorded may still read it
      return release(cmd.id);
    case "write": {
      submit(); // the dispatches before it must not see the new data
      const b = buffers.get(cmd.id);
      if (!b) throw new Error(`buffer ${cmd.id} is not allocated`);
      device.queue.writeBuffer(
        b,
        cmd.at * 4,
        cmd.data as Uint32Array<ArrayBuffer>,
      );
      return;
    }
    case "run":
      return record(cmd);
    case "read": {
      const words = await readWords(cmd.id, cmd.at, cmd.words, cmd.also);
      new Uint32Array(cmd.dst, 0, words.length).set(words);
      settle(() => {});
      return;
    }
    case "readAsync": {
      const data = await readWords(cmd.id, cmd.at, cmd.words, cmd.also);
      const error = pending;
      pending = null;
      port.postMessage({ reply: cmd.reply, data, error });
      return;
    }
    case "sync":
      submit();
      await device.queue.onSubmittedWorkDone();
      settle(() => {});
      return;
    case "close":
      submit();
      await device.queue.onSubmittedWorkDone();
      for (const list of pool.values()) for (const b of list) b.destroy();
      for (const b of buffers.values()) b.destroy();
      device.destroy();
      settle(() => {});
      return;
    case "emptyCache":
      submit();
      await device.queue.onSubmittedWorkDone();
      for (const list of pool.values()) for (const b of list) b.destroy();
      pool.clear();
      return;
  }
}

/**
 * Bun and Node: the optional npm package `webgpu` (Dawn's node bindings), which also installs
 * the WebGPU globals (GPUBufferUsage, ...) the code above uses; undefined without it.
 */
async function dawn(): Promise<GPU | undefined> {
  try {
    // An optional package that JSR's publish step must not try to resolve: the import is built
    // at run time, where only Bun and Node take this path.
    const load = new Function("s", "return import(s)") as (
      s: string,
    ) => Promise<unknown>;
    const m = await load("webgpu") as {
      create(flags: string[]): GPU;
      globals: Record<string, unknown>;
    };
    Object.assign(globalThis, m.globals);
    return m.create([]);
  } catch {
    return undefined;
  }
}

async function start(hello: Hello): Promise<void> {
  control = new Int32Array(hello.control);
  controlBytes = new Uint8Array(hello.control);
  const gpu = (globalThis.navigator as Navigator & { gpu?: GPU } | undefined)
    ?.gpu ?? await dawn();
  const adapter = await gpu?.requestAdapter({
    powerPreference: "high-performance",
  });
  if (!adapter) {
    answer(State.Failed, "no WebGPU adapter");
    return;
  }
  const l = adapter.limits;
  device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    },
  });
  device.addEventListener("uncapturederror", (e) => {
    fail(`WebGPU error: ${(e as GPUUncapturedErrorEvent).error.message}`);
  });
  device.lost.then((info) => {
    fail(`WebGPU device lost: ${info.message || info.reason}`);
  });
  const info = adapter.info;
  const name = info.description ||
    [info.vendor, info.architecture].filter((s) => s).join(" ");
  answer(
    State.Done,
    JSON.stringify({
      name: name || "WebGPU adapter",
      fallback: info.isFallbackAdapter ?? false,
      maxBinding: Math.min(l.maxStorageBufferBindingSize, l.maxBufferSize),
    }),
  );
}

let started = false;
port.on("message", (msg: Hello | Command[]) => {
  if (!started) {
    started = true;
    queue = start(msg as Hello).catch((e) =>
      answer(State.Failed, e instanceof Error ? e.message : String(e))
    );
    return;
  }
  queue = queue.then(() => runBatch(msg as Command[]));
});
