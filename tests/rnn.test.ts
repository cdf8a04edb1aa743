// nn.RNN / LSTM / GRU, their cells and nn.utils.rnn against PyTorch (tests/fixtures/gen_rnn.py):
// initialisation draws, outputs, final states and every gradient, packed and padded input, both
// directions, projections, dropout between layers; finite differences in float64; PyTorch's
// messages and reprs.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import {
  assertTensorClose,
  decodeTensor,
  type EncTensor,
  readFixture,
} from "./_support/fixtures.ts";

const { nn } = torch;
const U = nn.utils.rnn;
type Enc = { t: EncTensor };

interface Common {
  name: string;
  layer: "RNN" | "LSTM" | "GRU" | "RNNCell" | "LSTMCell" | "GRUCell";
  args: number[];
  kwargs: Record<string, unknown>;
  dtype: "float32" | "float64";
  state_dict: Record<string, Enc>;
  repr: string;
  input: Enc;
  hx: Enc[];
  grad_input: Enc;
  grad_hx: Enc[];
  grad_params: Record<string, Enc>;
}
interface LayerCase extends Common {
  train: boolean;
  lengths: number[] | null;
  enforce_sorted: boolean;
  output: Enc;
  finals: Enc[];
  batch_sizes?: Enc;
}
interface CellCase extends Common {
  outputs: Enc[];
}

const fx = readFixture<{
  torch: string;
  layers: LayerCase[];
  cells: CellCase[];
  utils: {
    sequences: Enc[];
    pad_sequence: Enc;
    pad_sequence_batch_first: Enc;
    pack_sequence: Record<string, Enc>;
    pad_packed_sequence: { padded: Enc; lengths: Enc };
  };
  errors: Record<string, [string, string]>;
  reprs: Record<string, string>;
}>("rnn.json");

const tol = (dtype: string) =>
  dtype === "float64"
    ? { rtol: 1e-10, atol: 1e-12 }
    : { rtol: 2e-4, atol: 2e-5 };

// deno-lint-ignore no-explicit-any
const CLASSES: Record<string, any> = {
  RNN: nn.RNN,
  LSTM: nn.LSTM,
  GRU: nn.GRU,
  RNNCell: nn.RNNCell,
  LSTMCell: nn.LSTMCell,
  GRUCell: nn.GRUCell,
};

/** The same fixed weighting of a tensor's elements as the generator's `weigh`. */
function weigh(t: torch.Tensor, seed: number): torch.Tensor {
  const g = new torch.Generator().manual_seed(seed);
  return t.mul(torch.randn([...t.shape], { generator: g, dtype: t.dtype }))
    .sum();
}

const leaf = (e: Enc) => decodeTensor(e.t).requires_grad_();

/** Constructs the case's layer under its seed and checks PyTorch drew the same initial weights. */
function build(c: Common, seed: number) {
  torch.manual_seed(seed);
  const layer = new CLASSES[c.layer](...c.args, {
    ...c.kwargs,
    dtype: c.dtype,
  });
  const sd = layer.state_dict() as Record<string, torch.Tensor>;
  assert.deepEqual(
    Object.keys(sd),
    Object.keys(c.state_dict),
    "state_dict keys",
  );
  for (const [k, v] of Object.entries(c.state_dict)) {
    assertTensorClose(sd[k], v.t, `${c.name} init ${k}`, tol(c.dtype));
  }
  assert.equal(String(layer), c.repr);
  return layer;
}

function checkGrads(
  c: Common,
  loss: torch.Tensor,
  x: torch.Tensor,
  states: torch.Tensor[],
  layer: InstanceType<typeof nn.Module>,
) {
  const params = [...layer.named_parameters()] as [string, torch.Tensor][];
  const grads = torch.autograd.grad(loss, [
    x,
    ...states,
    ...params.map(([, p]) => p),
  ]);
  const t = tol(c.dtype);
  assertTensorClose(grads[0], c.grad_input.t, `${c.name} grad input`, t);
  c.grad_hx.forEach((g, i) =>
    assertTensorClose(grads[1 + i], g.t, `${c.name} grad hx[${i}]`, t)
  );
  params.forEach(([n], i) =>
    assertTensorClose(
      grads[1 + states.length + i],
      c.grad_params[n].t,
      `${c.name} grad ${n}`,
      t,
    )
  );
}

describe(`recurrent layers against PyTorch ${fx.torch}`, () => {
  fx.layers.forEach((c, i) => {
    test(c.name, () => {
      // The generator seeds each case by its position in its family (see gen_rnn.py).
      const seed = seedOf(c.name);
      const layer = build(c, seed);
      layer.train(c.train);
      const x = leaf(c.input);
      const states = c.hx.map(leaf);
      let input: torch.Tensor | InstanceType<typeof U.PackedSequence> = x;
      if (c.lengths) {
        input = U.pack_padded_sequence(x, c.lengths, {
          batch_first: Boolean(c.kwargs.batch_first),
          enforce_sorted: c.enforce_sorted,
        });
      }
      const hx = states.length === 0
        ? null
        : c.layer === "LSTM"
        ? states
        : states[0];
      torch.manual_seed(seed + 7);
      const [out, hn] = layer(input, hx);
      const finals: torch.Tensor[] = c.layer === "LSTM" ? hn : [hn];
      const outT: torch.Tensor = c.lengths ? out.data : out;
      if (c.batch_sizes) {
        assertTensorClose(out.batch_sizes, c.batch_sizes.t, "batch_sizes", {
          rtol: 0,
          atol: 0,
        });
      }
      const t = tol(c.dtype);
      assertTensorClose(outT, c.output.t, `${c.name} output`, t);
      c.finals.forEach((f, k) =>
        assertTensorClose(finals[k], f.t, `${c.name} final[${k}]`, t)
      );
      let loss = weigh(outT, 1);
      finals.forEach((f, k) => (loss = loss.add(weigh(f, 2 + k))));
      checkGrads(c, loss, x, states, layer);
      void i;
    });
  });
});

/** gen_rnn.py's seed for a case, from the case's name. */
function seedOf(name: string): number {
  const key = name.replace(/_(float32|float64)$/, "").split("/")[1];
  const seeds: Record<string, number> = {
    plain: 1,
    given_state: 2,
    two_layers_bidirectional: 3,
    batch_first_no_bias: 4,
    unbatched: 5,
    packed: 6,
    packed_unsorted_batch_first: 7,
    dropout_train: 8,
    relu: 9,
    proj: 10,
    proj_packed: 11,
    zeros: 21,
    given: 22,
    unbatched_no_bias: 23,
  };
  if (name.startsWith("RNNCell/relu")) return 24;
  const s = seeds[key];
  assert.ok(s !== undefined, `no seed for ${name}`);
  return s;
}

describe(`recurrent cells against PyTorch ${fx.torch}`, () => {
  for (const c of fx.cells) {
    test(c.name, () => {
      const cell = build(c, seedOf(c.name));
      const x = leaf(c.input);
      const states = c.hx.map(leaf);
      const hx = states.length === 0
        ? null
        : c.layer === "LSTMCell"
        ? states
        : states[0];
      const out = cell(x, hx);
      const outs: torch.Tensor[] = c.layer === "LSTMCell" ? out : [out];
      c.outputs.forEach((o, k) =>
        assertTensorClose(outs[k], o.t, `${c.name} out[${k}]`, tol(c.dtype))
      );
      let loss = weigh(outs[0], 2);
      if (outs[1]) loss = loss.add(weigh(outs[1], 3));
      checkGrads(c, loss, x, states, cell);
    });
  }
});

describe("nn.utils.rnn against PyTorch", () => {
  const seqs = fx.utils.sequences.map((e) => decodeTensor(e.t));
  const exact = { rtol: 0, atol: 0 };
  test("pad_sequence, both layouts and a padding value", () => {
    assertTensorClose(
      U.pad_sequence(seqs),
      fx.utils.pad_sequence.t,
      "pad",
      exact,
    );
    assertTensorClose(
      U.pad_sequence(seqs, { batch_first: true, padding_value: -1 }),
      fx.utils.pad_sequence_batch_first.t,
      "pad batch_first",
      exact,
    );
  });
  test("pack_sequence of unsorted lengths, and back with total_length", () => {
    const packed = U.pack_sequence(seqs, { enforce_sorted: false });
    for (const [k, v] of Object.entries(fx.utils.pack_sequence)) {
      assertTensorClose(
        (packed as unknown as Record<string, torch.Tensor>)[k],
        v.t,
        k,
        exact,
      );
    }
    const [padded, lengths] = U.pad_packed_sequence(packed, {
      batch_first: true,
      padding_value: 9,
      total_length: 7,
    });
    assertTensorClose(
      padded,
      fx.utils.pad_packed_sequence.padded.t,
      "padded",
      exact,
    );
    assertTensorClose(
      lengths,
      fx.utils.pad_packed_sequence.lengths.t,
      "lengths",
      exact,
    );
    // A namedtuple: destructured in field order.
    const [data, batch_sizes] = packed;
    assert.equal(data, packed.data);
    assert.equal(batch_sizes, packed.batch_sizes);
    // unpack_sequence and unpad_sequence give the sequences back.
    U.unpack_sequence(packed).forEach((s, i) =>
      assert.deepEqual(s.tolist(), seqs[i].tolist())
    );
  });
  test("gradients flow through packing and unpacking", () => {
    const x = torch.randn([4, 3, 2], { requires_grad: true });
    const packed = U.pack_padded_sequence(x, [4, 2, 1]);
    const [padded] = U.pad_packed_sequence(packed);
    padded.sum().backward();
    // Positions past each sequence's length were dropped by packing: their gradient is zero.
    const mask = torch.tensor([[1, 1, 1], [1, 1, 0], [1, 0, 0], [1, 0, 0]])
      .unsqueeze(2).expand(4, 3, 2).float();
    assert.deepEqual(x.grad!.tolist(), mask.tolist());
  });
});

describe("recurrent layers: finite differences in float64", () => {
  const d = (...s: number[]) =>
    torch.randn(s, { dtype: torch.float64, requires_grad: true });
  for (const name of ["RNN", "LSTM", "GRU"] as const) {
    test(`${name}, two layers, both directions, packed, against gradcheck`, () => {
      torch.manual_seed(0);
      const layer = new CLASSES[name](2, 3, {
        num_layers: 2,
        bidirectional: true,
        dtype: torch.float64,
      });
      const x = d(4, 3, 2);
      const h = d(4, 3, 3);
      const c = d(4, 3, 3);
      assert.ok(
        torch.autograd.gradcheck(
          (x: torch.Tensor, h: torch.Tensor, c: torch.Tensor) => {
            const packed = U.pack_padded_sequence(x, [4, 3, 1]);
            const [out, hn] = layer(packed, name === "LSTM" ? [h, c] : h);
            const finals = name === "LSTM" ? hn : [hn];
            return torch.cat([
              out.data.reshape(-1),
              ...finals.map((f: torch.Tensor) => f.reshape(-1)),
            ]);
          },
          name === "LSTM" ? [x, h, c] : [x, h, c.detach()],
        ),
      );
    });
  }
});

describe("recurrent layers: PyTorch's messages and reprs", () => {
  const raises = (key: string, fn: () => unknown) => {
    const [type, message] = fx.errors[key];
    assert.throws(fn, (e: Error) => {
      assert.equal(e.name === "Error" ? e.constructor.name : e.name, type);
      assert.equal(e.message, message);
      return true;
    });
  };
  const r = torch.randn;
  test("construction", () => {
    raises("dropout_range", () => new nn.LSTM(3, 4, { dropout: 1.5 }));
    raises("proj_not_smaller", () => new nn.LSTM(3, 4, { proj_size: 4 }));
    raises("proj_negative", () => new nn.LSTM(3, 4, { proj_size: -1 }));
    raises("proj_on_gru", () => new nn.GRU(3, 4, { proj_size: 2 }));
    raises("nonlinearity", () => new nn.RNN(3, 4, { nonlinearity: "sigmoid" }));
  });
  test("inputs and states of the wrong size", () => {
    raises("input_size", () => new nn.LSTM(3, 4)(r(5, 2, 4)));
    raises("input_dims", () => new nn.GRU(3, 4)(r(5, 2, 3, 1)));
    raises("hidden_size", () => new nn.GRU(3, 4)(r(5, 2, 3), r(1, 3, 4)));
    raises(
      "lstm_hidden0",
      () => new nn.LSTM(3, 4)(r(5, 2, 3), [r(1, 2, 5), r(1, 2, 4)]),
    );
    raises(
      "lstm_hidden1",
      () => new nn.LSTM(3, 4)(r(5, 2, 3), [r(1, 2, 4), r(2, 2, 4)]),
    );
    raises("batched_hx_dims", () => new nn.RNN(3, 4)(r(5, 2, 3), r(2, 4)));
    raises(
      "lstm_unbatched_hx_dims",
      () => new nn.LSTM(3, 4)(r(5, 3), [r(1, 1, 4), r(1, 1, 4)]),
    );
    raises("cell_dims", () => new nn.GRUCell(3, 4)(r(2, 2, 3)));
    raises(
      "cell_nonlinearity",
      () => new nn.RNNCell(3, 4, { nonlinearity: "gelu" })(r(2, 3)),
    );
    raises(
      "unsorted_lengths",
      () => U.pack_padded_sequence(r(5, 2, 3), [2, 5]),
    );
    raises(
      "total_length",
      () =>
        U.pad_packed_sequence(U.pack_padded_sequence(r(5, 2, 3), [5, 2]), {
          total_length: 3,
        }),
    );
    // A misspelt option is PyTorch's TypeError, not ignored.
    assert.throws(
      // @ts-expect-error: the typed constructor already refuses it.
      () => new nn.LSTM(3, 4, { bidirectionnal: true }),
      /unexpected keyword argument 'bidirectionnal'/,
    );
  });
  test("reprs", () => {
    assert.equal(
      String(
        new nn.RNN(10, 20, 2, { nonlinearity: "relu", batch_first: true }),
      ),
      fx.reprs.rnn_relu,
    );
    assert.equal(
      String(
        new nn.LSTM(10, 20, {
          num_layers: 2,
          bias: false,
          batch_first: true,
          dropout: 0.25,
          bidirectional: true,
          proj_size: 5,
        }),
      ),
      fx.reprs.lstm_all,
    );
    assert.equal(
      String(new nn.GRU(10, 20, { dropout: 0.5, num_layers: 2 })),
      fx.reprs.gru,
    );
    assert.equal(
      String(new nn.RNNCell(4, 3, { bias: false, nonlinearity: "relu" })),
      fx.reprs.rnn_cell,
    );
    assert.equal(String(new nn.LSTMCell(4, 3)), fx.reprs.lstm_cell);
  });
});

describe("a PyTorch state_dict loads and gives PyTorch's outputs", () => {
  test("nn.LSTM (two layers, both directions, projections) and nn.GRU from torch.save", () => {
    const ck = torch.load<
      Record<string, torch.Tensor & Record<string, torch.Tensor>>
    >(
      new URL("./fixtures/pt/rnn_state.pt", import.meta.url).pathname,
    );
    const exact = { rtol: 1e-5, atol: 1e-6 };
    const enc = (t: torch.Tensor): EncTensor => ({
      dtype: t.dtype.name,
      shape: [...t.shape],
      data: t.reshape(-1).tolist() as number[],
    });
    torch.manual_seed(0); // other initial weights than PyTorch's: the checkpoint must replace them
    const lstm = new nn.LSTM(4, 6, {
      num_layers: 2,
      bidirectional: true,
      proj_size: 3,
    });
    lstm.load_state_dict(ck.lstm);
    const gru = new nn.GRU(4, 6, { batch_first: true });
    gru.load_state_dict(ck.gru);
    torch.no_grad(() => {
      const [out, [h, c]] = lstm(ck.input);
      assertTensorClose(out, enc(ck.lstm_out), "lstm output", exact);
      assertTensorClose(h, enc(ck.lstm_h), "lstm h_n", exact);
      assertTensorClose(c, enc(ck.lstm_c), "lstm c_n", exact);
      const [gout, gh] = gru(ck.input.transpose(0, 1));
      assertTensorClose(gout, enc(ck.gru_out), "gru output", exact);
      assertTensorClose(gh, enc(ck.gru_h), "gru h_n", exact);
    });
  });
});
