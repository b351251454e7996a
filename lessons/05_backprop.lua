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
local DELTA_O2 = (O2 - T2) * O2 * (1 - O2)
local SLOPE_H1 = H1 * (1 - H1)                    -- hidden unit 1's sigmoid slope

-- The loss of epoch 2: one SGD step on every weight, and on the biases too
-- when update_biases (as Keras and nnstep do; Mazur's worked example keeps
-- its biases fixed). Plain Lua, so that both numbers the page states are
-- worked out independently of the engine.
local function second_epoch_loss(update_biases)
  local x, t = {X1, X2}, {T1, T2}
  local k1, k2 = {{K1[1][1], K1[1][2]}, {K1[2][1], K1[2][2]}}, {{K2[1][1], K2[1][2]}, {K2[2][1], K2[2][2]}}
  local b1, b2 = {B1[1], B1[2]}, {B2[1], B2[2]}
  local h, o, delta, dh = {}, {}, {}, {}
  local function forward()
    for j = 1, 2 do h[j] = sig(x[1] * k1[1][j] + x[2] * k1[2][j] + b1[j]) end
    for j = 1, 2 do o[j] = sig(h[1] * k2[1][j] + h[2] * k2[2][j] + b2[j]) end
  end
  forward()
  for j = 1, 2 do delta[j] = (o[j] - t[j]) * o[j] * (1 - o[j]) end           -- dL/dz, outputs
  for i = 1, 2 do dh[i] = (delta[1] * k2[i][1] + delta[2] * k2[i][2]) * h[i] * (1 - h[i]) end
  for i = 1, 2 do
    for j = 1, 2 do
      k2[i][j] = k2[i][j] - RATE * delta[j] * h[i]
      k1[i][j] = k1[i][j] - RATE * dh[j] * x[i]
    end
  end
  if update_biases then  -- a bias is a weight whose input is always 1: dL/db = dL/dz
    for j = 1, 2 do b2[j], b1[j] = b2[j] - RATE * delta[j], b1[j] - RATE * dh[j] end
  end
  forward()
  return ((o[1] - t[1]) ^ 2 + (o[2] - t[2]) ^ 2) / 2
end
local LOSS2, LOSS2_FIXED_BIASES = second_epoch_loss(true), second_epoch_loss(false)

-- a is within a fraction `relative` of b (the engine's float32 against Lua's
-- doubles: 1e-5; a learner's answer, perhaps typed from the printed digits: 2e-3).
local function close(a, b, relative)
  return type(a) == 'number' and math.abs(a - b) <= (relative or 1e-5) * math.abs(b)
end
local ANSWER = 2e-3

-- The reply to a number the learner stored in `name`: true when it is `want`;
-- else which typical mistake it is (mistakes: {value, reason, hint}), or by
-- how much it is off. A line that did not set `name` (a look at o, say) is
-- no answer yet.
local function judge(name, value, want, mistakes)
  if value == nil then
    return false, 'still waiting for ' .. name .. ' = ... (look around as much as you like)'
  end
  if type(value) ~= 'number' then
    if type(value) == 'userdata' then
      return false, name .. ' should be a number, not a tensor (o[1][1] is a number, o is a tensor)'
    end
    return false, name .. ' should be a number, not a ' .. type(value)
  end
  if close(value, want, ANSWER) then return true end
  for _, mistake in ipairs(mistakes) do
    if close(value, mistake[1], ANSWER) then return false, mistake[2], mistake[3] end
  end
  return false, string.format('%s = %.6g is off by %.3g', name, value, value - want)
end

-- Before a formula that uses what the learner stored earlier: is it still so?
local function still_set(env, name, want)
  if close(env[name], want, ANSWER) then return true end
  return false, string.format('%s is %s now, not the %.4f you worked out before: set it again first',
                              name, tostring(env[name]), want)
end

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
    L:check(string.format('%.4f %.4f %.4f %.4f', H1, H2, O1, O2) == '0.5933 0.5969 0.7514 0.7729',
            'the outputs the lesson states: h = (0.5933, 0.5969), o = (0.7514, 0.7729)')

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
      wrong = {'o[1][1]',  -- a look at o1: not an answer yet
               'delta_o1 = o[1][1] - 0.01',
               'delta_o1 = (0.01 - o[1][1]) * o[1][1] * (1 - o[1][1])',
               'delta_o1 = 2 * (o[1][1] - 0.01) * o[1][1] * (1 - o[1][1])'},
      check = function(env)
        local slope = O1 * (1 - O1)
        return judge('delta_o1', env.delta_o1, DELTA_O1, {
          {O1 - T1, string.format('missing the sigmoid\'s slope o1 * (1 - o1) = %.4f: o1 - 0.01 is ' ..
                                  'only dL/do1, the loss\'s slope', slope),
           'dL/dz1 = dL/do1 * do1/dz1: multiply (o[1][1] - 0.01) by o[1][1] * (1 - o[1][1]).'},
          {-DELTA_O1, 'the sign is flipped: o1 = 0.7514 is above its target 0.01, so the loss grows ' ..
                      'with z1 and dL/dz1 is positive',
           'The loss\'s slope is output minus target: (o[1][1] - 0.01).'},
          {2 * DELTA_O1, 'twice the answer: the 2 of the square cancels the loss\'s /2',
           'L = ((o1 - 0.01)^2 + ...) / 2, so dL/do1 = o1 - 0.01, without a 2.'},
          {(O1 - T2) * slope, 'that uses 0.99, output 2\'s target; output 1\'s is 0.01',
           'delta_o1 = (o[1][1] - 0.01) * ...'},
          {slope, 'that is only the sigmoid\'s slope; the loss\'s slope o1 - 0.01 is the other factor',
           'Multiply the sigmoid\'s slope by (o[1][1] - 0.01).'},
          {(O1 - T1) * (1 - O1), 'the sigmoid\'s slope is o1 * (1 - o1): a factor o1 is missing'},
          {(O1 - T1) * O1, 'the sigmoid\'s slope is o1 * (1 - o1): the factor (1 - o1) is missing'},
        })
      end,
      hints = {'Two factors: the loss\'s slope (o1 - 0.01) and the sigmoid\'s slope o1 * (1 - o1).',
               'delta_o1 = (o[1][1] - 0.01) * o[1][1] * (1 - o[1][1])'},
    }

    L:exercise{
      prompt = 'Now the gradient of dense_2.weights[1][1], its kernel[1][1] (hidden\n' ..
               'unit 1 -> output unit 1; Mazur calls it w5): dL/dw = dL/dz * dz/dw =\n' ..
               'delta_o1 * (the input it multiplies).\n' ..
               'What is that input? Store the gradient in g_w5.\n' ..
               '(dense_2.weights[1][1] is how the debugger names a weight. In Lua the\n' ..
               'number is m.layers[2].kernel[1][1]: m.layers[2].weights is, as in\n' ..
               'Keras, the list {kernel, bias}, so its [1][1] is a row of the kernel.)',
      answer = 'g_w5 = delta_o1 * h[1][1]',
      wrong = {'g_w5 = delta_o1 * 0.05', 'g_w5 = delta_o1 * h[1][2]', 'g_w5 = delta_o1 * 0.40'},
      check = function(env)
        local set, why = still_set(env, 'delta_o1', DELTA_O1)
        if not set then return false, why end
        local input = 'dz/dw is the input the weight multiplies: hidden unit 1\'s output h1 = h[1][1]'
        return judge('g_w5', env.g_w5, G_W5, {
          {DELTA_O1 * X1, '0.05 is x1, an input of dense_1; dense_2\'s inputs are the hidden outputs h',
           'dense_2.weights[1][1] joins hidden unit 1 to output 1: its input is h[1][1] = 0.5933.'},
          {DELTA_O1 * X2, '0.10 is x2, an input of dense_1; dense_2\'s inputs are the hidden outputs h',
           'dense_2.weights[1][1] joins hidden unit 1 to output 1: its input is h[1][1] = 0.5933.'},
          {DELTA_O1 * H2, 'h[1][2] is hidden unit 2\'s output; weights[1][1] comes from hidden unit 1',
           'kernel[i][j] joins hidden unit i to output j: i = 1, so h[1][1].'},
          {DELTA_O1 * K2[1][1], '0.40 is the weight itself; ' .. input,
           'z = ... + w * (input) + ...: which number does w5 multiply on its way into output 1?'},
          {DELTA_O1, 'that is dL/dz, one factor; the other is dz/dw', input .. '.'},
          {DELTA_O1 * O1, 'o1 is what the unit puts out; ' .. input, input .. '.'},
        })
      end,
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
    -- the prompt's note: in Lua, weights is {kernel, bias}; weights[1][1] a row of the kernel
    L:check(L:run('m.layers[2].weights[1] == m.layers[2].kernel or ' ..
                  '(m.layers[2].weights[1] - m.layers[2].kernel):abs():max() == 0') and
            L:run('m.layers[2].weights[1][1].shape[1]') == 2 and math.abs(L:run('m.layers[2].kernel[1][1]') - 0.40) < 1e-6,
            "m.layers[2].weights is {kernel, bias}; kernel[1][1] is w5's 0.40")
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
      wrong = {'g_w1 = delta_o1 * 0.40 * h[1][1] * (1 - h[1][1]) * 0.05',
               'g_w1 = (delta_o1 * 0.40 + delta_o2 * 0.45) * h[1][1] * (1 - h[1][1]) * 0.05',
               'g_w1 = (delta_o1 * 0.40 + delta_o2 * 0.50) * 0.05'},
      check = function(env)
        for name, want in pairs{delta_o1 = DELTA_O1, delta_o2 = DELTA_O2} do
          local set, why = still_set(env, name, want)
          if not set then return false, why end
        end
        local both = 'Hidden unit 1 feeds both outputs: (delta_o1 * 0.40 + delta_o2 * 0.50).'
        return judge('g_w1', env.g_w1, G_W1, {
          {DELTA_O1 * K2[1][1] * SLOPE_H1 * X1, 'only the path through output 1: hidden unit 1 ' ..
                                                'feeds output 2 too, through 0.50', both},
          {DELTA_O2 * K2[1][2] * SLOPE_H1 * X1, 'only the path through output 2: hidden unit 1 ' ..
                                                'feeds output 1 too, through 0.40', both},
          {(DELTA_O1 * K2[1][1] + DELTA_O2 * K2[2][1]) * SLOPE_H1 * X1,
           '0.45 is dense_2.kernel[2][1] (hidden 2 -> output 1); hidden 1 reaches output 2 through ' ..
           'kernel[1][2] = 0.50: the two indexes are swapped',
           'kernel[i][j] joins hidden unit i to output j: from unit 1 the weights are kernel[1][1] and kernel[1][2].'},
          {(DELTA_O1 * K2[1][2] + DELTA_O2 * K2[1][1]) * SLOPE_H1 * X1,
           'the weights are swapped between the paths: delta_o1 comes back from output 1 through ' ..
           '0.40, delta_o2 from output 2 through 0.50', both},
          {DL_DH1 * X1, string.format('missing hidden unit 1\'s sigmoid slope h1 * (1 - h1) = %.4f', SLOPE_H1),
           'Between dL/dh1 and dz/dw comes the sigmoid: times h[1][1] * (1 - h[1][1]).'},
          {DL_DH1 * SLOPE_H1, 'that is dL/dz of hidden unit 1; times dz/dw, the input x1 = 0.05',
           'Last factor: the input the weight multiplies, x1 = 0.05.'},
          {DL_DH1 * SLOPE_H1 * X2, '0.10 is x2; weights[1][1] comes from input 1, x1 = 0.05',
           'kernel[i][j] joins input i to unit j: i = 1, x1 = 0.05.'},
          {DL_DH1 * SLOPE_H1 * H1, 'dz/dw is the input x1 = 0.05, not h1, the unit\'s own output',
           'Last factor: the input the weight multiplies, x1 = 0.05.'},
          {-G_W1, 'the sign is flipped: output minus target in the deltas, and + between the two paths'},
        })
      end,
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
    L:check(string.format('%.4f %.2f %.4f %.4f', G_W1, G_W5, DL_DH1 * SLOPE_H1, DELTA_O1) == '0.0004 0.08 0.0088 0.1385',
            'the page\'s numbers: gradients 0.0004 and 0.08, dL/dz 0.0088 and 0.1385')
    L:check(string.format('%.4f %.6f', G_W5, G_W1) == '0.0822 0.000439', 'the gradients the checks name: 0.0822, 0.000439')

    L:exercise{
      prompt = 'dense_2.weights[1][1] is 0.40 and the learning rate is 0.5. Compute\n' ..
               'its new value from g_w5 and store it in w5_new.',
      answer = 'w5_new = 0.40 - 0.5 * g_w5',
      wrong = {'w5_new = 0.40 + 0.5 * g_w5', 'w5_new = 0.40 - g_w5', 'w5_new = 0.5 * g_w5'},
      check = function(env)
        local set, why = still_set(env, 'g_w5', G_W5)
        if not set then return false, why end
        return judge('w5_new', env.w5_new, W5_NEW, {
          {K2[1][1] + RATE * G_W5, 'the sign is flipped: adding the gradient moves the weight uphill, ' ..
                                   'and the loss would grow',
           'Downhill is against the gradient: 0.40 minus 0.5 * g_w5.'},
          {K2[1][1] - G_W5, 'that steps by the whole gradient; the step is the learning rate 0.5 times it',
           'w_new = w - learning_rate * dL/dw, with learning_rate = 0.5.'},
          {RATE * G_W5, 'that is the step alone; the new weight is the old one, 0.40, minus the step',
           'w5_new = 0.40 - (the step).'},
          {K2[1][1] - RATE * DELTA_O1, 'delta_o1 is dL/dz; the weight moves by its own gradient ' ..
                                       'dL/dw = g_w5', 'Use g_w5, not delta_o1.'},
          {K2[1][1] - RATE * G_W1, 'g_w1 is dense_1\'s weight\'s gradient; this is dense_2\'s weight: g_w5',
           'Use g_w5.'},
          {K2[1][1], '0.40 is the weight before the update (the update step has not run yet)',
           'Subtract 0.5 * g_w5 from 0.40.'},
        })
      end,
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
    L:try('d:step(2)', string.format('forward dense_2 and the loss: %.4f went down to %.4f.', LOSS, LOSS2))
    L:run('while d.epoch == 2 and d.stepper.position < 3 do d.stepper:step() end')
    L:check(L:run('d.epoch') ~= 2 or close(L:run('d.stepper.loss'), LOSS2),
            string.format('one update lowered the loss to %.4f, as worked out in plain Lua', LOSS2))

    L:page(string.format([[
Mazur's worked example gets %.4f after its update, not %.4f: it updates
only the eight weights and keeps the biases at 0.35 and 0.60. nnstep, like
Keras, updates the biases too, by the same rule: a bias is a weight whose
input is always 1, so its gradient is dL/dz itself (dense_2's first bias
moves by 0.5 * delta_o1). This lesson works both out in plain Lua:
%.4f with the biases updated (the engine's number), %.4f without.]],
      LOSS2_FIXED_BIASES, LOSS2, LOSS2, LOSS2_FIXED_BIASES))
    L:try('m.layers[2].bias, 0.60 - 0.5 * delta_o1',
          'dense_2\'s biases after the update, and the first one by hand.')
    L:check(L:run('d.epoch') ~= 2 or L:run('d.stepper.position') > 5
            or close(L:run('m.layers[2].bias[1]'), B2[1] - RATE * DELTA_O1),
            'SGD moved dense_2\'s first bias by 0.5 * delta_o1')
    L:check(string.format('%.4f', LOSS2_FIXED_BIASES) == '0.2910',
            'without bias updates the second loss is Mazur\'s 0.291027924, 0.2910')
    L:check(string.format('%.4f %.4f', LOSS, LOSS2) == '0.2984 0.2805',
            'the losses the page states: 0.2984, then 0.2805 with the biases updated')

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
