-- gluon.lua: the hand-written training loop (repl/bind/l_gluon.c): it learns,
-- it matches fit bit for bit, its updates are Gluon's numbers for any
-- step(batch_size), the loss it used becomes the model's loss, and
-- initialize / collect_params / Trainer do what they say.
local t = require 'tap'

local function make()
  nn.seed(11)
  return nn.Sequential{
    nn.Dense(8, {activation = 'tanh', input_shape = {2}}),
    nn.Dense(2, {activation = 'softmax'}),
  }
end
local x = nn.tensor{{0, 0}, {0, 1}, {1, 0}, {1, 1}}
local y = nn.utils.to_categorical(nn.tensor{0, 1, 1, 0}, 2)

local net = make()
net:initialize()
local trainer = nn.Trainer(net:collect_params(), 'adam', {learning_rate = 0.05})
local first, last
for epoch = 1, 300 do
  for xb, yb in nn.batches(x, y, 4) do
    local out = net(xb)
    local loss = nn.losses.categorical_crossentropy(yb, out)
    loss:backward()
    trainer:step(4)
    first = first or loss.value
    last = loss.value
  end
end
t.ok(last < 0.05 and last < first, 'the hand-written loop learns XOR: ' .. last)

-- the same steps as train_on_batch, to the bit
local a, b = make(), make()
a:compile{optimizer = nn.optimizers.SGD{learning_rate = 0.1}, loss = 'categorical_crossentropy'}
local tb = nn.Trainer(b, 'sgd', {learning_rate = 0.1})
for i = 1, 5 do
  a:train_on_batch(x, y)
  local l = nn.losses.categorical_crossentropy(y, b(x))
  l:backward()
  tb:step(4)
end
t.is((a.layers[1].kernel - b.layers[1].kernel):abs():max(), 0, 'Gluon loop == train_on_batch, bitwise')

-- ---- step(batch_size) gives Gluon's update ----
-- Gluon: the loss is a vector of per-example losses l_i, loss.backward()
-- leaves sum_i dl_i/dw, and trainer.step(n) updates w - lr * (sum) / n.
-- Here, written out in float64 for a linear Dense(2) on 3 inputs, mean
-- squared error (Keras's per-example l_i = mean_j (out_ij - y_ij)^2), plain
-- SGD, a batch of B = 4, and n = 4 and n = 2.
local function linear()
  nn.seed(7)
  return nn.Sequential{nn.Dense(2, {input_shape = {3}})}
end
local xs = nn.tensor{{0.5, -1, 2}, {1.5, 0.25, -0.5}, {-2, 1, 0.75}, {0.1, 0.2, 0.3}}
local ys = nn.tensor{{1, 0}, {0, 1}, {0.5, -0.5}, {2, 1}}
local lr = 0.1
local function gluon_update(W, bias, n)
  local X, Y = xs:totable(), ys:totable()
  local gW = {{0, 0}, {0, 0}, {0, 0}}
  local gb = {0, 0}
  for i = 1, 4 do
    for j = 1, 2 do
      local out = bias[j]
      for k = 1, 3 do out = out + X[i][k] * W[k][j] end
      local d = 2 * (out - Y[i][j]) / 2  -- d l_i / d out_ij, l_i a mean over 2 outputs
      for k = 1, 3 do gW[k][j] = gW[k][j] + X[i][k] * d end
      gb[j] = gb[j] + d
    end
  end
  local newW, newb = {}, {}
  for k = 1, 3 do newW[k] = {W[k][1] - lr * gW[k][1] / n, W[k][2] - lr * gW[k][2] / n} end
  for j = 1, 2 do newb[j] = bias[j] - lr * gb[j] / n end
  return newW, newb, gW, gb
end
for _, n in ipairs({4, 2, 8}) do
  local m = linear()
  local W0, b0 = m.layers[1].kernel:totable(), m.layers[1].bias:totable()
  local tr = nn.Trainer(m, 'sgd', {learning_rate = lr})
  nn.losses.mean_squared_error(ys, m(xs)):backward()
  tr:step(n)
  local W1, b1, gW = gluon_update(W0, b0, n)
  t.is_near(m.layers[1].kernel:totable(), W1, 1e-6,
            'step(' .. n .. ') after a batch of 4: the kernel Gluon computes (lr * sum of gradients / ' .. n .. ')')
  t.is_near(m.layers[1].bias:totable(), b1, 1e-6, 'step(' .. n .. '): the bias Gluon computes')
  -- the gradients shown are those of the mean loss (loss.value), untouched by step
  local mean = {}
  for k = 1, 3 do mean[k] = {gW[k][1] / 4, gW[k][2] / 4} end
  t.is_near(m.layers[1].grad.kernel:totable(), mean, 1e-6,
            'step(' .. n .. ') leaves the gradients of the mean loss as backward made them')
end
do  -- step() alone is step(B)
  local m1, m2 = linear(), linear()
  local t1, t2 = nn.Trainer(m1, 'sgd', {learning_rate = lr}), nn.Trainer(m2, 'sgd', {learning_rate = lr})
  nn.losses.mean_squared_error(ys, m1(xs)):backward()
  nn.losses.mean_squared_error(ys, m2(xs)):backward()
  t1:step()
  t2:step(4)
  t.is((m1.layers[1].kernel - m2.layers[1].kernel):abs():max(), 0, 'step() is step(the batch size)')
end

-- ---- the loss the loop used is the model's loss ----
local c = make()
local tc = nn.Trainer(c, 'sgd')  -- no settings: Keras's SGD defaults
t.is(c.optimizer, 'sgd', "nn.Trainer(net, 'sgd') without settings")
t.is(c.loss, nil, 'before any backward the model has no loss')
t.raises(function() c:evaluate(x, y) end, 'evaluate: the model has no loss yet', 'evaluate says there is no loss yet')
t.raises(function() tc:step(4) end, 'step: there are no gradients yet', 'step before backward')
nn.losses.categorical_crossentropy(y, c(x)):backward()
tc:step(4)
t.is(c.loss, 'categorical_crossentropy', 'after loss:backward() m.loss is the loop\'s loss')
local p = c:predict(x):totable()
local expected = 0
for i = 1, 4 do
  local truth = ({1, 2, 2, 1})[i]
  expected = expected - math.log(p[i][truth]) / 4
end
local got = c:evaluate(x, y)
t.is_near(got, expected, 1e-6, 'evaluate uses cross-entropy, -mean log p(true class)')
local s = nn.stepper(c, x, y)
s:finish()
t.is_near(s.loss, expected, 1e-6, 'the debugger\'s loss step is the cross-entropy too')
-- a compiled model keeps compile's loss until the loop uses another
local d = make()
d:compile{optimizer = 'sgd', loss = 'mse'}
nn.Trainer(d, 'adam')
t.is(d.loss, 'mean_squared_error', 'Trainer keeps the loss compile gave')
nn.losses.categorical_crossentropy(y, d(x)):backward()
t.is(d.loss, 'categorical_crossentropy', 'a backward with another loss makes it the model\'s')

-- ---- collect_params and Trainer ----
local e = make()
local params = e:collect_params()
local names = {}
for name in pairs(params) do names[#names + 1] = name end
table.sort(names)
t.is(names, {'dense_1.bias', 'dense_1.kernel', 'dense_2.bias', 'dense_2.kernel'},
     'collect_params: every parameter by layer.name')
t.is(params['dense_1.kernel'].shape, {2, 8}, 'with its shape')
params['dense_2.bias'][1] = 0.25
t.is(e.layers[2].bias[1], 0.25, 'the tensors are the layers\' own')
t.like(tostring(params), 'dense_1.kernel %(2, 8%)', 'tostring lists the names and shapes')
local te = nn.Trainer(params, nn.optimizers.SGD{learning_rate = 0.5})
t.is(e.optimizer, 'sgd', 'Trainer takes collect_params() and an nn.optimizers table')
params['dense_2.bias'][1] = -0.5  -- the Trainer compiled: the dict is still the model's
t.is(e.layers[2].bias[1], -0.5, 'after the Trainer, the dict\'s tensors are still the layers\' own')
t.raises(function() nn.Trainer({}, 'sgd') end, 'expected a model or its net:collect_params()', 'a plain table is not a model')
t.raises(function() nn.Trainer(e, 'sgd', 0.1) end, "argument #3 should be the optimizer's settings", 'settings must be a table')

-- ---- initialize ----
local f = make()
local before = f.layers[1].kernel:clone()
f:initialize()
t.is((f.layers[1].kernel - before):abs():max(), 0, 'initialize() changes nothing: the weights exist from add')
f.layers[1].bias:fill(5)
f:initialize{force_reinit = true}
local k = f.layers[1].kernel
t.ok((k - before):abs():max() > 0, 'initialize{force_reinit = true} draws new weights')
local limit = math.sqrt(6 / (2 + 8))  -- glorot_uniform for a (2, 8) kernel
t.ok(k:abs():max() <= limit, 'drawn by glorot_uniform: |w| <= sqrt(6 / (in + out)) = ' .. limit)
t.is(f.layers[1].bias:abs():max(), 0, 'and the biases are zeros again')
nn.seed(3)
local r = nn.Sequential{nn.LSTM(2, {input_shape = {3, 1}})}
r.layers[1].bias:fill(0)
r:initialize{force_reinit = true}
t.is(r.layers[1].bias:totable(), {0, 0, 1, 1, 0, 0, 0, 0}, 'LSTM: the forget-gate bias is 1 again (unit_forget_bias)')
t.raises(function() f:initialize('xavier') end, 'kernel_initializer', 'initialize(init) says where initializers are chosen')
t.raises(function() f:initialize{init = 'xavier'} end, "unknown option 'init'", 'unknown initialize options')

t.raises(function() nn.losses.categorical_crossentropy(y, nn.zeros(4, 2)):backward() end,
  "backward: this loss was not computed from a model's output", 'loss:backward needs net(x)')
t.raises(function() nn.Trainer(net, 42) end, "Trainer: argument #2 should be an optimizer's name %('sgd', 'adam', 'rmsprop'%) or nn.optimizers.SGD{...}, got number", 'a wrong optimizer argument lists the names (from the table)')
t.raises(function() nn.Trainer(net, 'adamw') end, "Trainer: unknown optimizer 'adamw' (nnstep has 'adam', 'rmsprop', 'sgd'", 'unknown optimizer lists the known ones')
t.raises(function() nn.losses.mean_squared_error(nn.zeros(4, 3), net(x)) end, "mean_squared_error: the target's shape", 'loss shapes checked')
t.raises(function() trainer:step(0) end, 'step: batch_size should be a positive whole number', 'step(0)')
t.done_testing()
