#!/usr/bin/python3
"""optimizer_expected.py: the expected values of tests/test_optimizer.c's
RMSprop cases, in float64.

Keras 3's RMSprop (keras/src/optimizers/rmsprop.py) puts epsilon INSIDE the
square root, lr * g / sqrt(v + eps); torch.optim.RMSprop puts it outside,
lr * g / (sqrt(v) + eps). So the expected values come from Keras's formula
written out below in plain Python floats (float64). PyTorch checks that
formula where the two agree: with eps = 0 they are the same algorithm (the
learning rate is constant, so torch's lr * buf equals Keras's momentum of
lr-scaled increments), and this script asserts that they match to 1e-12
before it prints anything.

The problem: w starts at (0.5, -1.5, 2.0), the loss is sum(w^2) / 2, so the
gradient is w itself; three updates. Run: /usr/bin/python3 tests/optimizer_expected.py
"""
import math

W0 = [0.5, -1.5, 2.0]
STEPS = 3


def keras_rmsprop(lr, rho, momentum, eps, centered, steps=STEPS):
    w = list(W0)
    velocity = [0.0] * len(w)
    mom = [0.0] * len(w)
    average = [0.0] * len(w)
    for _ in range(steps):
        g = list(w)  # d(sum w^2 / 2)/dw = w
        for i in range(len(w)):
            velocity[i] = rho * velocity[i] + (1 - rho) * g[i] * g[i]
            if centered:
                average[i] = rho * average[i] + (1 - rho) * g[i]
                denominator = velocity[i] - average[i] ** 2 + eps
            else:
                denominator = velocity[i] + eps
            increment = lr * g[i] / math.sqrt(denominator)
            if momentum > 0:
                mom[i] = momentum * mom[i] + increment
                w[i] -= mom[i]
            else:
                w[i] -= increment
    return w


def torch_rmsprop(lr, rho, momentum, eps, centered, steps=STEPS):
    import torch
    w = torch.tensor(W0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.RMSprop([w], lr=lr, alpha=rho, eps=eps, momentum=momentum,
                              centered=centered)
    for _ in range(steps):
        opt.zero_grad()
        (w * w / 2).sum().backward()
        opt.step()
    return w.detach().tolist()


CASES = [  # name, lr, rho, momentum, eps, centered
    ("plain", 0.01, 0.9, 0.0, 1e-7, False),
    ("momentum", 0.01, 0.9, 0.9, 1e-7, False),
    ("centered", 0.01, 0.9, 0.0, 1e-7, True),
    ("momentum_centered", 0.01, 0.8, 0.5, 1e-7, True),
    ("large_epsilon", 0.01, 0.9, 0.0, 0.25, False),
]

if __name__ == "__main__":
    try:
        for name, lr, rho, momentum, _, centered in CASES:
            ours = keras_rmsprop(lr, rho, momentum, 0.0, centered)
            theirs = torch_rmsprop(lr, rho, momentum, 0.0, centered)
            assert all(abs(a - b) <= 1e-12 * max(1, abs(b)) for a, b in zip(ours, theirs)), \
                (name, ours, theirs)
        print("/* checked against torch.optim.RMSprop (eps = 0): agree to 1e-12 */")
        w = torch_rmsprop(0.01, 0.9, 0.0, 0.25, False)
        print("torch_large_epsilon (eps outside the root): {%s}"
              % ", ".join("%.17g" % v for v in w))
    except ImportError:
        print("/* torch not installed: not checked against torch.optim.RMSprop */")
    for name, lr, rho, momentum, eps, centered in CASES:
        w = keras_rmsprop(lr, rho, momentum, eps, centered)
        print("%s: {%s}" % (name, ", ".join("%.17g" % v for v in w)))
