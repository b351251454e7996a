-- weights.lua: Keras's weight API, layer:get_weights() / set_weights(list)
-- and model:get_weights() / set_weights(list): Keras's order and layouts
-- (checked by predicting with set weights against the formulas written out
-- here), copies out, copies in, and errors that name the layer and position.
local t = require 'tap'

local function sigmoid(z) return 1 / (1 + math.exp(-z)) end
local function shapes(list)
  local out = {}
  for i, w in ipairs(list) do out[i] = w.shape end
  return out
end

-- ---- Keras's order and shapes, per kind ----
nn.seed(1)
local m = nn.Sequential{
  nn.Conv2D(4, 3, {input_shape = {5, 5, 2}}), nn.Flatten(), nn.Dense(6),
}
t.is(shapes(m.layers[1]:get_weights()), {{3, 3, 2, 4}, {4}}, 'Conv2D: kernel (kh, kw, channels, filters), bias')
t.is(shapes(m.layers[3]:get_weights()), {{36, 6}, {6}}, 'Dense: kernel (in, units), bias')
t.is(#m.layers[2]:get_weights(), 0, 'Flatten has no weights')
t.is(shapes(m:get_weights()), {{3, 3, 2, 4}, {4}, {36, 6}, {6}}, 'model: every layer\'s, in layer order')
local r = nn.Sequential{nn.LSTM(3, {input_shape = {4, 2}, return_sequences = true}), nn.GRU(5), nn.Dense(1)}
t.is(shapes(r.layers[1]:get_weights()), {{2, 12}, {3, 12}, {12}}, 'LSTM: kernel (in, 4*units), recurrent_kernel, bias')
t.is(shapes(r.layers[2]:get_weights()), {{3, 15}, {5, 15}, {2, 15}}, 'GRU: kernel, recurrent_kernel, bias (2, 3*units) (reset_after)')
local s = nn.Sequential{nn.SimpleRNN(2, {input_shape = {3, 1}})}
t.is(shapes(s:get_weights()), {{1, 2}, {2, 2}, {2}}, 'SimpleRNN: kernel, recurrent_kernel, bias')

-- ---- copies out, values in ----
local d = nn.Sequential{nn.Dense(2, {input_shape = {3}})}
local kernel_ref = d.layers[1].kernel
local w = d:get_weights()
local before = kernel_ref:clone()
w[1]:fill(7)
t.is((d.layers[1].kernel - before):abs():max(), 0, 'get_weights returns copies: changing one leaves the model alone')
d:set_weights{nn.tensor{{1, 2}, {3, 4}, {5, 6}}, {0.5, -1}}
t.is(d.layers[1].kernel:totable(), {{1, 2}, {3, 4}, {5, 6}}, 'set_weights sets the kernel')
t.is(kernel_ref:totable(), {{1, 2}, {3, 4}, {5, 6}}, 'into the layer\'s own tensor: an earlier reference sees it')
local again = d:get_weights()
t.is({again[1]:totable(), again[2]:totable()}, {{{1, 2}, {3, 4}, {5, 6}}, {0.5, -1}}, 'round trip')
-- predict: x . kernel + bias, by hand
local out = d:predict(nn.tensor{{1, 0, -1}, {2, 1, 0.5}}):totable()
t.is_near(out, {{1 - 5 + 0.5, 2 - 6 - 1}, {2 + 3 + 2.5 + 0.5, 4 + 4 + 3 - 1}}, 1e-6,
          'Dense predict after set_weights: x . kernel + bias')

-- Conv2D: out[i][j] = sum over a, b of kernel[a][b] * x[i + a][j + b] + bias
local c = nn.Sequential{nn.Conv2D(1, 2, {input_shape = {3, 3, 1}})}
c.layers[1]:set_weights{nn.tensor{{{{1}}, {{2}}}, {{{3}}, {{4}}}}, nn.tensor{0.5}}
local img = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}
local x = nn.zeros(1, 3, 3, 1)
for i = 1, 3 do for j = 1, 3 do x[1][i][j][1] = img[i][j] end end
local conv = c:predict(x)
local expect, got = {}, {}
for i = 1, 2 do
  for j = 1, 2 do
    expect[#expect + 1] = 1 * img[i][j] + 2 * img[i][j + 1] + 3 * img[i + 1][j] + 4 * img[i + 1][j + 1] + 0.5
    got[#got + 1] = conv[1][i][j][1]
  end
end
t.is_near(got, expect, 1e-5, 'Conv2D predict after set_weights: kernel (kh, kw, channels, filters)')

-- LSTM, 1 unit: Keras's gate order i, f, c, o in each weight
local lstm = nn.Sequential{nn.LSTM(1, {input_shape = {2, 1}})}
local K, U, B = {0.5, -0.3, 0.8, 0.2}, {0.1, 0.4, -0.6, 0.7}, {0.05, 1, -0.1, 0.3}
lstm:set_weights{nn.tensor{K}, nn.tensor{U}, nn.tensor(B)}
local h, cell = 0, 0
for _, xt in ipairs({0.9, -0.4}) do
  local function z(g) return xt * K[g] + h * U[g] + B[g] end
  local i, f, g, o = sigmoid(z(1)), sigmoid(z(2)), math.tanh(z(3)), sigmoid(z(4))
  cell = f * cell + i * g
  h = o * math.tanh(cell)
end
t.is_near(lstm:predict(nn.tensor{{{0.9}, {-0.4}}})[1][1], h, 1e-6, 'LSTM predict after set_weights: gates i, f, c, o')

-- GRU, 1 unit, reset_after: z, r, h blocks; bias row 1 input, row 2 recurrent
local gru = nn.Sequential{nn.GRU(1, {input_shape = {2, 1}})}
local GK, GU, GB = {0.3, -0.5, 0.9}, {0.2, 0.6, -0.4}, {{0.1, -0.2, 0.05}, {0.3, 0.15, -0.25}}
gru:set_weights{nn.tensor{GK}, nn.tensor{GU}, nn.tensor(GB)}
h = 0
for _, xt in ipairs({0.7, -1.2}) do
  local zg = sigmoid(xt * GK[1] + GB[1][1] + h * GU[1] + GB[2][1])
  local rg = sigmoid(xt * GK[2] + GB[1][2] + h * GU[2] + GB[2][2])
  local hh = math.tanh(xt * GK[3] + GB[1][3] + rg * (h * GU[3] + GB[2][3]))
  h = zg * h + (1 - zg) * hh
end
t.is_near(gru:predict(nn.tensor{{{0.7}, {-1.2}}})[1][1], h, 1e-6, 'GRU predict after set_weights: z, r, h; reset_after')

-- ---- errors ----
local e = nn.Sequential{nn.Dense(4, {input_shape = {3}}), nn.Dense(10)}
local good = e:get_weights()
t.raises(function() e:set_weights{good[1], good[2], good[3]} end,
  'set_weights: the model has 4 weights', 'model: a list of the wrong length')
local first_before = e.layers[1].kernel:clone()
good[1]:fill(3)
t.raises(function() e:set_weights{good[1], good[2], good[3], nn.zeros(9)} end,
  'set_weights: dense_2 weight 2 (bias) should have shape (10,), got (9,)', 'a shape error names the layer and the position')
t.is((e.layers[1].kernel - first_before):abs():max(), 0, 'nothing changes when a later weight is wrong')
t.raises(function() e.layers[2]:set_weights{good[3]} end,
  'set_weights: dense_2 has 2 weights (kernel, bias), got a list of 1', 'layer: a list of the wrong length')
t.raises(function() e.layers[2]:set_weights{good[3], 'x'} end,
  'dense_2 weight 2 (bias) should be a tensor of shape (10,), got string', 'not a tensor')
t.raises(function() e.layers[1]:set_weights{nn.zeros(4, 3), nn.zeros(4)} end,
  'dense_1 weight 1 (kernel) should have shape (3, 4), got (4, 3)', 'a transposed kernel')
t.raises(function() nn.Dense(3):set_weights{nn.zeros(2, 3)} end,
  'this Dense layer is not built yet', 'an unbuilt layer has no weights yet')
e.layers[2]:set_weights{good[3], {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}
t.is(e.layers[2].bias[10], 10, 'a table of numbers is accepted as a weight')

-- layer.bias = v replaces nothing; the message shows an element assignment
-- with one index per axis of that weight (a 1-D bias: bias[1], lesson 3)
local d1 = nn.Sequential{nn.Dense(1, {input_shape = {2}})}.layers[1]
local says = t.raises(function() d1.bias = 0.5 end, 'cannot be replaced', 'a bias cannot be replaced')
t.ok(says and says:find('.bias[1] = 0.5', 1, true) and not says:find('bias[1][1]', 1, true),
     'the message for a 1-D bias shows bias[1] = 0.5, not bias[1][1]')
says = t.raises(function() d1.kernel = 0.5 end, 'cannot be replaced', 'a kernel cannot be replaced')
t.ok(says and says:find('.kernel[1][1] = 0.5', 1, true), 'the message for a 2-D kernel shows kernel[1][1]')
t.done_testing()
