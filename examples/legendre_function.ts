// "Learning PyTorch with Examples", its custom autograd.Function part, ported line by line: a third
// order Legendre polynomial P3 with a hand-written backward, fitted to sin(x) by gradient descent.
// tests/autograd_function.test.ts checks the losses against PyTorch's.
//
//   deno run examples/legendre_function.ts        or        bun examples/legendre_function.ts

import * as torch from "../mod.ts";

export class LegendrePolynomial3 extends torch.autograd.Function {
  /**
   * In the forward pass we receive a Tensor containing the input and return a Tensor containing
   * the output. ctx is a context object that can be used to stash information for backward.
   */
  static override forward(
    ctx: torch.FunctionCtx,
    input: torch.Tensor,
  ): torch.Tensor {
    ctx.save_for_backward(input);
    return input.pow(3).mul(5).sub(input.mul(3)).mul(0.5);
  }

  /**
   * In the backward pass we receive a Tensor containing the gradient of the loss with respect to
   * the output, and we need to compute the gradient of the loss with respect to the input.
   */
  static override backward(
    ctx: torch.FunctionCtx,
    grad_output: torch.Tensor,
  ): torch.Tensor {
    const [input] = ctx.saved_tensors;
    return grad_output.mul(1.5).mul(input.pow(2).mul(5).sub(1));
  }
}

export function fit(
  dtype: torch.DTypeName = "float32",
  steps = 2000,
  log: (line: string) => void = console.log,
): number[] {
  // Create Tensors to hold input and outputs.
  const x = torch.linspace(-Math.PI, Math.PI, 2000, { dtype });
  const y = torch.sin(x);

  // Create random Tensors for weights. For this example, we need 4 weights: y = a + b * P3(c + d * x),
  // these weights need to be initialized not too far from the correct result to ensure convergence.
  const a = torch.full([], 0.0, { dtype, requires_grad: true });
  const b = torch.full([], -1.0, { dtype, requires_grad: true });
  const c = torch.full([], 0.0, { dtype, requires_grad: true });
  const d = torch.full([], 0.3, { dtype, requires_grad: true });

  const learning_rate = 5e-6;
  for (let t = 0; t < steps; t++) {
    // To apply our Function, we use Function.apply method. We alias this as 'P3'.
    const P3 = LegendrePolynomial3.apply;

    // Forward pass: compute predicted y using operations; we compute P3 using our custom autograd operation.
    const y_pred = a.add(b.mul(P3(c.add(d.mul(x)))));

    // Compute and print loss
    const loss = y_pred.sub(y).pow(2).sum();
    if (t % 100 === 99) log(`${t} ${loss.item()}`);

    // Use autograd to compute the backward pass.
    loss.backward();

    // Update weights using gradient descent
    torch.no_grad(() => {
      for (const w of [a, b, c, d]) {
        w.sub_(w.grad!.mul(learning_rate));
        w.grad = null;
      }
    });
  }
  log(
    `Result: y = ${a.item()} + ${b.item()} * P3(${c.item()} + ${d.item()} x)`,
  );
  return [a, b, c, d].map((w) => w.item() as number);
}

if (import.meta.main) fit();
