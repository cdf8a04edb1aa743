// The tutorial's network (LeNet), exactly as the issue writes it, shared by the tests that need it.

import * as torch from "../../mod.ts";

const { nn } = torch;
const F = nn.functional;

/** The PyTorch tutorial's Net: two convolutions, three fully connected layers. */
export class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 6, 5);
  conv2 = new nn.Conv2d(6, 16, 5);
  fc1 = new nn.Linear(16 * 5 * 5, 120);
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);
  forward(x: torch.Tensor): torch.Tensor {
    x = F.max_pool2d(F.relu(this.conv1(x)), [2, 2]);
    x = F.max_pool2d(F.relu(this.conv2(x)), 2);
    x = x.view(-1, this.num_flat_features(x));
    x = F.relu(this.fc1(x));
    x = F.relu(this.fc2(x));
    return this.fc3(x);
  }
  num_flat_features(x: torch.Tensor): number {
    return x.size().slice(1).reduce((a, b) => a * b, 1);
  }
}
