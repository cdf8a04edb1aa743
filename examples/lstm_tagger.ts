// PyTorch's "Sequence Models and Long Short-Term Memory Networks" tutorial, ported line by line:
// an LSTM stepped by hand and over a whole sequence, then an LSTM part-of-speech tagger trained on
// two sentences. tests/lstm_tagger.test.ts checks every number against PyTorch's run.
//
//   deno run examples/lstm_tagger.ts        or        bun examples/lstm_tagger.ts

import * as torch from "../mod.ts";
const { nn, optim } = torch;
const F = nn.functional;

export interface TaggerRun {
  stepwise_hidden: number[][];
  out: number[];
  hidden: number[][];
  word_to_ix: Record<string, number>;
  scores_before: number[];
  scores_after: number[];
  predicted: number[];
  losses: [number, number][];
}

const flat = (t: torch.Tensor) => t.reshape(-1).tolist() as number[];

export function run(
  log: (...values: unknown[]) => void = console.log,
): TaggerRun {
  torch.manual_seed(1);

  const lstm = new nn.LSTM(3, 3); // Input dim is 3, output dim is 3
  const inputs = Array.from({ length: 5 }, () => torch.randn(1, 3)); // make a sequence of length 5

  // initialize the hidden state.
  let hidden: [torch.Tensor, torch.Tensor] = [
    torch.randn(1, 1, 3),
    torch.randn(1, 1, 3),
  ];
  let out: torch.Tensor;
  for (const i of inputs) {
    // Step through the sequence one element at a time.
    // after each step, hidden contains the hidden state.
    [out, hidden] = lstm(i.view(1, 1, -1), hidden);
  }
  const stepwise_hidden = hidden.map(flat);

  // alternatively, we can do the entire sequence all at once.
  const whole = torch.cat(inputs).view(inputs.length, 1, -1);
  hidden = [torch.randn(1, 1, 3), torch.randn(1, 1, 3)]; // clean out hidden state
  [out, hidden] = lstm(whole, hidden);
  log(out);
  log(hidden);

  function prepare_sequence(seq: string[], to_ix: Record<string, number>) {
    const idxs = seq.map((w) => to_ix[w]);
    return torch.tensor(idxs, { dtype: torch.long });
  }

  const training_data: [string[], string[]][] = [
    // Tags are: DET - determiner; NN - noun; V - verb
    // For example, the word "The" is a determiner
    ["The dog ate the apple".split(" "), ["DET", "NN", "V", "DET", "NN"]],
    ["Everybody read that book".split(" "), ["NN", "V", "DET", "NN"]],
  ];
  const word_to_ix: Record<string, number> = {};
  // For each words-list (sentence) and tags-list in each tuple of training_data
  for (const [sent] of training_data) {
    for (const word of sent) {
      if (!(word in word_to_ix)) { // word has not been assigned an index yet
        word_to_ix[word] = Object.keys(word_to_ix).length; // Assign each word with a unique index
      }
    }
  }
  log(word_to_ix);
  const tag_to_ix = { DET: 0, NN: 1, V: 2 }; // Assign each tag with a unique index

  // These will usually be more like 32 or 64 dimensional.
  // We will keep them small, so we can see how the weights change as we train.
  const EMBEDDING_DIM = 6;
  const HIDDEN_DIM = 6;

  class LSTMTagger extends nn.Module {
    hidden_dim: number;
    word_embeddings: torch.nn.Embedding;
    lstm: torch.nn.LSTM;
    hidden2tag: torch.nn.Linear;

    constructor(
      embedding_dim: number,
      hidden_dim: number,
      vocab_size: number,
      tagset_size: number,
    ) {
      super();
      this.hidden_dim = hidden_dim;

      this.word_embeddings = new nn.Embedding(vocab_size, embedding_dim);

      // The LSTM takes word embeddings as inputs, and outputs hidden states
      // with dimensionality hidden_dim.
      this.lstm = new nn.LSTM(embedding_dim, hidden_dim);

      // The linear layer that maps from hidden state space to tag space
      this.hidden2tag = new nn.Linear(hidden_dim, tagset_size);
    }

    forward(sentence: torch.Tensor): torch.Tensor {
      const embeds = this.word_embeddings(sentence);
      const [lstm_out] = this.lstm(embeds.view(sentence.size(0), 1, -1));
      const tag_space = this.hidden2tag(lstm_out.view(sentence.size(0), -1));
      const tag_scores = F.log_softmax(tag_space, { dim: 1 });
      return tag_scores;
    }
  }

  const model = new LSTMTagger(
    EMBEDDING_DIM,
    HIDDEN_DIM,
    Object.keys(word_to_ix).length,
    Object.keys(tag_to_ix).length,
  );
  const loss_function = new nn.NLLLoss();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 });

  // See what the scores are before training
  // Note that element i,j of the output is the score for tag j for word i.
  // Here we don't need to train, so the code is wrapped in torch.no_grad()
  const scores_before = torch.no_grad(() => {
    const inputs = prepare_sequence(training_data[0][0], word_to_ix);
    const tag_scores = model(inputs);
    log(tag_scores);
    return flat(tag_scores);
  });

  const losses: [number, number][] = [];
  for (let epoch = 0; epoch < 300; epoch++) { // again, normally you would NOT do 300 epochs, it is toy data
    let loss!: torch.Tensor;
    for (const [sentence, tags] of training_data) {
      // Step 1. Remember that Pytorch accumulates gradients.
      // We need to clear them out before each instance
      model.zero_grad();

      // Step 2. Get our inputs ready for the network, that is, turn them into
      // Tensors of word indices.
      const sentence_in = prepare_sequence(sentence, word_to_ix);
      const targets = prepare_sequence(tags, tag_to_ix);

      // Step 3. Run our forward pass.
      const tag_scores = model(sentence_in);

      // Step 4. Compute the loss, gradients, and update the parameters by
      //  calling optimizer.step()
      loss = loss_function(tag_scores, targets);
      loss.backward();
      optimizer.step();
    }
    if (epoch % 50 === 49) losses.push([epoch, loss.item() as number]);
  }

  // See what the scores are after training
  const [scores_after, predicted] = torch.no_grad(() => {
    const inputs = prepare_sequence(training_data[0][0], word_to_ix);
    const tag_scores = model(inputs);

    // The sentence is "the dog ate the apple".  i,j corresponds to score for tag j
    // for word i. The predicted tag is the maximum scoring tag.
    // Here, we can see the predicted sequence below is 0 1 2 0 1
    // since 0 is index of the maximum value of row 1,
    // 1 is the index of maximum value of row 2, etc.
    // Which is DET NOUN VERB DET NOUN, the correct sequence!
    log(tag_scores);
    return [flat(tag_scores), tag_scores.argmax(1).tolist() as number[]];
  });
  return {
    stepwise_hidden,
    out: flat(out),
    hidden: hidden.map(flat),
    word_to_ix,
    scores_before,
    scores_after,
    predicted,
    losses,
  };
}

if (import.meta.main) run();
