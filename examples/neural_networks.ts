// The tutorial's "neural networks" part, line by line: the LeNet Net, its parameters, a forward
// and backward pass, the manual update, and the same with an optimizer.
//
//   deno run examples/neural_networks.ts      or      bun examples/neural_networks.ts

import * as torch from "../mod.ts";
const { nn, optim } = torch;
const F = nn.functional;

torch.manual_seed(0); // the same initial weights as PyTorch after the same seed

class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 6, 5); // 1 input image channel, 6 output channels, 5x5 convolution
  conv2 = new nn.Conv2d(6, 16, 5);
  fc1 = new nn.Linear(16 * 5 * 5, 120); // an affine operation: y = Wx + b
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);
  forward(x: torch.Tensor): torch.Tensor {
    x = F.max_pool2d(F.relu(this.conv1(x)), [2, 2]); // max pooling over a (2, 2) window
    x = F.max_pool2d(F.relu(this.conv2(x)), 2); // a square window can be given as one number
    x = x.view(-1, this.num_flat_features(x));
    x = F.relu(this.fc1(x));
    x = F.relu(this.fc2(x));
    return this.fc3(x);
  }
  num_flat_features(x: torch.Tensor): number {
    return x.size().slice(1).reduce((a, b) => a * b, 1); // all dimensions except the batch one
  }
}

const net = new Net();
console.log(">>> net");
console.log(net);
console.log(">>> len(list(net.parameters()))");
console.log([...net.parameters()].length);

const input = torch.autograd.Variable(torch.randn(1, 1, 32, 32));
const out = net(input);
console.log(">>> out");
console.log(out);
out.backward(torch.randn(1, 10));

// The manual update: weight = weight - learning_rate * gradient.
const learning_rate = 0.01;
for (const f of net.parameters()) f.data.sub_(f.grad!.data.mul(learning_rate));

// The same with an optimizer and a loss.
const optimizer = new optim.SGD(net.parameters(), { lr: 0.01 });
const criterion = new nn.MSELoss();
const target = torch.autograd.Variable(torch.arange(1, 11).float().view(1, -1));
optimizer.zero_grad();
const loss = criterion(net(input), target);
loss.backward();
optimizer.step();
console.log(">>> loss");
console.log(loss.item()); // a 0-d tensor: PyTorch 0.3 printed losses as size-1 tensors
