// Recurrent layers: RNN, LSTM and GRU over whole sequences (layers, both directions, dropout
// between layers, packed input, LSTM projections) and their one-step cells, as compositions of
// differentiable ops: the same cell equations and parameter names as PyTorch, so a PyTorch
// state_dict loads and gives PyTorch's numbers.

import { AssertionError, RuntimeError, ValueError } from "../../errors.ts";
import { Tensor } from "../../tensor.ts";
import { parseArgs } from "../../ops/_args.ts";
import { zeros } from "../../ops/creation.ts";
import { cat, index_select } from "../../ops/indexing.ts";
import { Module } from "../module.ts";
import { Parameter } from "../parameter.ts";
import * as F from "../functional.ts";
import * as init from "../init.ts";
import { PackedSequence } from "../rnn_utils.ts";
import { paramDtype, pyFloat } from "./_util.ts";

type Mode = "RNN_TANH" | "RNN_RELU" | "LSTM" | "GRU";

const GATES: Record<Mode, number> = {
  RNN_TANH: 1,
  RNN_RELU: 1,
  LSTM: 4,
  GRU: 3,
};

/** One layer-direction's weights (biases null without `bias`, w_hr null without projections). */
interface CellWeights {
  w_ih: Tensor;
  w_hh: Tensor;
  b_ih: Tensor | null;
  b_hh: Tensor | null;
  w_hr: Tensor | null;
}

/**
 * One time step from the input's share of the gates, `gi` = x W_ihᵀ + b_ih, and the state:
 * PyTorch's cell equations, in its order of operations.
 */
function cellStep(
  mode: Mode,
  gi: Tensor,
  h: Tensor,
  c: Tensor | null,
  w: CellWeights,
): [Tensor, Tensor | null] {
  const gh = F.linear(h, w.w_hh, w.b_hh);
  switch (mode) {
    case "RNN_TANH":
      return [gh.add(gi).tanh(), null];
    case "RNN_RELU":
      return [gh.add(gi).relu(), null];
    case "LSTM": {
      const [i, f, g, o] = gh.add(gi).chunk(4, 1);
      const cy = f.sigmoid().mul(c!).add(i.sigmoid().mul(g.tanh()));
      let hy = o.sigmoid().mul(cy.tanh());
      if (w.w_hr) hy = hy.matmul(w.w_hr.t());
      return [hy, cy];
    }
    case "GRU": {
      const [ir, iz, inn] = gi.chunk(3, 1);
      const [hr, hz, hn] = gh.chunk(3, 1);
      const r = hr.add(ir).sigmoid();
      const z = hz.add(iz).sigmoid();
      const n = inn.add(hn.mul(r)).tanh();
      return [h.sub(n).mul(z).add(n), null];
    }
  }
}

/**
 * One direction of one layer over packed rows: `gi` holds x W_ihᵀ + b_ih for every row,
 * step after step, `sizes[t]` rows at step t (longest sequences first). Returns the output rows in
 * the same order and the final state of every sequence.
 */
function runDirection(
  mode: Mode,
  gi: Tensor,
  sizes: number[],
  h0: Tensor,
  c0: Tensor | null,
  w: CellWeights,
  reverse: boolean,
): { out: Tensor; h: Tensor; c: Tensor | null } {
  const steps = sizes.length;
  const offsets: number[] = [];
  let at = 0;
  for (const bs of sizes) {
    offsets.push(at);
    at += bs;
  }
  const outs = new Array<Tensor>(steps);
  if (!reverse) {
    // Sequences end, shortest last in the batch, as the steps go: their final states are kept.
    let h = h0, c = c0;
    const doneH: Tensor[] = [], doneC: Tensor[] = [];
    for (let t = 0; t < steps; t++) {
      const bs = sizes[t], rows = h.size(0);
      if (bs < rows) {
        doneH.push(h.narrow(0, bs, rows - bs));
        h = h.narrow(0, 0, bs);
        if (c) {
          doneC.push(c.narrow(0, bs, rows - bs));
          c = c.narrow(0, 0, bs);
        }
      }
      [h, c] = cellStep(mode, gi.narrow(0, offsets[t], bs), h, c, w);
      outs[t] = h;
    }
    const hn = doneH.length ? cat([h, ...doneH.reverse()], 0) : h;
    const cn = c && doneC.length ? cat([c, ...doneC.reverse()], 0) : c;
    return { out: cat(outs, 0), h: hn, c: cn };
  }
  // Backwards in time, sequences join as the steps reach their ends, from the initial state.
  let h = h0.narrow(0, 0, 0), c = c0 ? c0.narrow(0, 0, 0) : null;
  for (let t = steps - 1; t >= 0; t--) {
    const bs = sizes[t], rows = h.size(0);
    if (bs > rows) {
      h = cat([h, h0.narrow(0, rows, bs - rows)], 0);
      if (c) c = cat([c, c0!.narrow(0, rows, bs - rows)], 0);
    }
    [h, c] = cellStep(mode, gi.narrow(0, offsets[t], bs), h, c, w);
    outs[t] = h;
  }
  if (h.size(0) < h0.size(0)) {
    // Sequences with no steps at all keep their initial state.
    const rows = h.size(0), rest = h0.size(0) - rows;
    h = cat([h, h0.narrow(0, rows, rest)], 0);
    if (c) c = cat([c, c0!.narrow(0, rows, rest)], 0);
  }
  return { out: cat(outs, 0), h, c };
}

function dimError(what: string, got: number[]): string {
  return `${what} but got (${got.map((d) => `${d}-D`).join(", ")}) tensors`;
}

/** `(1, 2, 3)`: a Python tuple of sizes, as PyTorch's hidden-size messages show it. */
function pyTuple(sizes: number[]): string {
  return `(${sizes.join(", ")}${sizes.length === 1 ? "," : ""})`;
}

/**
 * What RNN, LSTM and GRU share: `RNNBase(mode, input_size, hidden_size, num_layers = 1,
 * bias = true, batch_first = false, dropout = 0, bidirectional = false, proj_size = 0)`.
 */
export class RNNBase extends Module {
  mode: Mode;
  input_size: number;
  hidden_size: number;
  num_layers: number;
  bias: boolean;
  batch_first: boolean;
  dropout: number;
  bidirectional: boolean;
  proj_size: number;
  /** The weights' names, per layer and direction, in PyTorch's order. */
  declare _all_weights: string[][];
  declare _flat_weights_names: string[];

  constructor(
    mode: Mode,
    input_size: number,
    hidden_size: number,
    o: {
      num_layers: number;
      bias: boolean;
      batch_first: boolean;
      dropout: number;
      bidirectional: boolean;
      proj_size: number;
      dtype: unknown;
    },
  ) {
    super();
    this.mode = mode;
    this.input_size = input_size;
    this.hidden_size = hidden_size;
    this.num_layers = o.num_layers;
    this.bias = o.bias;
    this.batch_first = o.batch_first;
    this.dropout = Number(o.dropout);
    this.bidirectional = o.bidirectional;
    this.proj_size = o.proj_size;
    if (
      typeof o.dropout !== "number" || !(o.dropout >= 0 && o.dropout <= 1)
    ) {
      throw new ValueError(
        "dropout should be a number in range [0, 1] representing the probability of an element being zeroed",
      );
    }
    if (o.dropout > 0 && o.num_layers === 1) {
      console.warn(
        `UserWarning: dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects num_layers greater than 1, but got dropout=${
          pyFloat(o.dropout)
        } and num_layers=${o.num_layers}`,
      );
    }
    if (o.proj_size < 0) {
      throw new ValueError(
        "proj_size should be a positive integer or zero to disable projections",
      );
    }
    if (o.proj_size >= hidden_size) {
      throw new ValueError("proj_size has to be smaller than hidden_size");
    }
    const dtype = paramDtype(o.dtype);
    const gateSize = GATES[mode] * hidden_size;
    const dirs = o.bidirectional ? 2 : 1;
    const realHidden = o.proj_size > 0 ? o.proj_size : hidden_size;
    const hidden = (value: unknown) => ({
      value,
      writable: true,
      enumerable: false,
      configurable: true,
    });
    Object.defineProperties(this, {
      _all_weights: hidden([]),
      _flat_weights_names: hidden([]),
    });
    const self = this as unknown as Record<string, Parameter>;
    for (let layer = 0; layer < o.num_layers; layer++) {
      for (let d = 0; d < dirs; d++) {
        const layerInput = layer === 0 ? input_size : realHidden * dirs;
        const suffix = `_l${layer}${d === 1 ? "_reverse" : ""}`;
        const shapes: [string, number[]][] = [
          ["weight_ih", [gateSize, layerInput]],
          ["weight_hh", [gateSize, realHidden]],
        ];
        if (o.bias) {
          shapes.push(["bias_ih", [gateSize]], ["bias_hh", [gateSize]]);
        }
        if (o.proj_size > 0) {
          shapes.push(["weight_hr", [o.proj_size, hidden_size]]);
        }
        const names = shapes.map(([n]) => n + suffix);
        shapes.forEach(([, shape], i) => {
          self[names[i]] = new Parameter(Tensor.empty(shape, dtype));
        });
        this._all_weights.push(names);
        this._flat_weights_names.push(...names);
      }
    }
    this.reset_parameters();
  }

  /** PyTorch's initialisation: every weight and bias from U(±1/sqrt(hidden_size)), in order. */
  reset_parameters(): void {
    const stdv = this.hidden_size > 0 ? 1 / Math.sqrt(this.hidden_size) : 0;
    for (const w of this.parameters()) init.uniform_(w, -stdv, stdv);
  }

  /** A no-op, as on the CPU in PyTorch (cuDNN's contiguous weight buffer has no counterpart). */
  flatten_parameters(): void {}

  /** The parameters by layer and direction: `[[w_ih, w_hh, b_ih, b_hh], ...]`. */
  get all_weights(): Parameter[][] {
    const self = this as unknown as Record<string, Parameter>;
    return this._all_weights.map((names) => names.map((n) => self[n]));
  }

  get _flat_weights(): Parameter[] {
    const self = this as unknown as Record<string, Parameter>;
    return this._flat_weights_names.map((n) => self[n]);
  }

  private _weightsOf(layer: number, d: number): CellWeights {
    const self = this as unknown as Record<string, Parameter | undefined>;
    const s = `_l${layer}${d === 1 ? "_reverse" : ""}`;
    return {
      w_ih: self[`weight_ih${s}`]!,
      w_hh: self[`weight_hh${s}`]!,
      b_ih: self[`bias_ih${s}`] ?? null,
      b_hh: self[`bias_hh${s}`] ?? null,
      w_hr: self[`weight_hr${s}`] ?? null,
    };
  }

  /** The feature size of h: proj_size where there is a projection, else hidden_size. */
  protected get outSize(): number {
    return this.proj_size > 0 ? this.proj_size : this.hidden_size;
  }

  protected _checkInput(input: Tensor, packed: boolean): void {
    const want = packed ? 2 : 3;
    if (input.dim() !== want) {
      throw new RuntimeError(
        `input must have ${want} dimensions, got ${input.dim()}`,
      );
    }
    if (this.input_size !== input.size(-1)) {
      throw new RuntimeError(
        `input.size(-1) must be equal to input_size. Expected ${this.input_size}, got ${
          input.size(-1)
        }`,
      );
    }
  }

  protected _checkHidden(hx: Tensor, want: number[], what: string): void {
    const got = hx.shape;
    if (got.length !== 3 || got.some((s, i) => s !== want[i])) {
      throw new RuntimeError(
        `Expected ${what} size ${pyTuple(want)}, got [${got.join(", ")}]`,
      );
    }
  }

  /**
   * The whole stack over `input` (2-D packed rows with `sizes`, or 3-D padded), from states in
   * sorted order. Returns the last layer's output in the input's layout and the final states.
   */
  protected _runStack(
    input: Tensor,
    sizes: number[] | null,
    h0: Tensor,
    c0: Tensor | null,
  ): [Tensor, Tensor, Tensor | null] {
    let x: Tensor, L = 0, N = 0;
    if (sizes === null) {
      const seqFirst = this.batch_first ? input.transpose(0, 1) : input;
      [L, N] = [seqFirst.size(0), seqFirst.size(1)];
      x = seqFirst.reshape([L * N, seqFirst.size(2)]);
      sizes = new Array<number>(L).fill(N);
    } else x = input;
    const dirs = this.bidirectional ? 2 : 1;
    const hs: Tensor[] = [], cs: Tensor[] = [];
    for (let layer = 0; layer < this.num_layers; layer++) {
      if (layer > 0 && this.dropout > 0 && this.training) {
        x = F.dropout(x, this.dropout, true);
      }
      const outs: Tensor[] = [];
      for (let d = 0; d < dirs; d++) {
        const w = this._weightsOf(layer, d);
        const k = layer * dirs + d;
        const r = runDirection(
          this.mode,
          F.linear(x, w.w_ih, w.b_ih),
          sizes,
          h0.select(0, k),
          c0 ? c0.select(0, k) : null,
          w,
          d === 1,
        );
        outs.push(r.out);
        hs.push(r.h);
        if (r.c) cs.push(r.c);
      }
      x = dirs === 1 ? outs[0] : cat(outs, 1);
    }
    let out = x;
    if (L > 0 || N > 0 || input.dim() === 3) {
      out = x.reshape([L, N, x.size(1)]);
      if (this.batch_first) out = out.transpose(0, 1);
    }
    const stackStates = (s: Tensor[]) => cat(s.map((t) => t.unsqueeze(0)), 0);
    return [out, stackStates(hs), c0 ? stackStates(cs) : null];
  }

  /**
   * Shared forward: unpacks or unsqueezes the input, fills and checks the states, runs the stack
   * and gives the results back in the input's form. `hx` is one state, or [h, c] for an LSTM.
   */
  protected _run(
    input: Tensor | PackedSequence,
    hx: Tensor | Tensor[] | null,
  ): [Tensor | PackedSequence, Tensor | Tensor[]] {
    const lstm = this.mode === "LSTM";
    const dirs = this.bidirectional ? 2 : 1;
    let x: Tensor, sizes: number[] | null = null, batched = true;
    let sorted: Tensor | null = null, unsorted: Tensor | null = null;
    if (input instanceof PackedSequence) {
      x = input.data;
      sizes = (input.batch_sizes.tolist() as number[]).map(Number);
      sorted = input.sorted_indices;
      unsorted = input.unsorted_indices;
    } else {
      x = input;
      batched = x.dim() === 3;
      if (!batched) x = x.unsqueeze(this.batch_first ? 0 : 1);
    }
    const batch = sizes ? (sizes[0] ?? 0) : x.size(this.batch_first ? 0 : 1);
    let h: Tensor, c: Tensor | null = null;
    if (hx === null || hx === undefined) {
      const opts = { dtype: x.dtype, device: x.device };
      h = zeros([this.num_layers * dirs, batch, this.outSize], opts);
      if (lstm) {
        c = zeros([this.num_layers * dirs, batch, this.hidden_size], opts);
      }
    } else {
      if (lstm) {
        if (!Array.isArray(hx) || hx.length !== 2) {
          throw new TypeError(
            "LSTM's hx must be a tuple of two tensors (h_0, c_0)",
          );
        }
        [h, c] = hx;
      } else {
        if (!(hx instanceof Tensor)) {
          throw new TypeError(
            `${this.constructor.name}(): argument 'hx' must be Tensor, not ${
              Array.isArray(hx) ? "tuple" : typeof hx
            }`,
          );
        }
        h = hx;
      }
      if (sizes === null) {
        const want = batched ? 3 : 2;
        const dims = lstm ? [h.dim(), c!.dim()] : [h.dim()];
        if (dims.some((d) => d !== want)) {
          const input = batched ? "batched 3-D" : "unbatched 2-D";
          const what = lstm ? "hx and cx should also be" : "hx should also be";
          throw new RuntimeError(
            lstm
              ? dimError(`For ${input} input, ${what} ${want}-D`, dims)
              : `For ${input} input, ${what} ${want}-D but got ${
                dims[0]
              }-D tensor`,
          );
        }
        if (!batched) {
          h = h.unsqueeze(1);
          if (c) c = c.unsqueeze(1);
        }
      }
      if (sorted !== null) {
        h = index_select(h, 1, sorted);
        if (c) c = index_select(c, 1, sorted);
      }
    }
    this._checkInput(x, sizes !== null);
    const layers = this.num_layers * dirs;
    this._checkHidden(
      h,
      [layers, batch, this.outSize],
      lstm ? "hidden[0]" : "hidden",
    );
    if (c) this._checkHidden(c, [layers, batch, this.hidden_size], "hidden[1]");

    let [out, hn, cn] = this._runStack(x, sizes, h, c);
    if (unsorted !== null) {
      hn = index_select(hn, 1, unsorted);
      if (cn) cn = index_select(cn, 1, unsorted);
    }
    if (input instanceof PackedSequence) {
      const packed = new PackedSequence(
        out,
        input.batch_sizes,
        sorted,
        unsorted,
      );
      return [packed, lstm ? [hn, cn!] : hn];
    }
    if (!batched) {
      out = out.squeeze(this.batch_first ? 0 : 1);
      hn = hn.squeeze(1);
      if (cn) cn = cn.squeeze(1);
    }
    return [out, lstm ? [hn, cn!] : hn];
  }

  override extra_repr(): string {
    let s = `${this.input_size}, ${this.hidden_size}`;
    if (this.proj_size !== 0) s += `, proj_size=${this.proj_size}`;
    if (this.num_layers !== 1) s += `, num_layers=${this.num_layers}`;
    if (!this.bias) s += ", bias=False";
    if (this.batch_first) s += ", batch_first=True";
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional) s += ", bidirectional=True";
    return s;
  }
}

const BASE_NAMES = [
  "num_layers",
  "bias",
  "batch_first",
  "dropout",
  "bidirectional",
] as const;
const BASE_DEFAULTS = {
  num_layers: 1,
  bias: true,
  batch_first: false,
  dropout: 0,
  bidirectional: false,
  device: undefined as unknown,
  dtype: undefined as unknown,
};

/**
 * `nn.RNN(input_size, hidden_size, num_layers = 1, nonlinearity = 'tanh', bias = true,
 * batch_first = false, dropout = 0, bidirectional = false)`: h_t = tanh(x_t W_ihᵀ + b_ih +
 * h_{t-1} W_hhᵀ + b_hh) (or relu). Returns `[output, h_n]`.
 * @example const rnn = new nn.RNN(10, 20, 2); const [out, hn] = rnn(torch.randn(5, 3, 10))
 */
export class RNN extends RNNBase {
  nonlinearity: string;

  constructor(input_size: number, hidden_size: number, ...args: unknown[]) {
    // As in PyTorch, nonlinearity is a keyword only (RNN passes its positionals to RNNBase).
    const o = parseArgs("RNN", args, BASE_NAMES, {
      ...BASE_DEFAULTS,
      nonlinearity: "tanh",
      proj_size: null as number | null,
    });
    if (o.proj_size !== null) {
      throw new ValueError(
        "proj_size argument is only supported for LSTM, not RNN or GRU",
      );
    }
    if (o.nonlinearity !== "tanh" && o.nonlinearity !== "relu") {
      throw new ValueError(`Unknown nonlinearity '${o.nonlinearity}'`);
    }
    const mode = o.nonlinearity === "tanh" ? "RNN_TANH" : "RNN_RELU";
    super(mode, input_size, hidden_size, { ...o, proj_size: 0 });
    this.nonlinearity = o.nonlinearity;
  }

  forward(
    input: Tensor | PackedSequence,
    hx: Tensor | null = null,
  ): [Tensor | PackedSequence, Tensor] {
    return this._run(input, hx) as [Tensor | PackedSequence, Tensor];
  }
}

/**
 * `nn.LSTM(input_size, hidden_size, num_layers = 1, bias = true, batch_first = false,
 * dropout = 0, bidirectional = false, proj_size = 0)`. Returns `[output, [h_n, c_n]]`.
 * @example const lstm = new nn.LSTM(3, 3); const [out, [h, c]] = lstm(torch.randn(5, 1, 3))
 */
export class LSTM extends RNNBase {
  constructor(input_size: number, hidden_size: number, ...args: unknown[]) {
    const o = parseArgs("LSTM", args, [...BASE_NAMES, "proj_size"], {
      ...BASE_DEFAULTS,
      proj_size: 0,
    });
    super("LSTM", input_size, hidden_size, o);
  }

  forward(
    input: Tensor | PackedSequence,
    hx: [Tensor, Tensor] | null = null,
  ): [Tensor | PackedSequence, [Tensor, Tensor]] {
    return this._run(input, hx) as [Tensor | PackedSequence, [Tensor, Tensor]];
  }
}

/**
 * `nn.GRU(input_size, hidden_size, num_layers = 1, bias = true, batch_first = false,
 * dropout = 0, bidirectional = false)`. Returns `[output, h_n]`.
 * @example const gru = new nn.GRU(10, 20); const [out, hn] = gru(torch.randn(5, 3, 10))
 */
export class GRU extends RNNBase {
  constructor(input_size: number, hidden_size: number, ...args: unknown[]) {
    const o = parseArgs("GRU", args, BASE_NAMES, {
      ...BASE_DEFAULTS,
      proj_size: null as number | null,
    });
    if (o.proj_size !== null) {
      throw new ValueError(
        "proj_size argument is only supported for LSTM, not RNN or GRU",
      );
    }
    super("GRU", input_size, hidden_size, { ...o, proj_size: 0 });
  }

  forward(
    input: Tensor | PackedSequence,
    hx: Tensor | null = null,
  ): [Tensor | PackedSequence, Tensor] {
    return this._run(input, hx) as [Tensor | PackedSequence, Tensor];
  }
}

/** What the three cells share: weight_ih, weight_hh, bias_ih, bias_hh, as PyTorch names them. */
export class RNNCellBase extends Module {
  input_size: number;
  hidden_size: number;
  bias: boolean;
  weight_ih: Parameter;
  weight_hh: Parameter;
  bias_ih: Parameter | null;
  bias_hh: Parameter | null;
  declare protected mode: Mode;

  constructor(
    mode: Mode,
    input_size: number,
    hidden_size: number,
    bias: boolean,
    dtype: unknown,
  ) {
    super();
    Object.defineProperty(this, "mode", {
      value: mode,
      writable: true,
      enumerable: false,
      configurable: true,
    });
    const d = paramDtype(dtype), gates = GATES[mode] * hidden_size;
    this.input_size = input_size;
    this.hidden_size = hidden_size;
    this.bias = bias;
    this.weight_ih = new Parameter(Tensor.empty([gates, input_size], d));
    this.weight_hh = new Parameter(Tensor.empty([gates, hidden_size], d));
    this.bias_ih = bias ? new Parameter(Tensor.empty([gates], d)) : null;
    this.bias_hh = bias ? new Parameter(Tensor.empty([gates], d)) : null;
    this.reset_parameters();
  }

  /** PyTorch's initialisation: every weight and bias from U(±1/sqrt(hidden_size)), in order. */
  reset_parameters(): void {
    const stdv = this.hidden_size > 0 ? 1 / Math.sqrt(this.hidden_size) : 0;
    for (const w of this.parameters()) init.uniform_(w, -stdv, stdv);
  }

  /** One step from `input` (B, in) or (in) and the state; zeros when none is given. */
  protected _step(input: Tensor, hx: Tensor | Tensor[] | null): Tensor[] {
    const name = this.constructor.name;
    if (input.dim() !== 1 && input.dim() !== 2) {
      throw new AssertionError(
        `${name}: Expected input to be 1-D or 2-D but received ${input.dim()}-D tensor`,
      );
    }
    const batched = input.dim() === 2;
    const x = batched ? input : input.unsqueeze(0);
    const lstm = this.mode === "LSTM";
    let states: Tensor[];
    if (hx === null || hx === undefined) {
      const z = () =>
        zeros([x.size(0), this.hidden_size], {
          dtype: x.dtype,
          device: x.device,
        });
      states = lstm ? [z(), z()] : [z()];
    } else {
      states = lstm ? [...(hx as Tensor[])] : [hx as Tensor];
      if (!batched) states = states.map((s) => s.unsqueeze(0));
    }
    if (x.size(1) !== this.input_size) {
      throw new RuntimeError(
        `input has inconsistent input_size: got ${
          x.size(1)
        } expected ${this.input_size}`,
      );
    }
    for (const [i, s] of states.entries()) {
      if (s.size(0) !== x.size(0)) {
        throw new RuntimeError(
          `Input batch size ${x.size(0)} doesn't match hidden${i} batch size ${
            s.size(0)
          }`,
        );
      }
      if (s.size(1) !== this.hidden_size) {
        throw new RuntimeError(
          `hidden${i} has inconsistent hidden_size: got ${
            s.size(1)
          }, expected ${this.hidden_size}`,
        );
      }
    }
    const w: CellWeights = {
      w_ih: this.weight_ih,
      w_hh: this.weight_hh,
      b_ih: this.bias_ih,
      b_hh: this.bias_hh,
      w_hr: null,
    };
    const [h, c] = cellStep(
      this.mode,
      F.linear(x, w.w_ih, w.b_ih),
      states[0],
      states[1] ?? null,
      w,
    );
    const out = c ? [h, c] : [h];
    return batched ? out : out.map((t) => t.squeeze(0));
  }

  override extra_repr(): string {
    let s = `${this.input_size}, ${this.hidden_size}`;
    if (!this.bias) s += ", bias=False";
    const nl = (this as { nonlinearity?: string }).nonlinearity;
    if (nl !== undefined && nl !== "tanh") s += `, nonlinearity=${nl}`;
    return s;
  }
}

/** `nn.RNNCell(input_size, hidden_size, bias = true, nonlinearity = 'tanh')`: one RNN step. */
export class RNNCell extends RNNCellBase {
  nonlinearity: string;

  constructor(input_size: number, hidden_size: number, ...args: unknown[]) {
    const o = parseArgs("RNNCell", args, ["bias", "nonlinearity"], {
      bias: true,
      nonlinearity: "tanh",
      device: undefined as unknown,
      dtype: undefined as unknown,
    });
    super("RNN_TANH", input_size, hidden_size, o.bias, o.dtype);
    this.nonlinearity = o.nonlinearity;
  }

  forward(input: Tensor, hx: Tensor | null = null): Tensor {
    // As in PyTorch, an unknown nonlinearity is only an error when the cell runs.
    if (this.nonlinearity !== "tanh" && this.nonlinearity !== "relu") {
      throw new RuntimeError(`Unknown nonlinearity: ${this.nonlinearity}`);
    }
    this.mode = this.nonlinearity === "tanh" ? "RNN_TANH" : "RNN_RELU";
    return this._step(input, hx)[0];
  }
}

/** `nn.LSTMCell(input_size, hidden_size, bias = true)`: one LSTM step, `[h', c']`. */
export class LSTMCell extends RNNCellBase {
  constructor(input_size: number, hidden_size: number, ...args: unknown[]) {
    const o = parseArgs("LSTMCell", args, ["bias"], {
      bias: true,
      device: undefined as unknown,
      dtype: undefined as unknown,
    });
    super("LSTM", input_size, hidden_size, o.bias, o.dtype);
  }

  forward(
    input: Tensor,
    hx: [Tensor, Tensor] | null = null,
  ): [Tensor, Tensor] {
    return this._step(input, hx) as [Tensor, Tensor];
  }
}

/** `nn.GRUCell(input_size, hidden_size, bias = true)`: one GRU step. */
export class GRUCell extends RNNCellBase {
  constructor(input_size: number, hidden_size: number, ...args: unknown[]) {
    const o = parseArgs("GRUCell", args, ["bias"], {
      bias: true,
      device: undefined as unknown,
      dtype: undefined as unknown,
    });
    super("GRU", input_size, hidden_size, o.bias, o.dtype);
  }

  forward(input: Tensor, hx: Tensor | null = null): Tensor {
    return this._step(input, hx)[0];
  }
}
