-- Lesson 2: one neuron, then a Dense layer of them. Weights and bias set by
-- hand, the output computed by hand, then by the engine (predict, and one
-- forward step of the stepper), and seen to be the same numbers.
-- After a try, L:settle puts back (saying so) what the next pages need
-- when the learner typed a line of their own.

local function near(a, b) return math.abs(a - b) < 1e-6 end

-- The lesson's first model: one Dense unit on 2 inputs, compiled.
local function has_model(env)
  local m = env.m
  local kernel = m.layers[1].kernel
  return #m.layers == 1 and kernel.shape[1] == 2 and kernel.shape[2] == 1 and m.loss ~= nil
end

-- Does dense hold the page's neuron, w1 = 0.5, w2 = -1, b = 0.25?
local function has_page_weights(env)
  local d = env.dense
  return d == env.m.layers[1] and near(d.kernel[1][1], 0.5) and d.kernel[2][1] == -1 and near(d.bias[1], 0.25)
end

-- What differs from the page's neuron, said with the learner's names.
local function weights_differ(env)
  local ok, d = pcall(function() return env.m.layers[1] end)
  if not ok or not d then return 'm has no layer to set.' end
  local off = {}
  local function note(name, value, want)
    if not near(value, want) then off[#off + 1] = string.format('%s is %.4g, not %g', name, value, want) end
  end
  note('dense.kernel[1][1] (w1)', d.kernel[1][1], 0.5)
  note('dense.kernel[2][1] (w2)', d.kernel[2][1], -1)
  note('dense.bias[1] (b)', d.bias[1], 0.25)
  return table.concat(off, '; ') .. ': the next pages need the neuron of the first page.'
end

-- The page's m3: unit 1 w = (1, 2), b = 0; unit 2 (-1, -1), 1; unit 3 (0.5, -0.5), 2.
local M3_KERNEL, M3_BIAS = {{1, -1, 0.5}, {2, -1, -0.5}}, {0, 1, 2}

-- Exercise: out = w1*x1 + w2*x2 + b for x = (1, 4), by hand.
local function check_out(env)
  local v = env.out
  if v == nil then return false, 'still waiting for out = ...' end
  if type(v) == 'userdata' then
    return false, 'out is a tensor: the engine\'s answer. Work it out by hand, as arithmetic with numbers',
           'out = 0.5 * 1 + ... : each weight times its input, plus the bias.'
  end
  if type(v) ~= 'number' then return false, 'out should be a number, not a ' .. type(v) end
  local want = 0.5 * 1 + (-1) * 4 + 0.25
  if near(v, want) then return true end
  if near(v, want - 0.25) then
    return false, string.format('%g is the weighted sum without the bias: off by 0.25, b', v),
           'z = w1*x1 + w2*x2 + b: add b = 0.25.'
  end
  if near(v, 0.5 * 4 + (-1) * 1 + 0.25) then
    return false, string.format('%g pairs the weights with the wrong inputs: w1 goes with x1 = 1, w2 with x2 = 4', v),
           'w1*x1 + w2*x2: 0.5 * 1 + (-1) * 4 + 0.25.'
  end
  if near(v, 0.5 * 1 + 1 * 4 + 0.25) then
    return false, string.format('%g uses +1 for w2; w2 is -1, so its product is -4', v),
           'w2 = -1: (-1) * 4 is -4.'
  end
  return false, string.format('%g is off by %g', v, v - want)
end

-- Exercise: unit 3 of m3 for x = (-4, 1): relu(0.5*-4 - 0.5*1 + 2) = 0.
local function check_u3(env)
  local v = env.u3
  if v == nil then return false, 'still waiting for u3 = ...' end
  if type(v) == 'userdata' then
    return false, 'u3 is a tensor: the engine\'s answer. Work it out by hand, as arithmetic with numbers'
  end
  if type(v) ~= 'number' then return false, 'u3 should be a number, not a ' .. type(v) end
  local z = 0.5 * -4 + -0.5 * 1 + 2
  local probe = nn.Sequential{nn.Dense(3, {activation = 'relu', input_shape = {2}})}
  probe.layers[1].kernel:copy(M3_KERNEL)
  probe.layers[1].bias:copy(M3_BIAS)
  local engine = probe:predict(nn.tensor{{-4, 1}})[1][3]
  if near(v, engine) then return true end
  if near(v, z) then
    return false, string.format('z = %g is negative, and the unit has a ReLU: relu(z) = max(0, z)', z),
           'ReLU in Lua: math.max(0, z).'
  end
  if near(v, math.max(0, 0.5 * 1 + -0.5 * -4 + 2)) or near(v, 0.5 * 1 + -0.5 * -4 + 2) then
    return false, string.format('%g pairs the weights with the wrong inputs: 0.5 goes with x1 = -4', v),
           'z = 0.5 * (-4) + (-0.5) * 1 + 2.'
  end
  return false, string.format('%g is off by %g', v, v - engine)
end

-- Exercise: unit 1 of m3 computes relu(x1 + x2 - 1).
local function check_unit1(env)
  local ok, layer = pcall(function() return env.m3.layers[1] end)
  if not ok or not layer then return false, 'm3 is gone; the lesson made it two pages ago' end
  local kernel, bias = layer.kernel, layer.bias
  local w1, w2, b = kernel[1][1], kernel[2][1], bias[1]
  local probe = {{2, 3}, {1, 1}, {5, -1}, {0, 0}, {-2, 1}}
  local out = env.m3:predict(nn.tensor(probe))
  local right = true
  for n, x in ipairs(probe) do
    if not near(out[n][1], math.max(0, x[1] + x[2] - 1)) then right = false end
  end
  if right then return true end
  local function term(v, name) return string.format(' %s %g%s', v < 0 and '-' or '+', math.abs(v), name) end
  local now = 'unit 1 computes relu(' .. string.format('%g*x1', w1) .. term(w2, '*x2') .. term(b, '') .. ')'
  if kernel[1][2] == 1 and w2 ~= 1 then
    return false, now .. '. k[1][2] is the weight from input 1 into unit 2: unit 1 is column 1, k[1][1] and k[2][1]',
           'k[i][j]: input i, unit j. Unit 1\'s weights are k[1][1] and k[2][1].'
  end
  if near(w1, 1) and near(w2, 1) and near(b, 1) then
    return false, now .. ': the bias has the wrong sign; x1 + x2 - 1 needs -1',
           'bias[1] = -1.'
  end
  if near(w1, 1) and near(w2, 1) then
    return false, now .. ': the weights are right; the bias should be -1', 'bias[1] = -1.'
  end
  return false, now .. ', not relu(1*x1 + 1*x2 - 1)',
         'Unit 1 is column 1: k[1][1], k[2][1] and bias[1].'
end

return {
  title = 'One neuron and a Dense layer',
  minutes = 10,
  group = 'basics',
  requires = {1},
  run = function(L)
    L:page [[
A neuron takes some inputs, multiplies each by a weight, adds them up, adds
a bias, and passes the sum through an activation function:

    z = w1*x1 + w2*x2 + b        output = activation(z)

The weights and the bias are the neuron's parameters: the numbers training
changes. Here is one neuron with two inputs, first by hand. (This lesson's
neurons have no activation, "linear", until near the end.)]]

    L:try('x1, x2 = 2, 3', 'Two inputs. Lua can assign several names at once.')
    L:try('w1, w2, b = 0.5, -1, 0.25', 'Two weights and a bias.')
    L:try('z = w1 * x1 + w2 * x2 + b', 'The weighted sum...')
    L:try('z', '...which is 0.5*2 - 1*3 + 0.25:')
    L:check(0.5 * 2 + -1 * 3 + 0.25 == -1.75, 'the neuron by hand gives -1.75')

    L:page [[
Keras calls a row of such neurons a Dense layer: Dense(units) has `units`
neurons, each connected to every input. Let us build a model with one
Dense layer of 1 unit and 2 inputs, exactly as in Keras:

    m = nn.Sequential()
    m:add(nn.Dense(1, {input_shape = {2}}))
    m:compile{optimizer = 'sgd', loss = 'mse'}

Keras's keyword arguments (input_shape=(2,)) become a table with named
fields: {input_shape = {2}}. In Lua {name = value} is a table used as a
dictionary, and {2} a list of one number. Remember the colon: m:add(...)
calls the model's method add.]]

    L:try('m = nn.Sequential()', 'An empty model.')
    L:try('m:add(nn.Dense(1, {input_shape = {2}}))', 'One neuron, two inputs.')
    L:try("m:compile{optimizer = 'sgd', loss = 'mse'}",
          'Compile: choose how it will learn (lesson 6).')
    L:settle(has_model, "m = nn.Sequential{nn.Dense(1, {input_shape = {2}})}; m:compile{optimizer = 'sgd', loss = 'mse'}",
           function(env)
             local ok, shape = pcall(function() return env.m.layers[1].kernel.shape end)
             if ok and (shape[1] ~= 2 or shape[2] ~= 1) then
               return string.format('m\'s Dense layer has %d inputs and %d unit(s); the next lines need 1 unit on 2 inputs.',
                                    shape[1], shape[2])
             end
             return 'The next lines need m: one Dense unit on 2 inputs, compiled.'
           end)
    L:try('dense = m.layers[1]', 'The layer itself (not a copy), under a short name.')
    L:settle(function(env) return env.dense == env.m.layers[1] end, 'dense = m.layers[1]',
           'The next lines need dense, the layer of m.')
    L:try('dense.kernel', 'Its weights: random to start with (Keras\'s glorot_uniform).')
    L:try('dense.bias', 'Its bias: zero to start with.')
    do
      local fresh = nn.Sequential{nn.Dense(3, {input_shape = {4}})}
      local kernel, bias = fresh.layers[1].kernel, fresh.layers[1].bias
      local limit = math.sqrt(6 / (4 + 3))  -- glorot_uniform: within +-sqrt(6 / (in + out))
      L:check(bias:abs():max() == 0 and kernel:abs():max() <= limit and kernel:abs():max() > 0,
              'a new Dense layer has small random weights (glorot_uniform) and zero biases')
    end

    L:page [[
Keras calls the weights of a Dense layer its kernel. The kernel has shape
(inputs, units): kernel[i][j] is the weight from input i into unit j. With
2 inputs and 1 unit it is 2x1, so w1 is kernel[1][1] and w2 is kernel[2][1].
The bias has one number per unit.

A tensor element can be assigned like a table element. Let us give the
layer the weights we used by hand.]]

    L:try('dense.kernel[1][1] = 0.5', 'w1')
    L:try('dense.kernel[2][1] = -1', 'w2')
    L:try('dense.bias[1] = 0.25', 'b')
    L:settle(has_page_weights, 'dense.kernel[1][1] = 0.5; dense.kernel[2][1] = -1; dense.bias[1] = 0.25',
           weights_differ, 'dense.kernel, dense.bias')
    L:try('m:predict(nn.tensor{{2, 3}})',
          'Now the engine computes the neuron. predict takes a batch: {{2, 3}} is\n' ..
          'one example (one row) with the inputs 2 and 3, shape (1, 2).')
    local engine = L:run('m:predict(nn.tensor{{2, 3}})[1][1]')
    L:check(math.abs(engine - -1.75) < 1e-6, 'the engine agrees with the neuron by hand (-1.75)')

    L:exercise{
      prompt = 'The same neuron (w1 = 0.5, w2 = -1, b = 0.25) gets the inputs x1 = 1,\n' ..
               'x2 = 4. Work out its output by hand, as arithmetic, and store it in out.\n' ..
               'Then compare with m:predict(nn.tensor{{1, 4}}).',
      answer = 'out = 0.5 * 1 + (-1) * 4 + 0.25',
      wrong = {'out = 0.5 * 1 + (-1) * 4', 'out = 0.5 * 4 + (-1) * 1 + 0.25',
               'out = m:predict(nn.tensor{{1, 4}})', 'out = 0.5 * 1 + 1 * 4 + 0.25'},
      check = check_out,
      hints = {'z = w1*x1 + w2*x2 + b, with the numbers put in.',
               'Did you add the bias?',
               'out = 0.5 * 1 + (-1) * 4 + 0.25'},
    }
    L:try('m:predict(nn.tensor{{1, 4}})', 'The engine, for the same inputs.')
    L:check(math.abs(L:run('m:predict(nn.tensor{{1, 4}})[1][1]') - -3.25) < 1e-6,
            'the engine gives -3.25 for (1, 4)')

    L:page [[
A batch of inputs is a tensor X of shape (N, inputs): one example per row.
The layer computes every example at once with one matrix multiplication:

    output = X:matmul(kernel) + bias          shape (N, units)

Row n of X times column j of the kernel is exactly w1*x1 + w2*x2 for
example n and unit j. That is why matmul matters so much.]]

    L:try('X = nn.tensor{{2, 3}, {1, 4}, {0, 0}}', 'Three examples, one per row.')
    L:settle(function(env) return env.X.shape[1] == 3 and env.X[3][1] == 0 and env.X[2][2] == 4
                                 and env.X[1][1] == 2 and env.X[1][2] == 3 and env.X[2][1] == 1 and env.X[3][2] == 0 end,
           'X = nn.tensor{{2, 3}, {1, 4}, {0, 0}}', 'The next lines need X, the three examples.')
    L:try('m:predict(X)', 'The engine: three outputs.')
    L:try('X:matmul(dense.kernel) + dense.bias',
          'By hand, with matmul. X:matmul(dense.kernel) is (3, 1), one row per\n' ..
          'example; the bias, shape (1,), is added to each row. As in NumPy, +\n' ..
          'broadcasts a trailing shape: (N, units) + (units,) adds the bias to every\n' ..
          'row. (Only a trailing shape: (3, 2) + (3, 1) is an error here, where\n' ..
          'NumPy would stretch both.)')
    local diff = L:run('(m:predict(X) - (X:matmul(dense.kernel) + dense.bias)):abs():max()')
    L:check(((nn.ones(3, 2) + nn.tensor{1, 2}) - nn.tensor{{2, 3}, {2, 3}, {2, 3}}):abs():max() == 0
            and not pcall(function() return nn.ones(3, 2) + nn.ones(3, 1) end),
            '+ broadcasts a trailing shape, and only that')
    L:check(diff < 1e-6, 'a Dense layer is X:matmul(kernel) + bias')
    L:check(math.abs(L:run('m:predict(X)[3][1]') - 0.25) < 1e-6, 'for the input (0, 0) only the bias is left')

    L:page [[
Now a layer of 3 units, with the ReLU activation: relu(z) = max(0, z), so
a unit whose sum is negative outputs 0 (lesson 3 is about activations).

    m3 = nn.Sequential{nn.Dense(3, {activation = 'relu', input_shape = {2}})}

Sequential{...} takes the layers as a list, as keras.Sequential([...]).
Its kernel is (2, 3): column j holds the two weights of unit j. We set the
whole kernel and bias at once with copy, which fills a tensor from a table
(or another tensor) of the same shape:

    kernel = {{1, -1,  0.5},        unit 1: w = (1, 2),    b = 0
              {2, -1, -0.5}}        unit 2: w = (-1, -1),  b = 1
    bias   =  {0,  1,  2}           unit 3: w = (0.5, -0.5), b = 2]]

    L:run([[
m3 = nn.Sequential{nn.Dense(3, {activation = 'relu', input_shape = {2}})}
m3:compile{optimizer = 'sgd', loss = 'mse'}
k = m3.layers[1].kernel
bias = m3.layers[1].bias
k:copy{{1, -1, 0.5}, {2, -1, -0.5}}
bias:copy{0, 1, 2}
]])
    L:try('k', 'm3 is built; k and bias are its kernel and bias (views, not copies).')
    L:try('bias', 'One bias per unit.')
    L:try('m3:predict(nn.tensor{{2, 3}})',
          'For x = (2, 3): unit 1 gives 1*2 + 2*3 + 0 = 8; unit 2 gives\n' ..
          '-2 - 3 + 1 = -4, which ReLU turns into 0; unit 3 gives 1 - 1.5 + 2.')
    L:try('for j = 1, 3 do local z = k[1][j] * 2 + k[2][j] * 3 + bias[j]; print(j, z, math.max(0, z)) end',
          'The three units by hand, in a loop. Lua\'s for loop is "for j = 1, 3 do\n' ..
          '... end" (1 to 3, both included); local makes z a name that lives only\n' ..
          'inside the loop; math.max is Python\'s max.')
    local out3 = L:run('m3:predict(nn.tensor{{2, 3}})')
    L:check(math.abs(out3[1][1] - 8) < 1e-6 and out3[1][2] == 0 and math.abs(out3[1][3] - 1.5) < 1e-6,
            'the 3-unit ReLU layer gives (8, 0, 1.5) for (2, 3)')
    L:check(L:run('m3:count_params()') == 2 * 3 + 3, 'a Dense layer has inputs*units weights and units biases')

    L:exercise{
      prompt = 'Work out by hand the output of unit 3 of m3 for the input x = (-4, 1).\n' ..
               'Unit 3 has the weights 0.5 and -0.5 and the bias 2, and a ReLU.\n' ..
               'Store it in u3.',
      answer = 'u3 = math.max(0, 0.5 * -4 + -0.5 * 1 + 2)',
      wrong = {'u3 = 0.5 * -4 + -0.5 * 1 + 2', 'u3 = max(0, 0.5 * -4 + -0.5 * 1 + 2)',
               'u3 = math.max(0, 0.5 * 1 + -0.5 * -4 + 2)'},
      check = check_u3,
      hints = {'First z = 0.5*(-4) + (-0.5)*1 + 2. Is it negative?',
               'ReLU: max(0, z). In Lua: math.max(0, z).',
               'u3 = math.max(0, 0.5 * -4 + -0.5 * 1 + 2)'},
    }

    L:exercise{
      prompt = 'Make unit 1 of m3 compute relu(x1 + x2 - 1): set its two weights and\n' ..
               'its bias. (k is m3\'s kernel and bias its bias; unit 1 is column 1.)',
      answer = 'k[1][1] = 1; k[2][1] = 1; bias[1] = -1',
      wrong = {'k', 'k[1][1] = 1; k[1][2] = 1; bias[1] = -1', 'k[1][1] = 1; k[2][1] = 1; bias[1] = 1'},
      check = check_unit1,
      hints = {'Weight from input i into unit 1: k[i][1]. Bias of unit 1: bias[1].',
               'Both weights are 1; the bias is -1.',
               'k[1][1] = 1; k[2][1] = 1; bias[1] = -1'},
    }
    L:settle(function(env)  -- units 2 and 3 as on the page (a wrong try may have changed them)
             local layer = env.m3.layers[1]
             for j = 2, 3 do
               if layer.kernel[1][j] ~= M3_KERNEL[1][j] or layer.kernel[2][j] ~= M3_KERNEL[2][j]
                 or layer.bias[j] ~= M3_BIAS[j] then return false end
             end
             return true
           end, 'k, bias = m3.layers[1].kernel, m3.layers[1].bias; k[1][2] = -1; k[2][2] = -1; bias[2] = 1; k[1][3] = 0.5; k[2][3] = -0.5; bias[3] = 2',
           'Units 2 and 3 of m3 changed on the way; the next lines need them as on the page.', 'k, bias')
    L:try('m3:predict(nn.tensor{{2, 3}, {0, 0}})', 'Unit 1 now gives 2 + 3 - 1 = 4, and relu(-1) = 0.')
    do
      local now = L:run('m3:predict(nn.tensor{{2, 3}, {0, 0}})')
      L:check(near(now[1][1], 4) and now[2][1] == 0, 'unit 1 of m3 gives 4 for (2, 3) and 0 for (0, 0)')
    end

    L:page [[
predict runs the whole model in one go. Training runs it piece by piece,
and nnstep lets you stop between the pieces: nn.stepper(model, x, y) sets
up one training step on the batch x with the targets y, and s:step() runs
the next piece. The first piece is the forward pass of layer 1; after it,
the layer's output is there to look at.]]

    L:try('s = nn.stepper(m3, nn.tensor{{2, 3}}, nn.zeros(1, 3))', 'A stepper on one example.')
    L:settle(function(env) return env.s.model == env.m3 and env.s:where():find('^forward') end,
           's = nn.stepper(m3, nn.tensor{{2, 3}}, nn.zeros(1, 3))',
           'The next lines need s, a stepper on m3 at its first step.')
    L:try('s:where()', 'What comes next.')
    L:try('s:step()', 'Run it (true: more steps are left).')
    L:settle(function(env) return env.s.model == env.m3 and not env.s:where():find('step 1 of', 1, true) end,
           's:step()', 'The next line needs the forward pass of layer 1 run.')
    L:try('m3.layers[1].output', 'What the engine computed, forward pass of layer 1: 4, 0, 1.5.')
    do  -- the same on a model of the lesson's own, whatever was typed above
      local own = nn.Sequential{nn.Dense(3, {activation = 'relu', input_shape = {2}})}
      own:compile{optimizer = 'sgd', loss = 'mse'}
      own.layers[1].kernel:copy{{1, -1, 0.5}, {1, -1, -0.5}}
      own.layers[1].bias:copy{-1, 1, 2}
      local stepper = nn.stepper(own, nn.tensor{{2, 3}}, nn.zeros(1, 3))
      stepper:step()
      local out = own.layers[1].output
      L:check(math.abs(out[1][1] - 4) < 1e-6 and out[1][2] == 0 and math.abs(out[1][3] - 1.5) < 1e-6,
              'the stepper\'s forward pass gives relu(x . kernel + bias)')
    end

    L:page [[
What you have seen:

  a neuron:       z = w1*x1 + w2*x2 + b, then an activation
  a Dense layer:  output = activation(X:matmul(kernel) + bias)
  kernel[i][j]:   the weight from input i into unit j (shape (inputs, units))
  parameters:     inputs*units + units (m:count_params())
  layer.kernel, layer.bias, layer.output: the engine's own tensors

Lua: several names at once (a, b = 1, 2); {name = value} for options;
for j = 1, n do ... end; local.

Next lesson: activation functions, drawn in the terminal.]]
  end,
}
