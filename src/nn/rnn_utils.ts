// `torch.nn.utils.rnn`: sequences of different lengths for the recurrent layers. A PackedSequence
// holds the time steps one after another, each with only the sequences still running, longest
// first (`batch_sizes[t]` of them at step t); packing and unpacking are gathers, so gradients flow.

import { int64 } from "../dtype.ts";
import { RuntimeError, ValueError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { parseArgs } from "../ops/_args.ts";
import { tensor } from "../ops/creation.ts";
import { cat, index_select, stack } from "../ops/indexing.ts";

/**
 * `PackedSequence(data, batch_sizes, sorted_indices, unsorted_indices)`, as PyTorch's namedtuple:
 * the fields by name, or destructured in that order (`const [data, batch_sizes] = packed`).
 */
export class PackedSequence {
  constructor(
    readonly data: Tensor,
    readonly batch_sizes: Tensor,
    readonly sorted_indices: Tensor | null = null,
    readonly unsorted_indices: Tensor | null = null,
  ) {
    if (unsorted_indices === null && sorted_indices !== null) {
      this.unsorted_indices = invertPermutation(sorted_indices);
    }
  }

  *[Symbol.iterator](): Iterator<Tensor | null> {
    yield this.data;
    yield this.batch_sizes;
    yield this.sorted_indices;
    yield this.unsorted_indices;
  }

  /** The same packing of other data (what `.to()`, `.double()` and friends return). */
  private withData(data: Tensor): PackedSequence {
    return new PackedSequence(
      data,
      this.batch_sizes,
      this.sorted_indices,
      this.unsorted_indices,
    );
  }

  to(...args: unknown[]): PackedSequence {
    return this.withData(
      (this.data.to as (...a: unknown[]) => Tensor)(...args),
    );
  }

  float(): PackedSequence {
    return this.withData(this.data.float());
  }

  double(): PackedSequence {
    return this.withData(this.data.double());
  }

  cpu(): PackedSequence {
    return this.withData(this.data.cpu());
  }

  get is_cuda(): boolean {
    return this.data.is_cuda;
  }

  is_pinned(): boolean {
    return false;
  }

  toString(): string {
    const f = (t: Tensor | null) => (t === null ? "None" : t.toString());
    return `PackedSequence(data=${f(this.data)}, batch_sizes=${
      f(this.batch_sizes)
    }, sorted_indices=${f(this.sorted_indices)}, unsorted_indices=${
      f(this.unsorted_indices)
    })`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

function invertPermutation(p: Tensor): Tensor {
  const order = (p.tolist() as number[]).map(Number);
  const inv = new Array<number>(order.length);
  order.forEach((v, i) => (inv[v] = i));
  return tensor(inv, { dtype: int64, device: p.device });
}

/** Lengths from a list or a 1-D CPU int64 tensor, as plain numbers. */
function lengthsOf(lengths: unknown): number[] {
  if (lengths instanceof Tensor) {
    if (lengths.dim() !== 1) {
      throw new RuntimeError(
        `'lengths' argument should be a 1D CPU int64 tensor, but got ${lengths.dim()}D ${lengths.device.type} ${lengths.dtype} tensor`,
      );
    }
    return (lengths.tolist() as number[]).map(Number);
  }
  if (Array.isArray(lengths)) return lengths.map(Number);
  throw new TypeError(
    `pack_padded_sequence(): lengths must be a list or a tensor, not ${typeof lengths}`,
  );
}

/** Rows of the flattened (T·B, *) input that make up the packed data, step by step. */
function packRows(lens: number[], total: number): number[] {
  const rows: number[] = [];
  for (let t = 0; t < total; t++) {
    for (let b = 0; b < lens.length && lens[b] > t; b++) {
      rows.push(t * lens.length + b);
    }
  }
  return rows;
}

/** How many sequences run at each step, for lengths sorted longest first. */
function batchSizes(lens: number[]): number[] {
  const sizes: number[] = [];
  for (let t = 0; t < lens[0]; t++) {
    sizes.push(lens.filter((l) => l > t).length);
  }
  return sizes;
}

/**
 * `pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True)`: a padded batch
 * (T, B, *) or (B, T, *) packed by its sequences' lengths.
 */
export function pack_padded_sequence(
  input: Tensor,
  lengths: unknown,
  ...args: unknown[]
): PackedSequence {
  const o = parseArgs(
    "pack_padded_sequence",
    args,
    ["batch_first", "enforce_sorted"],
    { batch_first: false, enforce_sorted: true },
  );
  let lens = lengthsOf(lengths);
  let sorted: Tensor | null = null;
  if (!o.enforce_sorted) {
    const order = lens.map((_, i) => i).sort((a, b) => lens[b] - lens[a]);
    // On the input's device, as PyTorch moves it there.
    sorted = tensor(order, { dtype: int64, device: input.device });
    lens = order.map((i) => lens[i]);
    input = index_select(input, o.batch_first ? 0 : 1, sorted);
  } else {
    for (let i = 1; i < lens.length; i++) {
      if (lens[i] > lens[i - 1]) {
        throw new RuntimeError(
          "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement if you do not need ONNX exportability.",
        );
      }
    }
  }
  if (o.batch_first) input = input.transpose(0, 1);
  const [T, B] = [input.size(0), input.size(1)];
  if (lens.length !== B) {
    throw new RuntimeError(
      `Expected \`len(lengths)\` to be equal to batch_size, but got ${lens.length} (batch_size=${B})`,
    );
  }
  if (lens.length > 0 && lens[lens.length - 1] <= 0) {
    throw new RuntimeError(
      "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0",
    );
  }
  if (lens[0] > T) {
    throw new RuntimeError(
      `Expected sequence length to be smaller or equal to ${T}, but got ${
        lens[0]
      } for the longest sequence`,
    );
  }
  const flat = input.reshape([T * B, ...input.shape.slice(2)]);
  const data = index_select(
    flat,
    0,
    tensor(packRows(lens, lens[0]), { dtype: int64, device: input.device }),
  );
  return new PackedSequence(
    data,
    tensor(batchSizes(lens), { dtype: int64 }),
    sorted,
  );
}

/**
 * `pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None)`: the
 * padded batch back, and each sequence's length (int64).
 */
export function pad_packed_sequence(
  sequence: PackedSequence,
  ...args: unknown[]
): [Tensor, Tensor] {
  const o = parseArgs(
    "pad_packed_sequence",
    args,
    ["batch_first", "padding_value", "total_length"],
    {
      batch_first: false,
      padding_value: 0,
      total_length: null as number | null,
    },
  );
  const sizes = (sequence.batch_sizes.tolist() as number[]).map(Number);
  const B = sizes[0] ?? 0, steps = sizes.length;
  const T = o.total_length ?? steps;
  if (T < steps) {
    throw new ValueError(
      `Expected total_length to be at least the length of the longest sequence in input, but got total_length=${T} and max sequence length being ${steps}`,
    );
  }
  // Each padded position (t, b) reads its packed row, or the one extra row of padding.
  const data = sequence.data;
  const pad = data.new_full(
    [1, ...data.shape.slice(1)],
    o.padding_value,
  );
  const source = cat([data, pad], 0);
  const rows: number[] = [];
  let offset = 0;
  for (let t = 0; t < T; t++) {
    const bs = sizes[t] ?? 0;
    for (let b = 0; b < B; b++) rows.push(b < bs ? offset + b : data.size(0));
    offset += bs;
  }
  const at = tensor(rows, { dtype: int64, device: data.device });
  let padded = index_select(source, 0, at)
    .reshape([T, B, ...data.shape.slice(1)]);
  const lens = new Array<number>(B).fill(0);
  for (const bs of sizes) for (let b = 0; b < bs; b++) lens[b]++;
  let lengths = tensor(lens, { dtype: int64 });
  if (sequence.unsorted_indices !== null) {
    padded = index_select(padded, 1, sequence.unsorted_indices);
    lengths = index_select(lengths, 0, sequence.unsorted_indices.cpu());
  }
  if (o.batch_first) padded = padded.transpose(0, 1);
  return [padded, lengths];
}

/**
 * `pad_sequence(sequences, batch_first=False, padding_value=0.0)`: tensors of shape (L_i, *)
 * stacked into (max L, B, *), or (B, max L, *), padded at the end.
 */
export function pad_sequence(
  sequences: Tensor[] | Tensor,
  ...args: unknown[]
): Tensor {
  const o = parseArgs("pad_sequence", args, ["batch_first", "padding_value"], {
    batch_first: false,
    padding_value: 0,
  });
  const seqs = sequences instanceof Tensor
    ? sequences.unbind(0)
    : [...sequences];
  if (seqs.length === 0) {
    throw new RuntimeError("received an empty list of sequences");
  }
  const T = Math.max(...seqs.map((s) => s.size(0)));
  const padded = seqs.map((s) => {
    const n = s.size(0);
    if (n === T) return s;
    return cat([s, s.new_full([T - n, ...s.shape.slice(1)], o.padding_value)]);
  });
  return stack(padded, o.batch_first ? 0 : 1);
}

/** `pack_sequence(sequences, enforce_sorted=True)`: pad_sequence, then pack by their lengths. */
export function pack_sequence(
  sequences: Tensor[],
  ...args: unknown[]
): PackedSequence {
  const o = parseArgs("pack_sequence", args, ["enforce_sorted"], {
    enforce_sorted: true,
  });
  const lengths = sequences.map((s) => s.size(0));
  return pack_padded_sequence(pad_sequence(sequences), lengths, {
    enforce_sorted: o.enforce_sorted,
  });
}

/** `unpad_sequence(padded_sequences, lengths, batch_first=False)`: the list pad_sequence padded. */
export function unpad_sequence(
  padded: Tensor,
  lengths: unknown,
  ...args: unknown[]
): Tensor[] {
  const o = parseArgs("unpad_sequence", args, ["batch_first"], {
    batch_first: false,
  });
  const p = o.batch_first ? padded : padded.transpose(0, 1);
  return lengthsOf(lengths).map((n, b) => p.select(0, b).narrow(0, 0, n));
}

/** `unpack_sequence(packed_sequences)`: the list of tensors pack_sequence packed. */
export function unpack_sequence(packed: PackedSequence): Tensor[] {
  const [padded, lengths] = pad_packed_sequence(packed, { batch_first: true });
  return unpad_sequence(padded, lengths, { batch_first: true });
}
