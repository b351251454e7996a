-- Lesson 5: backpropagation. A 2-2-2 sigmoid network with known weights;
-- the learner computes dL/dw = dL/dz * dz/dw for an output weight and a
-- hidden weight, and the update, by hand; the debugger steps the same
-- training step (output loss, hidden loss, hidden gradients, update,
-- repeat) and :explain shows the engine's numbers beside them.

-- The network, worked in plain Lua: the numbers the lesson must agree with.
local function sig(z) return 1 / (1 + math.exp(-z)) end
local X1, X2, T1, T2, RATE = 0.05, 0.10, 0.01, 0.99, 0.5
local K1 = {{0.15, 0.25}, {0.20, 0.30}}   -- dense_1.kernel: [input][unit]
local B1 = {0.35, 0.35}
local K2 = {{0.40, 0.50}, {0.45, 0.55}}   -- dense_2.kernel: [hidden unit][output unit]
local B2 = {0.60, 0.60}
local H1 = sig(X1 * K1[1][1] + X2 * K1[2][1] + B1[1])
local H2 = sig(X1 * K1[1][2] + X2 * K1[2][2] + B1[2])
local O1 = sig(H1 * K2[1][1] + H2 * K2[2][1] + B2[1])
local O2 = sig(H1 * K2[1][2] + H2 * K2[2][2] + B2[2])
local LOSS = ((O1 - T1) ^ 2 + (O2 - T2) ^ 2) / 2
local DELTA_O1 = (O1 - T1) * O1 * (1 - O1)        -- dL/dz of output unit 1
local DELTA_O2 = (O2 - T2) * O2 * (1 - O2)
local G_W5 = DELTA_O1 * H1                        -- dense_2.weights[1][1]
local DL_DH1 = DELTA_O1 * K2[1][1] + DELTA_O2 * K2[1][2]
local G_W1 = DL_DH1 * H1 * (1 - H1) * X1          -- dense_1.weights[1][1]
local W5_NEW = K2[1][1] - RATE * G_W5

-- a is within a fraction `relative` of b (the engine's float32 against Lua's
-- doubles: 1e-5; a learner's answer, perhaps typed from the printed digits: 2e-3).
local function close(a, b, relative)
  return type(a) == 'number' and math.abs(a - b) <= (relative or 1e-5) * math.abs(b)
end
local ANSWER = 2e-3

local SETUP = [[
m = nn.Sequential{
  nn.Dense(2, {activation = 'sigmoid', input_shape = {2}}),
  nn.Dense(2, {activation = 'sigmoid'}),
}
m:compile{optimizer = nn.optimizers.SGD{learning_rate = 0.5}, loss = 'mse'}
m.layers[1].kernel:copy{{0.15, 0.25}, {0.20, 0.30}}
m.layers[1].bias:copy{0.35, 0.35}
m.layers[2].kernel:copy{{0.40, 0.50}, {0.45, 0.55}}
m.layers[2].bias:copy{0.60, 0.60}
x = nn.tensor{{0.05, 0.10}}
y = nn.tensor{{0.01, 0.99}}
]]

-- Bring the learner's debugger d to position n of the first batch, whatever
-- was typed at the prompts before (quietly, without the debugger's listing).
local SYNC = [[
function sync(n)
  if d == nil or d.epoch ~= 1 then return end
  if d.stepper.position > n then d.stepper:back(d.stepper.position - n) end
  while d.stepper.position < n do d.stepper:step() end
end
]]

return {
  title = 'Backpropagation: the chain rule, step by step',
  minutes = 15,
  group = 'basics',
  requires = {3, 4},
  run = function(L)
    L:page [[
Training needs, for every weight w, the slope of the loss: dL/dw, "how
much the loss changes when w changes a little". Backpropagation computes
all of them in one sweep backwards through the network, with the chain
rule. For a weight w into a unit whose sum is z:

    dL/dw = dL/dz * dz/dw

dz/dw is easy: z = ... + w*x + ..., so dz/dw = x, the input w multiplies.
dL/dz is "the loss arriving at the unit". The whole art is getting dL/dz
for every unit, from the output back to the first layer.

You will do it by hand for a small network, then step the engine through
the same training step and compare.]]

    L:page [[
The network (the numbers of Matt Mazur's well-known worked example):

  input x = (0.05, 0.10)           targets y = (0.01, 0.99)

  dense_1: 2 sigmoid units         dense_2: 2 sigmoid units (the output)
  kernel {{0.15, 0.25},            kernel {{0.40, 0.50},
          {0.20, 0.30}}                    {0.45, 0.55}}
  bias    {0.35, 0.35}             bias    {0.60, 0.60}

kernel[i][j] joins input i to unit j (lesson 2). The loss is mean squared
error over the two outputs, and the optimizer is plain gradient descent
(SGD) with learning rate 0.5. The model is m, the input x, the targets y.]]
    L:run(SETUP)
    L:run(SYNC)
    L:try('m.layers[2].kernel', 'dense_2\'s kernel, set by hand.')

    L:page [[
nn.debug(m, x, y) starts the debugger on this batch (at the nn> prompt,
:debug m, x, y does the same). A training step is a list of steps:

  1 forward dense_1   2 forward dense_2   3 loss
  4 backward dense_2  5 backward dense_1  6 update

d:step(n) runs n of them and shows where it stopped; => marks the next.
We ask for 2 epochs so that we can watch the step repeat.]]
    L:try('d = nn.debug(m, x, y, {epochs = 2})', 'Start the debugger. It shows where it stands.')
    L:run('if d == nil then d = nn.debug(m, x, y, {epochs = 2}) end')
    L:try('d:step(2)', 'The forward pass: both layers.')
    L:run('sync(2)')
    L:try('m.layers[1].output', 'The hidden outputs h = (0.5933, 0.5969).')
    L:try('m.layers[2].output',
          'The outputs o = (0.7514, 0.7729). o1 should be 0.01: far too big.')
    L:try('h = m.layers[1].output:clone(); o = m.layers[2].output:clone()',
          'Keep copies (clone) under short names: h and o.')
    L:run('h = m.layers[1].output:clone(); o = m.layers[2].output:clone()')
    L:check(close(L:run('h[1][1]'), H1) and close(L:run('h[1][2]'), H2) and close(L:run('o[1][1]'), O1)
            and close(L:run('o[1][2]'), O2), 'the engine\'s forward pass matches the one worked out in Lua')

    L:page [[
Step 1 of backprop: the output loss.

L = ((o1 - 0.01)^2 + (o2 - 0.99)^2) / 2, so dL/do1 = o1 - 0.01 (the 2 from
the square cancels the /2). Then the sigmoid: o1 = sigmoid(z1), and the
slope of a sigmoid is o1 * (1 - o1) (lesson 3). Chained together:

    delta_o1 = dL/dz1 = (o1 - 0.01) * o1 * (1 - o1)

o[1][1] is o1 (example 1, unit 1).]]
    L:try('d:step()', 'The loss step.')
    L:run('sync(3)')
    L:check(close(L:run('d.stepper.loss'), LOSS), 'the loss is 0.2984, as by hand')

    L:exercise{
      prompt = 'Compute delta_o1 = (o1 - 0.01) * o1 * (1 - o1), the loss arriving at\n' ..
               'output unit 1, using o[1][1] for o1. Store it in delta_o1.',
      answer = 'delta_o1 = (o[1][1] - 0.01) * o[1][1] * (1 - o[1][1])',
      wrong = 'delta_o1 = o[1][1] - 0.01',
      check = function(env) return close(env.delta_o1, DELTA_O1, ANSWER) end,
      hints = {'Two factors: the loss\'s slope (o1 - 0.01) and the sigmoid\'s slope o1 * (1 - o1).',
               'delta_o1 = (o[1][1] - 0.01) * o[1][1] * (1 - o[1][1])'},
    }

    L:exercise{
      prompt = 'Now the gradient of dense_2.weights[1][1], its kernel[1][1] (hidden\n' ..
               'unit 1 -> output unit 1; Mazur calls it w5): dL/dw = dL/dz * dz/dw =\n' ..
               'delta_o1 * (the input it multiplies).\n' ..
               'What is that input? Store the gradient in g_w5.',
      answer = 'g_w5 = delta_o1 * h[1][1]',
      wrong = 'g_w5 = delta_o1 * 0.05',
      check = function(env) return close(env.g_w5, G_W5, ANSWER) end,
      hints = {'dense_2\'s inputs are not x: they are the hidden outputs h.',
               'g_w5 = delta_o1 * h[1][1]'},
    }

    L:page [[
Step 2: the hidden loss. Running "backward dense_2" does two things:

  - the gradients of dense_2's own weights, dL/dw = delta * h, which you
    just computed for one of them;
  - the loss sent back to each hidden unit, dL/dh. Hidden unit 1 feeds
    both outputs, so it collects from both, through the weights it used:

    dL/dh1 = delta_o1 * 0.40 + delta_o2 * 0.50

Step and ask the debugger to explain the weight you computed.]]
    L:try('d:step()', 'backward dense_2.')
    L:run('sync(4)')
    L:try("e = d:explain('dense_2.weights[1][1]')",
          'The chain rule with this batch\'s numbers: dL/dz, dz/dw, their product,\n' ..
          'and the gradient the engine computed. e keeps them as a table.')
    L:run("if e == nil then e = d.stepper:explain(2, 'kernel', 1) end")
    L:try('g_w5, e.sum, e.engine', 'Yours, the explanation\'s sum, the engine\'s.')
    L:check(close(L:run('e.engine'), G_W5) and close(L:run('e.sum'), G_W5), 'the engine\'s dL/dw for dense_2.weights[1][1] is 0.0822')
    L:try('m.layers[2].grad_input',
          'dL/dh, the hidden loss, as the engine sent it back (0.01 * means:\n' ..
          'multiply every number shown by 0.01).')
    L:check(close(L:run('m.layers[2].grad_input[1][1]'), DL_DH1), 'dL/dh1 = delta_o1 * 0.40 + delta_o2 * 0.50')

    L:page [[
Step 3: the hidden gradients. Hidden unit 1 is a sigmoid too, so its
dL/dz is dL/dh1 times the sigmoid's slope h1 * (1 - h1). The weight
dense_1.weights[1][1] multiplies the input x1 = 0.05. So:

    dL/dw = (delta_o1 * 0.40 + delta_o2 * 0.50) * h1 * (1 - h1) * 0.05

delta_o2 is output unit 2's delta, made the same way as delta_o1.]]
    L:run('delta_o2 = (o[1][2] - 0.99) * o[1][2] * (1 - o[1][2])')
    L:try('delta_o2 = (o[1][2] - 0.99) * o[1][2] * (1 - o[1][2])', 'Output unit 2\'s delta (target 0.99).')

    L:exercise{
      prompt = 'Compute the gradient of dense_1.weights[1][1] (input 1 -> hidden\n' ..
               'unit 1) with the formula above, using delta_o1, delta_o2 and h[1][1].\n' ..
               'Store it in g_w1.',
      answer = 'g_w1 = (delta_o1 * 0.40 + delta_o2 * 0.50) * h[1][1] * (1 - h[1][1]) * 0.05',
      wrong = 'g_w1 = delta_o1 * 0.40 * h[1][1] * (1 - h[1][1]) * 0.05',
      check = function(env) return close(env.g_w1, G_W1, ANSWER) end,
      hints = {'Hidden unit 1 sends its output to both output units: add both paths.',
               'Then the sigmoid\'s slope h1 * (1 - h1), then dz/dw = x1 = 0.05.',
               'g_w1 = (delta_o1 * 0.40 + delta_o2 * 0.50) * h[1][1] * (1 - h[1][1]) * 0.05'},
    }
    L:try('d:step()', 'backward dense_1.')
    L:run('sync(5)')
    L:try("e1 = d:explain('dense_1.weights[1][1]')", 'The engine\'s chain rule for the same weight.')
    L:run("if e1 == nil then e1 = d.stepper:explain(1, 'kernel', 1) end")
    L:try('g_w1, e1.engine', 'Yours and the engine\'s.')
    L:check(close(L:run('e1.engine'), G_W1), 'the engine\'s dL/dw for dense_1.weights[1][1] is 0.000439')

    L:page [[
Step 4: the update. Gradient descent moves every weight a little against
its gradient (downhill), by the learning rate times the gradient:

    w_new = w - learning_rate * dL/dw

Notice how much smaller the hidden weight's gradient is (0.0004 against
0.08). Part of it is the small input (0.05 against h1 = 0.59), but dL/dz
shrank too, 0.0088 against 0.1385 in the two explanations: the sigmoids'
slopes, at most 0.25 each, shrink the loss on its way back. Deep sigmoid
networks suffer from it (lesson 13).]]

    L:exercise{
      prompt = 'dense_2.weights[1][1] is 0.40 and the learning rate is 0.5. Compute\n' ..
               'its new value from g_w5 and store it in w5_new.',
      answer = 'w5_new = 0.40 - 0.5 * g_w5',
      wrong = 'w5_new = 0.40 + 0.5 * g_w5',
      check = function(env) return close(env.w5_new, W5_NEW, ANSWER) end,
      hints = {'Against the gradient: subtract.', 'w5_new = 0.40 - 0.5 * g_w5'},
    }
    L:try('d:step()', 'The update step.')
    L:run('sync(6)')
    L:try('m.layers[2].kernel[1][1], w5_new', 'The engine\'s new weight and yours.')
    L:check(close(L:run('m.layers[2].kernel[1][1]'), W5_NEW), 'SGD moved the weight to 0.3589')
    L:try('d:back()', 'Every step can be undone: back before the update...')
    L:try('m.layers[2].kernel[1][1]',
          '...and the weight is 0.40 again, exactly as before (0.40000000596046 is\n' ..
          '0.40 stored as a 32-bit float).')
    L:check(L:run('d.stepper.position') ~= 5 or close(L:run('m.layers[2].kernel[1][1]'), 0.40),
            'going back restores the weight')
    L:try('d:step()', 'Forward again: the update is redone.')
    L:run('sync(6)')

    L:page [[
Step 5: repeat. With the new weights, the same input gives outputs a
little closer to the targets. The next d:step() starts epoch 2 (the same
batch again); two more reach its loss.]]
    L:try('d:step()', 'Epoch 2, forward dense_1.')
    L:try('d:step(2)', 'forward dense_2 and the loss: 0.2984 went down to 0.2805.')
    L:run('while d.epoch == 2 and d.stepper.position < 3 do d.stepper:step() end')
    L:check(L:run('d.epoch') ~= 2 or L:run('d.stepper.loss') < LOSS, 'one update lowered the loss')

    L:page [[
What you have seen, the five steps of backpropagation:

  1 output loss       delta_o = dL/do * sigmoid slope    the loss step
  2 hidden loss       dL/dh = sum of delta_o * weight    backward dense_2
                      (and dense_2's gradients delta_o * h)
  3 hidden gradients  dL/dw = dL/dh * sigmoid slope * x  backward dense_1
  4 update            w = w - learning_rate * dL/dw      the update step
  5 repeat            the next batch, the next epoch

The debugger: nn.debug(m, x, y), d:step(n), d:where(), d:back(n),
d:explain('layer.weights[i][j]'); at the nn> prompt :debug m, x, y,
:step, :where, :back, :explain dense_1.weights[1][1].

Next lesson: better ways down the hill: momentum and Adam.]]
  end,
}
