-- batch_norm.lua: BatchNormalization in the program: Keras's constructor
-- and errors, its weights (order, trainable or not, summary's counts), the
-- two modes (which calls train and which do not, checked against the
-- formulas in Lua doubles), and its moving statistics through :back, a
-- snapshot, save and load (bit for bit).
local t = require 'tap'

local function max_diff(a, b) return (a - b):abs():max() end

-- ---- the constructor: Keras's keywords and defaults, clear errors ----
local bn = nn.BatchNormalization()
t.is(bn.class, 'BatchNormalization', 'nn.BatchNormalization()')
t.like(tostring(nn.BatchNormalization{momentum = 0.9, center = false}),
       'BatchNormalization%(momentum=0.9, epsilon=0.001, center=false%)', 'its settings, described')
t.raises(function() nn.BatchNormalization{momentum = 1.5} end,
         'BatchNormalization: momentum must be in %[0, 1%].*got 1.5', 'momentum above 1')
t.raises(function() nn.BatchNormalization{momentum = -0.1} end,
         'momentum must be in %[0, 1%]', 'momentum below 0')
t.raises(function() nn.BatchNormalization{epsilon = 0} end,
         'BatchNormalization: epsilon must be a positive number.*got 0', 'epsilon 0')
t.raises(function() nn.BatchNormalization{epsilon = -1} end, 'epsilon must be a positive',
         'epsilon below 0')
t.raises(function() nn.BatchNormalization{momentum = 'fast'} end,
         'BatchNormalization: momentum should be a number, got string', 'momentum not a number')
t.raises(function() nn.BatchNormalization{axis = 1} end,
         "unknown option 'axis' %(expected one of: momentum, epsilon, center, scale", 'axis is not taken')

-- ---- weights: Keras's order; 4*C params, 2*C trainable ----
nn.seed(3)
local m = nn.Sequential{
  nn.Dense(3, {input_shape = {4}}),
  nn.BatchNormalization{momentum = 0.5, epsilon = 0.01},
  nn.Dense(2),
}
m:compile{optimizer = nn.optimizers.SGD{learning_rate = 0.1}, loss = 'mse'}
local b = m.layers[2]
local names = {}
for i, w in ipairs(b:get_weights()) do names[i] = w.shape end
t.is(names, {{3}, {3}, {3}, {3}}, 'get_weights: four (C) tensors')
t.is(b.gamma:totable(), {1, 1, 1}, 'gamma starts at ones')
t.is(b.beta:totable(), {0, 0, 0}, 'beta at zeros')
t.is(b.moving_mean:totable(), {0, 0, 0}, 'moving_mean at zeros')
t.is(b.moving_variance:totable(), {1, 1, 1}, 'moving_variance at ones')
local w = b:get_weights()
t.is({w[1]:totable(), w[3]:totable()}, {b.gamma:totable(), b.moving_mean:totable()},
     "Keras's order: gamma, beta, moving_mean, moving_variance")
-- (summary's lines and counts: tests/test_grad_batch_norm.c)
t.is(b:count_params(), 4 * 3, 'count_params: 4 * C (gamma, beta, moving_mean, moving_variance)')
t.is(m:count_params(), (4 * 3 + 3) + 4 * 3 + (3 * 2 + 2), 'the model counts them all')
t.is(#nn.BatchNormalization{center = false, scale = false, input_shape = {3}}:get_weights(), 0,
     'an unbuilt layer has no weights yet')
local bare = nn.Sequential{nn.BatchNormalization{center = false, scale = false, input_shape = {3}}}
t.is(bare:count_params(), 6, 'center = false, scale = false: only the moving statistics')
local only_gamma = nn.Sequential{nn.BatchNormalization{center = false, input_shape = {3}}}
t.ok(only_gamma.layers[1].gamma and not only_gamma.layers[1].beta, 'center = false drops beta')

-- ---- the two modes, against the formulas in Lua doubles ----
local x = nn.tensor{{1, 2, 0, -1}, {0, 1, 3, 2}, {2, -1, 1, 0}, {1, 1, 1, 1}, {-2, 0, 1, 3}}
local y = nn.randn(5, 2)
b.gamma:copy(nn.tensor{1.5, 0.5, 2})
b.beta:copy(nn.tensor{0.1, -0.2, 0.3})

-- column c of a (rows, C) tensor as a Lua list
local function column(tensor, c)
  local out = {}
  for r = 1, tensor.shape[1] do out[r] = tensor[r][c] end
  return out
end
local function moments(v)
  local s = 0
  for _, a in ipairs(v) do s = s + a end
  local mean, sq = s / #v, 0
  for _, a in ipairs(v) do sq = sq + (a - mean) ^ 2 end
  return mean, sq / #v  -- the biased variance, as Keras
end

local mm0, mv0 = b.moving_mean:clone(), b.moving_variance:clone()
local p1 = m:predict(x)
t.is(max_diff(b.moving_mean, mm0) + max_diff(b.moving_variance, mv0), 0,
     'predict does not change the moving statistics')
m:evaluate(x, y)
t.is(max_diff(b.moving_mean, mm0) + max_diff(b.moving_variance, mv0), 0, 'nor does evaluate')

-- train_on_batch: normalized by the batch's statistics, moving ones updated
m:train_on_batch(x, y)
local h = m.layers[1].output     -- the Dense's output in that step, BN's input
local out = b.output
local ok_out, ok_stats = true, true
for c = 1, 3 do
  local v = column(h, c)
  local mean, var = moments(v)
  local gamma = ({1.5, 0.5, 2})[c]
  local beta = ({0.1, -0.2, 0.3})[c]
  for r = 1, 5 do
    local want = gamma * (v[r] - mean) / math.sqrt(var + 0.01) + beta
    if math.abs(out[r][c] - want) > 1e-5 then ok_out = false end
  end
  if math.abs(b.moving_mean[c] - (0 * 0.5 + mean * 0.5)) > 1e-6 then ok_stats = false end
  if math.abs(b.moving_variance[c] - (1 * 0.5 + var * 0.5)) > 1e-6 then ok_stats = false end
end
t.ok(ok_out, 'training: gamma * (x - batch mean) / sqrt(batch var + epsilon) + beta')
t.ok(ok_stats, 'train_on_batch: moving = moving * momentum + batch * (1 - momentum), biased variance')

-- inference: the moving statistics
local mm, mv = b.moving_mean:clone(), b.moving_variance:clone()
m:predict(x)
local hi = m.layers[1].output
local ok_inf = true
for c = 1, 3 do
  for r = 1, 5 do
    local want = b.gamma[c] * (hi[r][c] - mm[c]) / math.sqrt(mv[c] + 0.01) + b.beta[c]
    if math.abs(b.output[r][c] - want) > 1e-5 then ok_inf = false end
  end
end
t.ok(ok_inf, 'predict: gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta')
t.is(max_diff(b.moving_mean, mm), 0, 'and leaves the moving statistics alone')
t.ok(max_diff(p1, m:predict(x)) > 0, 'training moved what predict returns')

-- fit trains in training mode too
local before = b.moving_mean:clone()
m:fit(x, y, {epochs = 1, batch_size = 5, verbose = 0})
t.ok(max_diff(b.moving_mean, before) > 0, 'fit updates the moving statistics')

-- ---- :back, snapshot, save and load keep them exactly ----
nn.seed(4)
local function cnn()
  local c = nn.Sequential{
    nn.Conv2D(2, 3, {input_shape = {5, 5, 1}, use_bias = false}),
    nn.BatchNormalization{momentum = 0.8},
    nn.Flatten(), nn.Dense(2, {activation = 'softmax'}),
  }
  c:compile{optimizer = 'adam', loss = 'categorical_crossentropy'}
  return c
end
local cm = cnn()
local xi = nn.rand(4, 5, 5, 1)
local yi = nn.utils.to_categorical(nn.tensor{0, 1, 1, 0}, 2)
cm:train_on_batch(xi, yi)
local cb = cm.layers[2]
local saved_mean, saved_var = cb.moving_mean:clone(), cb.moving_variance:clone()
local real_print = print
print = function() end  -- the debugger shows where it is after each step
local d = nn.debug(cm, xi, yi)
d:step()  -- conv2d_1 forward
d:step()  -- batch_normalization_1 forward: the moving statistics move
t.ok(max_diff(cb.moving_mean, saved_mean) > 0, 'a forward step in the debugger trains (moves the statistics)')
d:back()
t.is(max_diff(cb.moving_mean, saved_mean), 0, ':back restores moving_mean bit for bit')
t.is(max_diff(cb.moving_variance, saved_var), 0, ':back restores moving_variance bit for bit')
d:finish()
local after_step = cb.moving_mean:clone()
d:back(d.stepper.position)
t.is(max_diff(cb.moving_mean, saved_mean), 0, 'back to the start of the batch: as before it')
d:finish()
t.is(max_diff(cb.moving_mean, after_step), 0, 'and replaying it gives the same statistics')
t.raises(function() d:explain('batch_normalization_1.gamma[1]') end,
         'explain: batch_normalization_1 %(BatchNormalization%): explain factors the gradients of '
         .. 'kernels and biases.*:print batch_normalization_1.grad.gamma shows the gradient',
         ':explain says why it cannot factor gamma\'s gradient, and where to look')
print = real_print

local path = os.tmpname()
cm:save(path)
local loaded = nn.load(path)
os.remove(path)
local lb = loaded.layers[2]
t.is(max_diff(lb.moving_mean, cb.moving_mean), 0, 'save and load keep moving_mean exactly')
t.is(max_diff(lb.moving_variance, cb.moving_variance), 0, 'and moving_variance')
t.is(max_diff(loaded:predict(xi), cm:predict(xi)), 0, 'a loaded model predicts the same')
t.is(tostring(lb), tostring(cb), 'the settings survive: ' .. tostring(lb))
loaded:train_on_batch(xi, yi)
cm:train_on_batch(xi, yi)
t.is(max_diff(lb.moving_variance, cb.moving_variance), 0,
     'and it trains on as the original does (momentum kept)')

-- center, scale and epsilon survive a file too
local flags = nn.Sequential{nn.BatchNormalization{input_shape = {3}, epsilon = 0.01, center = false, scale = false}}
flags:compile{optimizer = 'sgd', loss = 'mse'}
local fpath = os.tmpname()
flags:save(fpath)
local flags2 = nn.load(fpath)
os.remove(fpath)
t.is(tostring(flags2.layers[1]), tostring(flags.layers[1]), 'center, scale, epsilon survive: ' .. tostring(flags2.layers[1]))
t.is(flags2:count_params(), 6, 'and the loaded layer has no gamma or beta')

-- Gluon's net(x) is a training-mode forward pass, as Keras's model(x, training=True)
local net = nn.Sequential{nn.BatchNormalization{input_shape = {3}, momentum = 0.5}}
local xn = nn.tensor{{1, 2, 3}, {3, 2, 1}}
net(xn)
t.is_near(net.layers[1].moving_mean:totable(), {1, 1, 1}, 1e-6, 'net(x) trains: moving_mean = 0.5 * 0 + 0.5 * 2')

-- ---- after a recurrent layer's sequences (B, T, C) ----
nn.seed(5)
local r = nn.Sequential{
  nn.LSTM(3, {input_shape = {4, 2}, return_sequences = true}),
  nn.BatchNormalization(),
  nn.Dense(1),
}
r:compile{optimizer = 'sgd', loss = 'mse'}
r:train_on_batch(nn.randn(2, 4, 2), nn.randn(2, 4, 1))
t.is(r.layers[2].moving_mean.shape, {3}, 'after LSTM sequences: one statistic per unit')
local hs = r.layers[1].output   -- (2, 4, 3): statistics over 8 rows per unit
local v = {}
for i = 1, 2 do for s = 1, 4 do v[#v + 1] = hs[i][s][1] end end
local mean = moments(v)
t.is_near(r.layers[2].moving_mean[1], mean * 0.01, 1e-6, 'the mean over batch and timesteps')

-- ---- nn.gradcheck: the model in inference mode, the layer alone ----
local g = nn.gradcheck(cm, xi, yi)
t.ok(g.ok, 'nn.gradcheck on a model with BatchNormalization')
t.ok(nn.gradcheck(nn.BatchNormalization{input_shape = {3}}, nn.randn(4, 3)).ok, 'and on the layer alone')

t.done_testing()
