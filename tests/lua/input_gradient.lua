-- input_gradient.lua: dL/dx, the gradient of the loss with respect to the
-- model's input, in m.layers[1].grad_input. No layer needs it, so training
-- does not compute it and it reads nil (never zeros that look computed);
-- the debugger computes it, and m:compute_input_gradient(true) asks for it.
local t = require 'tap'

local real_print = print
print = function() end  -- the debugger talks

-- A tiny model with set weights: tanh(x W1 + b1) W2 + b2, softmax,
-- categorical cross-entropy, mean over a batch of 2.
local W1 = {{0.2, -0.3, 0.5}, {0.1, 0.4, -0.2}, {-0.6, 0.3, 0.1}, {0.25, -0.15, 0.35}}
local b1 = {0.05, -0.1, 0.2}
local W2 = {{0.7, -0.4}, {-0.5, 0.6}, {0.3, 0.2}}
local b2 = {0.1, -0.05}
local X = {{1.0, -0.5, 0.25, 2.0}, {-1.5, 0.75, 1.0, -0.25}}
local Y = {{0, 1}, {1, 0}}

local function tiny()
  local m = nn.Sequential{nn.Dense(3, {activation = 'tanh', input_shape = {4}}),
                          nn.Dense(2, {activation = 'softmax'})}
  m:compile{optimizer = 'sgd', loss = 'categorical_crossentropy'}
  for i = 1, 4 do for j = 1, 3 do m.layers[1].kernel[i][j] = W1[i][j] end end
  for j = 1, 3 do m.layers[1].bias[j] = b1[j] end
  for i = 1, 3 do for j = 1, 2 do m.layers[2].kernel[i][j] = W2[i][j] end end
  for j = 1, 2 do m.layers[2].bias[j] = b2[j] end
  return m
end
local x, y = nn.tensor(X), nn.tensor(Y)

-- dL/dx by the chain rule, in Lua's doubles: dL/dz2 = (p - y) / B,
-- dL/dh = dL/dz2 W2^T, dL/da1 = dL/dh (1 - h^2), dL/dx = dL/da1 W1^T
local function chain_rule()
  local out = {}
  for b = 1, 2 do
    local h, z2 = {}, {}
    for j = 1, 3 do
      local a = b1[j]
      for i = 1, 4 do a = a + X[b][i] * W1[i][j] end
      h[j] = math.tanh(a)
    end
    local total = 0
    for k = 1, 2 do
      z2[k] = b2[k]
      for j = 1, 3 do z2[k] = z2[k] + h[j] * W2[j][k] end
      total = total + math.exp(z2[k])
    end
    local dz2, da1 = {}, {}
    for k = 1, 2 do dz2[k] = (math.exp(z2[k]) / total - Y[b][k]) / 2 end
    for j = 1, 3 do
      local dh = 0
      for k = 1, 2 do dh = dh + dz2[k] * W2[j][k] end
      da1[j] = dh * (1 - h[j] ^ 2)
    end
    out[b] = {}
    for i = 1, 4 do
      local dx = 0
      for j = 1, 3 do dx = dx + da1[j] * W1[i][j] end
      out[b][i] = dx
    end
  end
  return out
end
local expected = chain_rule()

-- The same by PyTorch 1.13 in float64 (autograd; x.requires_grad = True,
-- loss = -(y * log(softmax(tanh(x W1 + b1) W2 + b2))).sum(1).mean()):
local TORCH = {{0.14482307747662637, -0.06538243409098579, -0.2762666614715472, 0.124012530043111},
               {-0.1185880575518564, 0.05829642244605845, 0.1982999202895937, -0.09773777586344973}}
t.is_near(expected, TORCH, 1e-12, 'the chain rule by hand agrees with PyTorch float64')

-- nnstep computes in float32: values of about 0.1 agree to 1e-6
local TOL = 1e-6

-- ---- training does not compute it: nil ----

local m = tiny()
m:fit(x, y, {epochs = 2, batch_size = 1, verbose = 0})
t.is(m.layers[1].grad_input, nil, 'after fit: layers[1].grad_input is nil (not computed)')
t.ok(m.layers[2].grad_input ~= nil, 'the second layer\'s is there: the first layer needs it')
m:train_on_batch(x, y)
t.is(m.layers[1].grad_input, nil, 'after train_on_batch: nil')

-- ---- the debugger computes it: after the backward step of layer 1 ----

local dm = tiny()
local d = nn.debug(dm, x, y)
d:step(4)  -- forward dense_1, forward dense_2, loss, backward dense_2
t.like(d.stepper:where(), '^backward dense_1', 'the debugger is at backward dense_1')
d:step(1)
local gi = dm.layers[1].grad_input
t.ok(gi ~= nil, 'debugger: layers[1].grad_input after backward dense_1')
t.is_near(gi and gi:totable(), TORCH, TOL, 'debugger: it is dL/dx (PyTorch float64, within 1e-6)')
d:finish()
dm:fit(x, y, {verbose = 0})
t.is(dm.layers[1].grad_input, nil, 'fit after the debugger: nil again')

-- a recurrent first layer writes dL/dx one timestep at a time, going back:
-- after its last backward step the whole of it is there, as central
-- differences of the loss say ((L(x + e) - L(x - e)) / 2e, e = 1e-2: float32
-- rounding, about 1e-7 / 1e-2, and the e^2 term stay well below 1e-4)
nn.seed(4)
local rm = nn.Sequential{nn.LSTM(3, {input_shape = {3, 2}}), nn.Dense(2, {activation = 'softmax'})}
rm:compile{optimizer = 'sgd', loss = 'categorical_crossentropy'}
local rx = nn.tensor{{{0.5, -1}, {1, 0.25}, {-0.5, 0.75}}, {{-1, 0.5}, {0.25, 1}, {0.75, -0.25}}}
local rd = nn.debug(rm, rx, y)
rd:step(9)  -- forward t=1..3 and dense_1, the loss, backward dense_1 and t=3..1
t.like(rd.stepper:where(), '^update', 'the debugger is at the update, the weights as they were')
local rgi = rm.layers[1].grad_input:totable()
local worst = 0
for b = 1, 2 do
  for step = 1, 3 do
    for f = 1, 2 do
      local plus, minus = rx:clone(), rx:clone()
      plus[b][step][f] = rx[b][step][f] + 1e-2
      minus[b][step][f] = rx[b][step][f] - 1e-2
      local numeric = (rm:evaluate(plus, y) - rm:evaluate(minus, y)) / 2e-2
      worst = math.max(worst, math.abs(numeric - rgi[b][step][f]))
    end
  end
end
t.ok(worst < 1e-4, 'debugger, LSTM first layer: dL/dx agrees with central differences', worst)
t.diag('LSTM: largest difference ' .. worst)

-- ---- asked for: m:compute_input_gradient(true) ----

local am = tiny()
am:compute_input_gradient(true)
am:train_on_batch(x, y)  -- the gradient is of the weights before the update
t.is_near(am.layers[1].grad_input:totable(), TORCH, TOL,
          'compute_input_gradient(true): train_on_batch leaves dL/dx')
am:fit(x, y, {verbose = 0})
t.ok(am.layers[1].grad_input ~= nil, 'and fit computes it too')
am:compute_input_gradient(false)
am:fit(x, y, {verbose = 0})
t.is(am.layers[1].grad_input, nil, 'compute_input_gradient(false): nil again')
local cm = tiny()
cm:compute_input_gradient(true)
cm:compile{optimizer = 'sgd', loss = 'categorical_crossentropy'}  -- a compile keeps the wish
for i = 1, 4 do for j = 1, 3 do cm.layers[1].kernel[i][j] = W1[i][j] end end
cm:train_on_batch(x, y)
t.is_near(cm.layers[1].grad_input:totable(), TORCH, TOL, 'compile keeps compute_input_gradient')
t.raises(function() am:compute_input_gradient('yes') end,
         'compute_input_gradient: expected true or false, got string', 'a clear error for a non-boolean')

print = real_print
t.done_testing()
