// A small character-level Transformer: a causal TransformerEncoder over token and position
// embeddings learns to continue examples/data/torchlight.txt one character at a time, then writes
// 60 characters greedily. tests/char_transformer.test.ts checks its losses against PyTorch
// running the same program (tests/fixtures/gen_char_transformer.py).
//
//   deno run --allow-read examples/char_transformer.ts [steps]     or     bun examples/char_transformer.ts

import { readFileSync } from "node:fs";
import * as torch from "../mod.ts";
const { nn } = torch;
const F = nn.functional;

const [block_size, batch_size, d_model, nhead, num_layers, dim_ff] = [
  32,
  16,
  32,
  4,
  2,
  64,
];

class CharTransformer extends nn.Module {
  tok: torch.nn.Embedding;
  pos: torch.nn.Embedding;
  blocks: torch.nn.TransformerEncoder;
  head: torch.nn.Linear;
  declare mask: torch.Tensor;

  constructor(vocab_size: number) {
    super();
    this.tok = new nn.Embedding(vocab_size, d_model);
    this.pos = new nn.Embedding(block_size, d_model);
    const layer = new nn.TransformerEncoderLayer(d_model, nhead, dim_ff, {
      dropout: 0.1,
      batch_first: true,
    });
    this.blocks = new nn.TransformerEncoder(layer, num_layers);
    this.head = new nn.Linear(d_model, vocab_size);
    this.register_buffer(
      "mask",
      nn.Transformer.generate_square_subsequent_mask(block_size),
    );
  }

  forward(idx: torch.Tensor): torch.Tensor {
    const T = idx.size(1);
    const x = this.tok(idx).add(this.pos(torch.arange(T)));
    const mask = this.mask.narrow(0, 0, T).narrow(1, 0, T);
    return this.head(this.blocks(x, { mask }));
  }
}

export interface CharRun {
  steps: number;
  vocab: number;
  losses: [number, number][];
  sample: string;
}

export function run(
  steps = 300,
  log: (line: string) => void = console.log,
): CharRun {
  torch.manual_seed(0);
  const text = readFileSync(
    new URL("./data/torchlight.txt", import.meta.url),
    "utf8",
  );
  // Python's sorted(set(text)): by code point.
  const chars = [...new Set(text)].sort((a, b) =>
    a.codePointAt(0)! - b.codePointAt(0)!
  );
  const stoi = new Map(chars.map((c, i) => [c, i]));
  const data = torch.tensor([...text].map((c) => stoi.get(c)!), {
    dtype: torch.long,
  });
  const model = new CharTransformer(chars.length);
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: 3e-3 });
  const losses: [number, number][] = [];
  for (let step = 0; step < steps; step++) {
    const ix = torch.randint(data.size(0) - block_size - 1, [batch_size]);
    const starts = ix.tolist() as number[];
    const x = torch.stack(starts.map((i) => data.narrow(0, i, block_size)));
    const y = torch.stack(starts.map((i) => data.narrow(0, i + 1, block_size)));
    const logits = model(x);
    const loss = F.cross_entropy(logits.view(-1, chars.length), y.view(-1));
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    if (step % 50 === 0 || step === steps - 1) {
      losses.push([step, loss.item() as number]);
      log(`step ${step}: loss ${(loss.item() as number).toFixed(4)}`);
    }
  }
  model.eval();
  let idx = torch.tensor([[..."The keeper"].map((c) => stoi.get(c)!)]);
  torch.no_grad(() => {
    for (let n = 0; n < 60; n++) {
      const from = Math.max(0, idx.size(1) - block_size);
      const logits = model(idx.narrow(1, from, idx.size(1) - from));
      const last = logits.select(1, logits.size(1) - 1);
      idx = torch.cat([idx, last.argmax(-1, { keepdim: true })], 1);
    }
  });
  const sample = (idx.select(0, 0).tolist() as number[]).map((i) => chars[i])
    .join("");
  log(JSON.stringify(sample));
  return { steps, vocab: chars.length, losses, sample };
}

if (import.meta.main) {
  const steps = Number(globalThis.process?.argv?.[2] ?? 300);
  run(Number.isInteger(steps) && steps > 0 ? steps : 300);
}
