-- compile.lua: what compile does to a model, and what it takes.
--  * A layer's weights exist from the moment it is added (Keras: from
--    build) and compile never replaces them: a reference taken before
--    compile is the tensor predict reads and training updates.
--  * The optimizers take Keras 3's options and no others; every setting is
--    checked where the optimizer is made. RMSprop's momentum and centered
--    are implemented (Keras 3: epsilon inside the square root).
local t = require 'tap'

-- ---- weights taken before compile stay the model's weights ----

nn.seed(11)
local m = nn.Sequential{nn.Dense(2, {input_shape = {3}}), nn.Dense(1)}
local k1 = m.layers[1].kernel   -- (3, 2), taken before compile
local k2 = m.layers[2].kernel   -- (2, 1)
local g1 = m.layers[1].grad.kernel  -- its gradient, (3, 2)
local x = nn.tensor{{1, 2, 3}}
m:compile{optimizer = nn.optimizers.SGD{learning_rate = 0.1}, loss = 'mse'}
k1:fill(0)
-- x 0 + b1 = 0 (biases start at zero), so the output is b2 = 0
t.is(m:predict(x)[1][1], 0, 'k1:fill(0) after compile, on a kernel taken before it, changes predict')
t.is(m.layers[1].kernel[2][1], 0, 'and m.layers[1].kernel shows it')

m:compile{optimizer = nn.optimizers.SGD{learning_rate = 0.1}, loss = 'mse'}  -- again
k1:fill(1)
local w = {k2[1][1], k2[2][1]}
local out = 6 * (w[1] + w[2])  -- hidden = (1 + 2 + 3) for both units
t.is_near(m:predict(x)[1][1], out, 1e-5, 'a second compile keeps it too: predict is 6 (k2[1] + k2[2])')

-- one SGD step on the MSE loss (out - 0)^2: dL/dout = 2 out, so
-- dL/dk1[i][j] = 2 out k2[j] x[i] and dL/dk2[j] = 2 out * 6
m:train_on_batch(x, nn.tensor{{0}})
local worst = 0
for i = 1, 3 do
  for j = 1, 2 do
    local expected = 1 - 0.1 * 2 * out * w[j] * x[1][i]
    worst = math.max(worst, math.abs(k1[i][j] - expected) / math.max(1, math.abs(expected)))
  end
end
t.ok(worst < 1e-5, 'training updates the tensor taken before compile: k1 = 1 - lr 2 out k2[j] x[i] (worst relative error ' .. worst .. ')')
worst = 0
for i = 1, 3 do
  for j = 1, 2 do
    local expected = 2 * out * w[j] * x[1][i]
    worst = math.max(worst, math.abs(g1[i][j] - expected) / math.max(1, math.abs(expected)))
  end
end
t.ok(worst < 1e-5, 'and its gradient, taken before compile, holds dL/dk1 = 2 out k2[j] x[i] (worst relative error ' .. worst .. ')')
t.is_near({k2[1][1], k2[2][1]}, {w[1] - 0.1 * 2 * out * 6, w[2] - 0.1 * 2 * out * 6}, 1e-4,
          'and the second layer\'s kernel, taken before compile: k2[j] - lr 2 out 6')

-- a reference taken before fit sees what fit trained
local bias = m.layers[1].bias
local before = bias:clone()
m:fit(nn.rand(16, 3), nn.rand(16, 1), {epochs = 2, batch_size = 4, verbose = 0})
t.is((bias - m.layers[1].bias):abs():max(), 0, 'a bias taken before fit is the trained bias')
t.ok((bias - before):abs():max() > 0, 'and fit changed it')

-- ---- the optimizers' options ----

t.raises(function() nn.optimizers.Adam{momentum = 0.9} end,
         "Adam: unknown option 'momentum' %(expected one of: learning_rate, beta_1, beta_2, epsilon, clipnorm, clipvalue, global_clipnorm%)",
         'Adam has no momentum: an error that lists the options it has')
t.raises(function() nn.optimizers.SGD{epsilon = 1e-3} end,
         "SGD: unknown option 'epsilon' %(expected one of: learning_rate, momentum, nesterov, clipnorm, clipvalue, global_clipnorm%)",
         'SGD has no epsilon')
t.raises(function() nn.optimizers.RMSprop{nesterov = true} end,
         "RMSprop: unknown option 'nesterov' %(expected one of: learning_rate, rho, momentum, epsilon, centered, clipnorm, clipvalue, global_clipnorm%)",
         'RMSprop has no nesterov')
t.raises(function() m:compile{optimizer = {name = 'adam', momentum = 0.9}, loss = 'mse'} end,
         "Adam: unknown option 'momentum'", 'compile checks a settings table made by hand the same way')
t.raises(function() nn.optimizers.RMSprop{momentum = 1.5} end, 'RMSprop: momentum must be in %[0, 1%), got 1.5', 'momentum out of range')
t.raises(function() nn.optimizers.SGD{momentum = -0.5} end, 'SGD: momentum must be in %[0, 1%), got %-0.5', 'negative momentum')
t.raises(function() nn.optimizers.SGD{learning_rate = -1} end, 'SGD: learning_rate must be a positive finite number, got %-1', 'negative learning rate')
t.raises(function() nn.optimizers.Adam{learning_rate = 1 / 0} end, 'Adam: learning_rate must be a positive finite number, got inf', 'infinite learning rate')
t.raises(function() nn.optimizers.Adam{epsilon = 0 / 0} end, 'Adam: epsilon must be a finite number >= 0 %(1e%-7 by default%), got %-?nan', 'NaN epsilon')
t.raises(function() nn.optimizers.Adam{beta_1 = 1} end, 'Adam: beta_1 must be in %[0, 1%), got 1', 'beta_1 of 1')
t.raises(function() nn.optimizers.Adam{beta_2 = -0.1} end, 'Adam: beta_2 must be in %[0, 1%), got %-0.1', 'negative beta_2')
t.raises(function() nn.optimizers.RMSprop{rho = 1} end, 'RMSprop: rho must be in %[0, 1%), got 1', 'rho of 1')
t.raises(function() nn.optimizers.SGD{clipnorm = -1} end, 'SGD: clipnorm must be a finite number >= 0 %(0: no clipping%), got %-1', 'negative clipnorm')
t.raises(function() nn.optimizers.SGD{clipnorm = 1, clipvalue = 0.5} end,
         'SGD: only one of clipnorm, clipvalue and global_clipnorm can be set %(as in Keras%)', 'one kind of clipping at a time, as Keras')
t.raises(function() nn.optimizers.RMSprop{centered = 1} end, 'RMSprop: .*centered', 'centered is a boolean')
t.ok(pcall(nn.optimizers.RMSprop, {momentum = 0.9, centered = true, global_clipnorm = 1}), 'RMSprop takes momentum, centered, global_clipnorm')

-- RMSprop's momentum and centered are used. One weight w = 0.5, x = 1,
-- y = 0, loss (w x - y)^2, so g = 2 w; Keras 3's rule written out in
-- float64 (keras/src/optimizers/rmsprop.py):
--   v = rho v + (1 - rho) g^2;  a = rho a + (1 - rho) g   (centered)
--   increment = lr g / sqrt(v (- a^2) + eps)
--   mom = momentum mom + increment; w = w - mom           (momentum > 0)
local function keras_rmsprop(steps, lr, momentum, centered)
  local rho, eps, wt, v, a, mom = 0.9, 1e-7, 0.5, 0, 0, 0
  for _ = 1, steps do
    local g = 2 * wt
    v = rho * v + (1 - rho) * g * g
    local denominator = v + eps
    if centered then
      a = rho * a + (1 - rho) * g
      denominator = v - a * a + eps
    end
    local increment = lr * g / math.sqrt(denominator)
    if momentum > 0 then
      mom = momentum * mom + increment
      wt = wt - mom
    else
      wt = wt - increment
    end
  end
  return wt
end

local function one_weight(optimizer, steps)
  local u = nn.Sequential{nn.Dense(1, {use_bias = false, input_shape = {1}})}
  u.layers[1].kernel[1][1] = 0.5
  u:compile{optimizer = optimizer, loss = 'mse'}
  for _ = 1, steps do u:train_on_batch(nn.tensor{{1}}, nn.tensor{{0}}) end
  return u.layers[1].kernel[1][1]
end

local plain = one_weight(nn.optimizers.RMSprop{learning_rate = 0.01}, 3)
local with_momentum = one_weight(nn.optimizers.RMSprop{learning_rate = 0.01, momentum = 0.9}, 3)
local centered = one_weight(nn.optimizers.RMSprop{learning_rate = 0.01, centered = true}, 3)
local both = one_weight(nn.optimizers.RMSprop{learning_rate = 0.01, momentum = 0.9, centered = true}, 3)
t.is_near(plain, keras_rmsprop(3, 0.01, 0, false), 1e-6, 'RMSprop: three steps as Keras 3')
t.is_near(with_momentum, keras_rmsprop(3, 0.01, 0.9, false), 1e-6, 'RMSprop{momentum = 0.9}: as Keras 3')
t.is_near(centered, keras_rmsprop(3, 0.01, 0, true), 1e-6, 'RMSprop{centered = true}: as Keras 3')
t.is_near(both, keras_rmsprop(3, 0.01, 0.9, true), 1e-6, 'RMSprop{momentum = 0.9, centered = true}: as Keras 3')
t.ok(math.abs(with_momentum - plain) > 0.01, 'momentum is not ignored: ' .. with_momentum .. ' vs ' .. plain)

-- saved and loaded, RMSprop keeps momentum and centered and trains on the same
local r = nn.Sequential{nn.Dense(2, {activation = 'tanh', input_shape = {3}}), nn.Dense(1)}
r:compile{optimizer = nn.optimizers.RMSprop{learning_rate = 0.01, momentum = 0.5, centered = true}, loss = 'mse'}
local xr, yr = nn.rand(8, 3), nn.rand(8, 1)
r:train_on_batch(xr, yr)
local path = os.tmpname()
r:save(path)
local loaded = nn.load(path)
os.remove(path)
r:train_on_batch(xr, yr)
loaded:train_on_batch(xr, yr)
t.is((loaded:predict(xr) - r:predict(xr)):abs():max(), 0, 'a loaded RMSprop with momentum and centered trains on bitwise the same')

t.done_testing()
