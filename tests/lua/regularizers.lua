-- regularizers.lua: kernel_regularizer, bias_regularizer and
-- recurrent_regularizer (core/layers/regularizer.h, core/train/penalty.c).
-- Checked against arithmetic written out here, in Lua's doubles: the penalty
-- (l1 * sum |w| + l2 * sum w^2, no 1/2, as Keras 3), the loss that fit,
-- train_on_batch, evaluate and the stepper report (data loss + penalty), the
-- gradients (+ l1 * sign(w) + 2 * l2 * w) and one SGD step; the progress
-- line's parts; history.penalty; save and load; :explain's share; the
-- gradient check of the total loss; and clear errors for bad arguments.
-- PyTorch float64 parity: tests/parity (cases regularized_dense, regularized_lstm).
local t = require 'tap'

-- ---- one Dense(2) on 3 inputs, weights set to values binary holds exactly ----
local W = {{0.5, -0.25}, {0.75, 1.0}, {-1.5, 0.125}}
local b = {0.25, -0.5}
local X = {{1.0, 2.0, -1.0}, {0.5, -1.0, 2.0}}
local Y = {{1.0, 0.0}, {-1.0, 0.5}}
local L2, L1 = 0.01, 0.1

local function model(opts)
  opts = opts or {}
  local m = nn.Sequential{nn.Dense(2, {input_shape = {3},
    kernel_regularizer = opts.kernel or nn.regularizers.l2(L2),
    bias_regularizer = opts.bias or nn.regularizers.l1(L1)})}
  m:compile{optimizer = nn.optimizers.SGD{learning_rate = 0.1}, loss = 'mean_squared_error'}
  for i = 1, 3 do for j = 1, 2 do m.layers[1].kernel[i][j] = W[i][j] end end
  for j = 1, 2 do m.layers[1].bias[j] = b[j] end
  return m
end

-- In Lua's doubles: the penalty, the outputs, the data loss (mean over the
-- 2 examples and 2 outputs) and dL/dz.
local function penalty()
  local squares, absolute = 0, 0
  for i = 1, 3 do for j = 1, 2 do squares = squares + W[i][j] ^ 2 end end
  for j = 1, 2 do absolute = absolute + math.abs(b[j]) end
  return L2 * squares + L1 * absolute
end
local function forward()
  local out, loss, dz = {}, 0, {}
  for n = 1, 2 do
    out[n], dz[n] = {}, {}
    for j = 1, 2 do
      local z = b[j]
      for i = 1, 3 do z = z + X[n][i] * W[i][j] end
      out[n][j] = z
      loss = loss + (z - Y[n][j]) ^ 2 / 4
      dz[n][j] = 2 * (z - Y[n][j]) / 4
    end
  end
  return out, loss, dz
end
-- The data loss of m's current weights on X, Y, in Lua's doubles.
local function forward_loss_now(m)
  local k, bias, loss = m.layers[1].kernel, m.layers[1].bias, 0
  for n = 1, 2 do
    for j = 1, 2 do
      local z = bias[j]
      for i = 1, 3 do z = z + X[n][i] * k[i][j] end
      loss = loss + (z - Y[n][j]) ^ 2 / 4
    end
  end
  return loss
end
local function sign(v) return v > 0 and 1 or v < 0 and -1 or 0 end
local _, data_loss, dz = forward()
local P = penalty()
local x, y = nn.tensor(X), nn.tensor(Y)

-- ---- the penalty, and the loss every call reports ----
local m = model()
t.is_near(m.penalty, P, 1e-15, string.format('m.penalty = 0.01 * sum W^2 + 0.1 * sum |b| = %.6f', P))
t.is_near(P, 0.01 * (0.25 + 0.0625 + 0.5625 + 1 + 2.25 + 0.015625) + 0.1 * 0.75, 1e-15,
          '(written out: 0.01 * 4.140625 + 0.1 * 0.75 = 0.11640625)')
t.is_near(m.layers[1].penalty, P, 1e-15, 'layer.penalty: the same for its one layer')
local loss = m:evaluate(x, y)
t.is_near(loss, data_loss + P, 1e-6, "evaluate's loss = the data loss + the penalty, as Keras 3's test step")

local s = nn.stepper(m, x, y)
s:step(2)  -- forward dense_1, the loss
t.is_near(s.data_loss, data_loss, 1e-6, 'the stepper: data_loss is the loss function alone')
t.is_near(s.penalty, P, 1e-15, 'penalty is the regularizers\'')
t.is_near(s.loss, s.data_loss + s.penalty, 1e-15, 'and loss is their sum')
s:step()  -- backward dense_1: the penalty's gradient joins
local grad = m.layers[1].grad
local worst = 0
for i = 1, 3 do
  for j = 1, 2 do
    local expected = 2 * L2 * W[i][j]
    for n = 1, 2 do expected = expected + X[n][i] * dz[n][j] end
    worst = math.max(worst, math.abs(grad.kernel[i][j] - expected))
  end
end
t.ok(worst < 1e-6, 'kernel gradient = x^T dL/dz + 2 * 0.01 * W', 'worst difference ' .. worst)
worst = 0
for j = 1, 2 do
  local expected = L1 * sign(b[j]) + dz[1][j] + dz[2][j]
  worst = math.max(worst, math.abs(grad.bias[j] - expected))
end
t.ok(worst < 1e-6, 'bias gradient = sum of dL/dz + 0.1 * sign(b)', 'worst difference ' .. worst)
s:finish()  -- the update: w - 0.1 * gradient
t.is_near(m.layers[1].kernel[3][1], -1.5 - 0.1 * (2 * L2 * -1.5 + X[1][3] * dz[1][1] + X[2][3] * dz[2][1]),
          1e-6, 'SGD moved kernel[3][1] by -0.1 x (data gradient + penalty gradient)')

-- train_on_batch and fit report the total too
m = model()
t.is_near(m:train_on_batch(x, y), data_loss + P, 1e-6, 'train_on_batch returns data loss + penalty')
m = model()
local h = m:fit(x, y, {epochs = 1, batch_size = 2, verbose = 0})
t.is_near(h.loss[1], data_loss + P, 1e-6, 'history.loss is the total, as Keras\'s')
t.is_near(h.penalty[1], P, 1e-12, 'history.penalty is its penalty part')
t.is(h.penalty[1] <= h.loss[1], true, '(a part of it)')
m = model()
h = m:fit(x, y, {epochs = 1, batch_size = 2, verbose = 0, validation_data = {x, y}})
t.is_near(h.val_loss[1], m:evaluate(x, y), 1e-12, 'val_loss is evaluate\'s loss, penalty included')
t.ok(math.abs(m:evaluate(x, y) - m.penalty - forward_loss_now(m)) < 1e-6,
     'evaluate = data loss at the new weights + penalty at the new weights')
t.is(nn.Sequential{nn.Dense(1, {input_shape = {1}})}.penalty, 0, 'a model without regularizers: penalty 0')

-- a hand-written loop: loss.value is the loss function's, loss.penalty the
-- model's, and backward's gradients are the total's, as fit's
m = model()
local out = m(x)
local gl = nn.losses.mean_squared_error(y, out)
t.is_near(gl.value, data_loss, 1e-6, 'Gluon loop: loss.value is the loss function alone')
t.is_near(gl.penalty, P, 1e-15, 'loss.penalty is the model\'s penalty')
t.is_near(gl.total, data_loss + P, 1e-6, 'loss.total their sum')
t.like(tostring(gl), '^mean_squared_error loss %d%.%d+ %(%+ penalty 0%.1164 = %d%.%d+%)$',
       'and it prints both')
gl:backward()
local g11 = 2 * L2 * W[1][1] + X[1][1] * dz[1][1] + X[2][1] * dz[2][1]
t.is_near(m.layers[1].grad.kernel[1][1], g11, 1e-6, "loss:backward()'s gradient includes the penalty's")

-- ---- the progress line shows the two parts (printed by C: run a child) ----
local script = os.tmpname()
local f = assert(io.open(script, 'w'))
f:write(string.format([[
local m = nn.Sequential{nn.Dense(2, {input_shape = {3}, kernel_regularizer = nn.regularizers.l2(0.01),
                                     bias_regularizer = 'l1'})}
m:compile{optimizer = 'sgd', loss = 'mean_squared_error'}
m:set_weights{nn.tensor{{0.5, -0.25}, {0.75, 1.0}, {-1.5, 0.125}}, nn.tensor{0.25, -0.5}}
m:summary()
m:fit(nn.tensor{{1.0, 2.0, -1.0}, {0.5, -1.0, 2.0}}, nn.tensor{{1.0, 0.0}, {-1.0, 0.5}},
      {epochs = 1, batch_size = 2, verbose = 2})
]]))
f:close()
local child = assert(io.popen(arg[-1] .. ' ' .. script .. ' 2>&1'))
local output = child:read('a')
child:close()
os.remove(script)
local P_string = 0.01 * 4.140625 + 0.01 * 0.75  -- bias_regularizer = 'l1': 0.01
local expected = string.format(' %%- loss: %.4f %%(data %.4f %%+ penalty %.4f%%)\n$',
                               data_loss + P_string, data_loss, P_string)
t.like(output, '\nEpoch 1/1 %- 1/1 %- %d+s' .. expected,
       'the progress line: loss: total (data ... + penalty ...)')
t.like(output, '\nRegularizers %(penalty added to the loss%):\n  dense_1%.kernel: L2%(l2=0%.01%)\n' ..
       '  dense_1%.bias: L1%(l1=0%.01%)\n', 'summary lists the regularized weights after its table')

-- ---- Keras's string forms, and the constructors' defaults ----
local d = nn.Dense(2, {kernel_regularizer = 'l2', bias_regularizer = 'l1'})
t.is(tostring(d.kernel_regularizer), 'L2(l2=0.01)', "'l2' is L2(l2=0.01)")
t.is(tostring(d.bias_regularizer), 'L1(l1=0.01)', "'l1' is L1(l1=0.01)")
t.is(tostring(nn.Dense(2, {kernel_regularizer = 'l1_l2'}).kernel_regularizer),
     'L1L2(l1=0.01, l2=0.01)', "'l1_l2' is L1L2(l1=0.01, l2=0.01)")
t.is(tostring(nn.regularizers.l2()), 'L2(l2=0.01)', 'nn.regularizers.l2() defaults to 0.01')
t.is(tostring(nn.regularizers.l1()), 'L1(l1=0.01)', 'nn.regularizers.l1() defaults to 0.01')
t.is(tostring(nn.regularizers.l1_l2{l1 = 0.001, l2 = 0.002}), 'L1L2(l1=0.001, l2=0.002)',
     'nn.regularizers.l1_l2{l1 =, l2 =}')
t.is(nn.regularizers.l1_l2{l2 = 0.1}.l1, 0, 'l1_l2 defaults l1 to 0, as Keras\'s L1L2')
t.is(nn.Dense(2, {kernel_regularizer = nn.regularizers.l1_l2()}).kernel_regularizer, nil,
     'l1_l2() (0 and 0) adds nothing')
t.is(nn.Dense(2).kernel_regularizer, nil, 'no regularizer by default')
t.like(tostring(d), 'kernel_regularizer=L2%(l2=0%.01%), bias_regularizer=L1%(l1=0%.01%)',
       'tostring(layer) names them')
local rnn = nn.LSTM(3, {input_shape = {4, 2}, kernel_regularizer = 'l2',
                        recurrent_regularizer = nn.regularizers.l1(0.002)})
t.is(tostring(rnn.recurrent_regularizer), 'L1(l1=0.002)', 'LSTM takes recurrent_regularizer')
t.ok(nn.SimpleRNN(3, {recurrent_regularizer = 'l2'}) and nn.GRU(3, {recurrent_regularizer = 'l2'})
     and nn.Conv2D(2, 3, {kernel_regularizer = 'l2', bias_regularizer = 'l2'}),
     'SimpleRNN, GRU and Conv2D take them too')

-- ---- summary, save and load ----
m = nn.Sequential{rnn, nn.Dense(2, {kernel_regularizer = nn.regularizers.l1_l2{l1 = 0.003, l2 = 0.004},
                                    bias_regularizer = 'l1'})}
m:compile{optimizer = 'adam', loss = 'mse'}
local path = os.tmpname()
m:save(path)
local back = nn.load(path)
os.remove(path)
t.is(tostring(back.layers[1].kernel_regularizer), 'L2(l2=0.01)', 'load keeps kernel_regularizer')
t.is(tostring(back.layers[1].recurrent_regularizer), 'L1(l1=0.002)', 'and recurrent_regularizer')
t.is(tostring(back.layers[2].kernel_regularizer), 'L1L2(l1=0.003, l2=0.004)', 'and L1L2')
t.is(tostring(back.layers[2].bias_regularizer), 'L1(l1=0.01)', 'and bias_regularizer')
t.is(back.layers[1].bias_regularizer, nil, 'and none where there was none')
t.is_near(back.penalty, m.penalty, 1e-12, 'the loaded model has the same penalty')

-- ---- :explain adds the penalty's share; gradcheck checks the total ----
m = model({kernel = nn.regularizers.l2(0.5)})
s = nn.stepper(m, x, y)
s:step(3)
local e = s:explain(1, 'kernel', 5)  -- kernel[3][1] = -1.5
t.is_near(e.penalty, 2 * 0.5 * -1.5, 1e-12, "explain: the penalty's share 2 * l2 * w")
t.is_near(e.engine, e.sum + e.penalty, 1e-6, "and the engine's gradient = the products' sum + that share")

-- the debugger says the loss's parts and :explain the penalty's share
local said = {}
local real_print = print
print = function(...) said[#said + 1] = table.concat({...}, '\t') end
local dbg = nn.debug(model({kernel = nn.regularizers.l2(0.5)}), x, y)
dbg:step(3)
dbg:where()
dbg:explain('dense_1.kernel[3][1]')
print = real_print
local text = table.concat(said, '\n')
t.like(text, string.format('loss %s %%(data %s %%+ penalty %s%%)', nn.format(data_loss + 2.1453125),
                           nn.format(data_loss), nn.format(2.1453125)),
       'd:where() shows the loss as total (data + penalty)')
t.like(text, "%+ the penalty's share, 2 %* 0%.5 %* w, at w = %-1%.5:  %-1%.5\n",
       ":explain adds the penalty's share, 2 * l2 * w")

local r = nn.gradcheck(model({kernel = nn.regularizers.l2(2), bias = nn.regularizers.l1_l2{l1 = 0.3, l2 = 1}}), x, y)
t.ok(r.ok, 'gradcheck passes on a model whose penalty dominates the loss', tostring(r))
t.like(r.loss_name, '%+ penalty', 'and says the loss it checks includes the penalty')
t.is_near(r.loss, data_loss + 2 * 4.140625 + 0.3 * 0.75 + 1 * (0.0625 + 0.25), 1e-5,
          'its loss is the total')
nn.seed(5)
local lstm = nn.Sequential{nn.LSTM(3, {input_shape = {4, 2}, kernel_regularizer = nn.regularizers.l2(0.3),
                                       recurrent_regularizer = nn.regularizers.l2(0.2),
                                       bias_regularizer = nn.regularizers.l2(0.1)}),
                           nn.Dense(2)}
lstm:compile{optimizer = 'sgd', loss = 'mse'}
r = nn.gradcheck(lstm, nn.randn(3, 4, 2), nn.randn(3, 2))
t.ok(r.ok, 'gradcheck passes on a regularized LSTM', tostring(r))

-- ---- bad arguments ----
t.raises(function() nn.regularizers.l2(-1) end,
         'nn.regularizers.l2: l2 must be a finite number >= 0, got -1', 'a negative factor')
t.raises(function() nn.regularizers.l1(0 / 0) end, 'l1 must be a finite number >= 0', 'a NaN factor')
t.raises(function() nn.regularizers.l2('big') end, 'should be a number', 'a string factor')
t.raises(function() nn.Dense(2, {kernel_regularizer = 'l3'}) end,
         "Dense: kernel_regularizer: unknown regularizer 'l3' (expected 'l1', 'l2', 'l1_l2'",
         'an unknown string')
t.raises(function() nn.Dense(2, {kernel_regularizer = {l2 = -0.5}}) end,
         'Dense: kernel_regularizer: l2 must be a finite number >= 0, got -0.5',
         'a hand-written table with a negative factor')
t.raises(function() nn.Dense(2, {bias_regularizer = 3}) end,
         'Dense: bias_regularizer: expected a regularizer such as nn.regularizers.l2(0.01)',
         'a number instead of a regularizer')
t.raises(function() nn.Dropout(0.5, {kernel_regularizer = 'l2'}) end,
         "Dropout: unknown option 'kernel_regularizer'", 'a kind without a kernel refuses it')
t.raises(function() nn.Dense(2, {recurrent_regularizer = 'l2'}) end,
         "Dense: unknown option 'recurrent_regularizer'", 'Dense has no recurrent kernel')

t.done_testing()
