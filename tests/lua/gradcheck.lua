-- gradcheck.lua: nn.gradcheck(model, x, y) and nn.gradcheck(layer, x), the
-- gradient check by central differences (core/train/gradient_check.h).
-- Checked: the verdicts on built-in layers and a model, the numbers it
-- reports against central differences and gradients computed here in Lua's
-- doubles (and PyTorch float64 for dL/dx), and that the model is unchanged.
-- A wrong backward pass (ok = false) is tested in C: tests/test_gradient_check.c.
local t = require 'tap'

-- ---- a tiny model with set weights: tanh(x W1 + b1) W2 + b2, softmax,
-- categorical cross-entropy, mean over a batch of 2 (as input_gradient.lua) ----
local P = {
  W1 = {{0.2, -0.3, 0.5}, {0.1, 0.4, -0.2}, {-0.6, 0.3, 0.1}, {0.25, -0.15, 0.35}},
  b1 = {0.05, -0.1, 0.2},
  W2 = {{0.7, -0.4}, {-0.5, 0.6}, {0.3, 0.2}},
  b2 = {0.1, -0.05},
}
local X = {{1.0, -0.5, 0.25, 2.0}, {-1.5, 0.75, 1.0, -0.25}}
local Y = {{0, 1}, {1, 0}}

local function tiny()
  local m = nn.Sequential{nn.Dense(3, {activation = 'tanh', input_shape = {4}}),
                          nn.Dense(2, {activation = 'softmax'})}
  m:compile{optimizer = 'sgd', loss = 'categorical_crossentropy'}
  for i = 1, 4 do for j = 1, 3 do m.layers[1].kernel[i][j] = P.W1[i][j] end end
  for j = 1, 3 do m.layers[1].bias[j] = P.b1[j] end
  for i = 1, 3 do for j = 1, 2 do m.layers[2].kernel[i][j] = P.W2[i][j] end end
  for j = 1, 2 do m.layers[2].bias[j] = P.b2[j] end
  return m
end

-- The loss of the tiny model in Lua's doubles.
local function loss(p, x)
  local total = 0
  for b = 1, 2 do
    local h, z, norm = {}, {}, 0
    for j = 1, 3 do
      local a = p.b1[j]
      for i = 1, 4 do a = a + x[b][i] * p.W1[i][j] end
      h[j] = math.tanh(a)
    end
    for k = 1, 2 do
      z[k] = p.b2[k]
      for j = 1, 3 do z[k] = z[k] + h[j] * p.W2[j][k] end
      norm = norm + math.exp(z[k])
    end
    for k = 1, 2 do total = total - Y[b][k] * (z[k] - math.log(norm)) end
  end
  return total / 2
end

-- The central difference of loss along entry `index` of values (a table of
-- numbers or of rows), with gradcheck's step: 1e-3 * max(1, |v|).
local function central_difference(values, index, x)
  local row, col = values, index[1]
  if #index == 2 then row, col = values[index[1]], index[2] end
  local saved = row[col]
  local h = 1e-3 * math.max(1, math.abs(saved))
  row[col] = saved + h
  local plus = loss(P, x)
  row[col] = saved - h
  local minus = loss(P, x)
  row[col] = saved
  return (plus - minus) / (2 * h)
end

local m = tiny()
local x, y = nn.tensor(X), nn.tensor(Y)
local weights_before = {}
for i, w in ipairs(m:get_weights()) do weights_before[i] = w:totable() end
local out_before = m:predict(x):totable()

local r = nn.gradcheck(m, x, y)

t.is(r.names, {'input', 'dense_1.kernel', 'dense_1.bias', 'dense_2.kernel', 'dense_2.bias'},
     'one entry per tensor: the input, then each parameter by layer.name')
t.is(r.ok, true, 'the tiny model: ok = true')
t.is_near(r.loss, loss(P, X), 1e-6, 'the loss it reports is the loss computed here')
t.is(r.loss_name, 'categorical_crossentropy', 'the model\'s compiled loss')
t.is({r.step, r.threshold, r.floor}, {1e-3, 1e-2, 1e-2}, 'step, threshold and floor are stated')
for _, name in ipairs(r.names) do
  local c = r[name]
  t.ok(c.ok and c.verdict == 'ok' and c.error <= c.threshold and c.threshold == 1e-2,
       name .. ': verdict ok, worst error ' .. c.error .. ' <= 1e-2')
end
t.is(r.input.count, 8, 'input: all 8 numbers are checked')
t.is(r['dense_1.kernel'].count, 12, 'dense_1.kernel: all 12 numbers are checked')

-- dL/dx by PyTorch 1.13 in float64 (see input_gradient.lua)
local TORCH = {{0.14482307747662637, -0.06538243409098579, -0.2762666614715472, 0.124012530043111},
               {-0.1185880575518564, 0.05829642244605845, 0.1982999202895937, -0.09773777586344973}}
local ix = r.input.index
t.is(#ix, 2, 'input: the index has one number per axis, 1-based')
t.is_near(r.input.analytic, TORCH[ix[1]][ix[2]], 1e-5,
          'input: the analytic value at the worst index is PyTorch\'s dL/dx there')

-- The numeric value it reports is the central difference computed here in
-- doubles at the index it names (float32 differences: to 1e-4).
local tables = {input = X, ['dense_1.kernel'] = P.W1, ['dense_1.bias'] = P.b1,
                ['dense_2.kernel'] = P.W2, ['dense_2.bias'] = P.b2}
for _, name in ipairs(r.names) do
  local c = r[name]
  local by_hand = central_difference(tables[name], c.index, X)
  t.is_near(c.numeric, by_hand, 1e-4, name .. ': numeric ' .. c.numeric ..
            ' is the central difference at {' .. table.concat(c.index, ', ') .. '}, ' .. by_hand)
  t.is_near(c.analytic, by_hand, 1e-3, name .. ': the analytic value there agrees with it')
end

-- The check leaves the model as it was: weights and outputs bit for bit.
local weights_after = {}
for i, w in ipairs(m:get_weights()) do weights_after[i] = w:totable() end
t.is(weights_after, weights_before, 'the weights are bitwise unchanged')
t.is(m:predict(x):totable(), out_before, 'the outputs are bitwise unchanged')
t.is(m.loss, 'categorical_crossentropy', 'the model\'s loss is unchanged')

-- loss = another loss for the same model
local r2 = nn.gradcheck(m, x, y, {loss = 'mean_squared_error'})
t.is({r2.ok, r2.loss_name}, {true, 'mean_squared_error'}, 'loss = ... checks that loss')
t.is(m.loss, 'categorical_crossentropy', 'and leaves the compiled loss in place')

-- Dropout is off during the check (inference mode): with it on, each probe
-- would drop other inputs and the differences would be noise
local md = nn.Sequential{nn.Dense(6, {activation = 'tanh', input_shape = {4}}), nn.Dropout(0.5),
                         nn.Dense(2)}
md:compile{optimizer = 'sgd', loss = 'mean_squared_error'}
local rdrop = nn.gradcheck(md, x, nn.tensor{{0.5, -1}, {1, 0.25}})
t.is(rdrop.ok, true, 'a model with Dropout(0.5): ok = true (Dropout off during the check)')

-- ---- built-in layers alone ----
nn.seed(7)
local function check_layer(layer, x, names)
  local before = {}
  for i, w in ipairs(layer:get_weights()) do before[i] = w:totable() end
  local res = nn.gradcheck(layer, x)
  t.is(res.names, names, layer.name .. ': checks ' .. table.concat(names, ', '))
  t.is(res.ok, true, layer.name .. ': ok = true')
  local worst = 0
  for _, name in ipairs(res.names) do worst = math.max(worst, res[name].error) end
  t.ok(worst <= 1e-2, layer.name .. ': worst error ' .. worst .. ' <= 1e-2')
  t.like(res.loss_name, 'random target', layer.name .. ': the report says which loss')
  local after = {}
  for i, w in ipairs(layer:get_weights()) do after[i] = w:totable() end
  t.is(after, before, layer.name .. ': the layer itself is unchanged')
  return res
end
check_layer(nn.Dense(3, {name = 'd'}), nn.randn(4, 5), {'input', 'd.kernel', 'd.bias'})
check_layer(nn.Conv2D(2, 3, {activation = 'tanh', name = 'c'}), nn.randn(2, 6, 6, 1),
            {'input', 'c.kernel', 'c.bias'})
check_layer(nn.LSTM(3, {name = 'l'}), nn.randn(2, 4, 2),
            {'input', 'l.kernel', 'l.recurrent_kernel', 'l.bias'})
-- a layer that is in a model is checked at the model's weights
local m3 = tiny()
check_layer(m3.layers[2], nn.randn(3, 3), {'input', 'dense_2.kernel', 'dense_2.bias'})

-- ---- the report ----
local text = tostring(r)
t.like(text, 'loss categorical_crossentropy', 'tostring: names the loss')
t.like(text, 'step 0%.001 x max%(1, |value|%)', 'tostring: states the step it used')
t.like(text, 'ok when at most 0%.01', 'tostring: states the threshold it used')
t.like(text, 'dense_1%.kernel +worst error [0-9.e-]+ +at {%d, %d}: analytic', 'tostring: a line per tensor')
t.like(text, 'ok = true', 'tostring: the verdict')
t.like(nn.show(r), 'dense_2%.bias', 'printed at the REPL, it is the report')

-- a failing result reads as one: the same report on a hand-made table
local failing = setmetatable({ok = false, loss = 0.5, loss_name = 'mean_squared_error',
  names = {'d.kernel'},
  ['d.kernel'] = {error = 0.0909, index = {2, 3}, analytic = 1.1, numeric = 1.0,
                  verdict = 'WRONG', ok = false}}, getmetatable(r))
local failing_text = tostring(failing)
t.like(failing_text, 'd%.kernel +worst error 0%.0909 +at {2, 3}: analytic 1%.1, numeric 1 +WRONG',
       'tostring: a wrong tensor is marked WRONG, with its index and both values')
t.like(failing_text, 'ok = false', 'tostring: and the verdict is ok = false')

-- ---- kinks: a ReLU's 0 within the step h of a right gradient ----
-- This model (seed 3) has a conv1d_1 pre-activation within h = 1e-3 of 0
-- when bias[2] moves: the central difference at h read 0.1034 against the
-- right 0.1165 (the slope at +-1e-4 is 0.11656), and the check said WRONG.
-- A second opinion at h / 10 clears it; a wrong gradient stays WRONG.
nn.seed(3)
local kinked = nn.Sequential{nn.Embedding(10, 4, {input_shape = {5}}),
                             nn.Conv1D(6, 3, {activation = 'relu'}), nn.Flatten(),
                             nn.Dense(2, {activation = 'softmax'})}
kinked:compile{optimizer = 'sgd', loss = 'sparse_categorical_crossentropy'}
local ids = nn.tensor{{1, 2, 3, 4, 5}, {0, 9, 9, 0, 1}, {3, 3, 3, 3, 3}}
local kr = nn.gradcheck(kinked, ids, nn.tensor{0, 1, 0})
t.ok(kr.ok, 'a right gradient across a ReLU kink is not marked WRONG')
t.ok(kr['conv1d_1.bias'].kinks >= 1, '... the number met a kink: kinks counts it')
t.like(tostring(kr), 'agree only at a 10 times smaller step', '... and the report says so')
local DoubledKernel = nn.Layer{
  name = 'doubled_kernel',
  build = function(self, s) self.kernel = self:add_weight('kernel', {s[1], 3}) end,
  call = function(self, x) return x:matmul(self.kernel) end,
  backward = function(self, x, g)
    self.kernel.grad:copy(x:transpose():matmul(g) * 2)  -- wrong: twice the gradient
    return g:matmul(self.kernel:transpose())
  end,
}
local wrong = nn.Sequential{DoubledKernel{input_shape = {4}}, nn.Activation('relu'), nn.Dense(2)}
wrong:compile{optimizer = 'sgd', loss = 'mean_squared_error'}
local wr = nn.gradcheck(wrong, nn.randn(3, 4), nn.randn(3, 2))
t.ok(not wr['doubled_kernel_1.kernel'].ok, 'a wrong gradient is WRONG at both steps')

-- ---- mistakes ----
t.raises(function() nn.gradcheck(m, x) end, 'gradcheck: a model needs its targets',
         'a model without y')
t.raises(function() nn.gradcheck(42, x) end, 'expected a model or a layer', 'not a model')
t.raises(function() nn.gradcheck(m, x, y, {los = 'x'}) end, "unknown option 'los'",
         'an unknown option')
local bare = nn.Sequential{nn.Dense(2, {input_shape = {4}})}
t.raises(function() nn.gradcheck(bare, x, nn.randn(2, 2)) end, 'compile', 'not compiled')
t.raises(function() nn.gradcheck(m, nn.randn(2, 5), y) end, 'gradcheck', 'x of the wrong shape')

t.done_testing()
