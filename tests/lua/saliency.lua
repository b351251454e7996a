-- saliency.lua: "why this prediction" (issue 17, item 8): the saliency
-- view and nn.viz.saliency, on a model whose gradient is known in closed
-- form, then on a CNN against central differences.
--
-- What is drawn: |dL/dx| with L = -log p_c, the cross-entropy with the
-- explained class c (the predicted one unless asked) as the target
-- (core/train/saliency.h).
local t = require 'tap'

local real_print = print
print = function() end  -- the debugger talks

local function lines(text)
  local out = {}
  for line in text:gmatch('([^\n]*)\n') do out[#out + 1] = line end
  return out
end

-- ---- a linear softmax classifier: dL/dx in closed form ----

-- p = softmax(x W + b) over 3 classes for a 3 x 4 image (flattened row by
-- row, 12 values). With L = -log p_c, dL/dz_k = p_k - [k = c], so
--   dL/dx_i = sum_k (p_k - [k = c]) W[i][k]
-- the kernel's rows weighed by (p - onehot(c)).
local H, W, K = 3, 4, 3
local kernel, bias = {}, {0.1, -0.2, 0.05}
for i = 1, H * W do
  kernel[i] = {math.sin(i) * 0.8, math.cos(2 * i) * 0.6, ((i % 5) - 2) * 0.3}
end
local image = {}
for r = 1, H do
  image[r] = {}
  for c = 1, W do image[r][c] = ((r * 7 + c * 3) % 10) / 10 end
end

local function linear_model()
  local m = nn.Sequential{nn.Flatten{input_shape = {H, W, 1}},
                          nn.Dense(K, {activation = 'softmax'})}
  m:compile{optimizer = 'sgd', loss = 'categorical_crossentropy'}
  for i = 1, H * W do for k = 1, K do m.layers[2].kernel[i][k] = kernel[i][k] end end
  for k = 1, K do m.layers[2].bias[k] = bias[k] end
  return m
end

-- in Lua's doubles: the probabilities, and dL/dx as an H x W table
local function by_hand(class)
  local z, total = {}, 0
  for k = 1, K do
    z[k] = bias[k]
    for r = 1, H do for c = 1, W do z[k] = z[k] + image[r][c] * kernel[(r - 1) * W + c][k] end end
    total = total + math.exp(z[k])
  end
  local p, best = {}, 1
  for k = 1, K do p[k] = math.exp(z[k]) / total; if p[k] > p[best] then best = k end end
  class = class or best
  local grad = {}
  for r = 1, H do
    grad[r] = {}
    for c = 1, W do
      local g = 0
      for k = 1, K do g = g + (p[k] - (k == class and 1 or 0)) * kernel[(r - 1) * W + c][k] end
      grad[r][c] = g
    end
  end
  return grad, p, best
end

local m = linear_model()
local x = nn.zeros(2, H, W, 1)
for r = 1, H do for c = 1, W do x[2][r][c][1] = image[r][c] end end  -- example 2
local grad, p, best = by_hand()
t.ok(best ~= 1 or p[1] > 0.34, 'the hand computation picks a class')

local s = nn.viz.saliency(m, x, {example = 2})
t.is(s.predicted, best - 1, 'nn.viz.saliency: the predicted class (0-based, as labels)')
t.is(s.class, best - 1, 'it explains the predicted class by default')
t.is_near(s.probability, p[best], 1e-6, 'probability = p(predicted)')
t.is_near(s.loss, -math.log(p[best]), 1e-5, 'loss = -log p(predicted)')
local got = s.gradient:totable()  -- (3, 4, 1)
local flat_got, flat_want = {}, {}
for r = 1, H do for c = 1, W do
  flat_got[#flat_got + 1] = got[r][c][1]
  flat_want[#flat_want + 1] = grad[r][c]
end end
t.is_near(flat_got, flat_want, 1e-6, 'dL/dx = sum_k (p_k - [k = c]) W[i][k], by hand')

local other = best % K + 1
local grad_other = by_hand(other)
local so = nn.viz.saliency(m, x[2], {class = other - 1})  -- one example, not a batch
local got_other = so.gradient:totable()
t.is_near(got_other[2][3][1], grad_other[2][3], 1e-6, 'class = k explains class k')
t.is(so.class, other - 1, 'and says which class it explained')

-- x given as a strided view (every other row of a larger tensor) or as
-- one example: the same numbers
local wide = nn.zeros(4, H, W, 1)
for r = 1, H do for c = 1, W do wide[4][r][c][1] = image[r][c] end end
local sv = nn.viz.saliency(m, wide:narrow(1, 3, 2), {example = 2})
t.is_near(sv.gradient:totable()[2][3][1], grad[2][3], 1e-6, 'x as a narrowed view: the same dL/dx')
local one = nn.viz.snapshot('saliency', {model = m, x = x[2], width = 80, height = 24})
t.like(one, 'why example #1 was called ' .. (best - 1), 'x as one example (no batch axis)')

-- ---- the picture: shades of |dL/dx| and the largest values ----

-- Without colours a heatmap cell is a shade of its value on 0..largest:
-- ' ' '░' '▒' '▓' '█' for 0, 1/4, 1/2, 3/4, 1 (rounded). At 80 x 24 the
-- 3 x 4 maps are drawn x4: each value is 4 columns wide and 2 rows tall.
local shades = {' ', '░', '▒', '▓', '█'}
local largest = 0
for r = 1, H do for c = 1, W do largest = math.max(largest, math.abs(grad[r][c])) end end
local snap = nn.viz.snapshot('saliency', {model = m, x = x, example = 2, width = 80,
                                          height = 24, frame = false})
local L = lines(snap)
t.like(L[1], '^why example #2 was called ' .. (best - 1) .. ' %(p%(' .. (best - 1) .. '%) ',
       'the title: which example, what it was called, with what probability')
t.like(L[2], 'L = %-log p%(' .. (best - 1) .. '%): cross%-entropy with class ' .. (best - 1) ..
       ' as target', 'the title line says what is drawn')
-- with class names (as m.class_names = train.class_names), the classes are
-- named as in the predictions and feature-maps views, not numbered
local names = {'cat', 'dog', 'bird'}
local named = lines(nn.viz.snapshot('saliency', {model = m, x = x, example = 2, width = 80,
                                                 height = 24, frame = false,
                                                 class_names = names}))
t.like(named[1], '^why example #2 was called ' .. names[best] .. ' %(p%(' .. names[best] .. '%) ',
       'class names: the title names what the example was called', named[1])
t.like(named[2], 'L = %-log p%(' .. names[best] .. '%): cross%-entropy with class ' .. names[best] ..
       ' as target', 'class names: the line under the title too', named[2])
t.like(named[#named], 'bright moves p%(' .. names[best] .. '%) most', 'class names: the key too',
       named[#named])
-- long names at 80 columns: the short forms, never a cut word
local long = {'Long name zero', 'Long name one', 'Long name two'}
m:evaluate(x, nn.utils.to_categorical(nn.tensor{0, best - 1}, 3))  -- the batch, with its labels
local at80 = lines(nn.viz.snapshot('saliency', {model = m, example = 2, width = 80, height = 24,
                                                frame = false, class_names = long}))
t.is(at80[2], 'saliency = |dL/dx|, L = -log p(' .. long[best] .. '), the cross-entropy',
     'long names: the line under the title in its short form', at80[2])
t.like(at80[#at80], 'bright moves p%(' .. long[best] .. '%) most  w feature maps$',
       'long names: the key without [ ] example', at80[#at80])
t.like(at80[1], '^why example #2 was called ' .. long[best] .. ' %(p 0%.%d%d%d%d; true class ' ..
       long[best] .. '%)$', 'long names: the title says p, not p(name) again, and ends whole', at80[1])
t.ok(utf8.len(at80[1]) <= 80, 'long names: the title fits 80 columns', at80[1])
local label_row, col
for i, line in ipairs(L) do
  local at = line:find('saliency 0', 1, true)
  if at then label_row, col = i, utf8.len(line:sub(1, at - 1)) + 1 end
end
t.ok(label_row ~= nil, 'the saliency map has its label')
local pattern_ok, bad = true, ''
for r = 1, H do
  local line = L[label_row + 1 + (r - 1) * 2] or ''
  local chars = {}
  for _, code in utf8.codes(line) do chars[#chars + 1] = utf8.char(code) end
  for c = 1, W do
    local want = shades[math.floor(math.abs(grad[r][c]) / largest * 4 + 0.5) + 1]
    local have = chars[col + (c - 1) * 4] or ' '
    if have ~= want then pattern_ok, bad = false, bad .. string.format(' (%d,%d) %s/%s', r, c, have, want) end
  end
end
t.ok(pattern_ok, 'each cell of the map is the shade of |dL/dx| on 0..largest', bad)

-- "largest:  (r,c) v ..." lists the four largest |dL/dx|, largest first
local order = {}
for r = 1, H do for c = 1, W do order[#order + 1] = {r, c, math.abs(grad[r][c])} end end
table.sort(order, function(a, b) return a[3] > b[3] end)
local listed = {}
for _, line in ipairs(L) do
  if line:find('^largest:') then
    for r, c, v in line:gmatch('%((%d+),(%d+)%) (%S+)') do
      listed[#listed + 1] = {tonumber(r), tonumber(c), tonumber(v)}
    end
  end
end
t.is(#listed, 4, 'four positions listed')
local list_ok = #listed == 4
for i = 1, math.min(#listed, 4) do
  list_ok = list_ok and listed[i][1] == order[i][1] and listed[i][2] == order[i][2] and
            math.abs(listed[i][3] - order[i][3]) <= 0.005 * order[i][3] + 1e-9
end
t.ok(list_ok, 'the positions (row, col) and values of the four largest |dL/dx|')

-- ---- a CNN: central differences, and the model left as it was ----

-- L(x) = -log p_c(x) from predict; (L(x + e) - L(x - e)) / 2e for a few
-- pixels, e = 1e-2 (float32 rounding is about 1e-7 / 1e-2 = 1e-5)
nn.seed(5)
local cnn = nn.Sequential{nn.Conv2D(2, 3, {activation = 'tanh', input_shape = {5, 5, 1}}),
                          nn.Flatten(), nn.Dense(3, {activation = 'softmax'})}
cnn:compile{optimizer = 'sgd', loss = 'categorical_crossentropy'}
local cx = nn.rand(1, 5, 5, 1)
local cs = nn.viz.saliency(cnn, cx)
local cg = cs.gradient:totable()
local function loss_at(img)
  return -math.log(cnn:predict(img)[1][cs.class + 1])
end
local worst = 0
for _, rc in ipairs{{1, 1}, {2, 3}, {3, 3}, {5, 4}, {4, 2}} do
  local plus, minus = cx:clone(), cx:clone()
  plus[1][rc[1]][rc[2]][1] = cx[1][rc[1]][rc[2]][1] + 1e-2
  minus[1][rc[1]][rc[2]][1] = cx[1][rc[1]][rc[2]][1] - 1e-2
  local numeric = (loss_at(plus) - loss_at(minus)) / 2e-2
  worst = math.max(worst, math.abs(numeric - cg[rc[1]][rc[2]][1]))
end
t.ok(worst < 2e-4, 'CNN: dL/dx agrees with central differences of -log p_c', worst)

-- the debugger in the middle of a batch: the saliency view must not move it
local dx, dy = nn.rand(3, 5, 5, 1), nn.tensor{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
local d = nn.debug(cnn, dx, dy)
d:step(2)
local where = d.stepper:where()
local out_before = cnn.layers[1].output:totable()
local view = nn.viz.snapshot('saliency', {model = cnn, example = 3, width = 80, height = 24})
t.like(view, 'why example #3 was called', 'the saliency view explains example 3 of the batch')
t.is(d.stepper:where(), where, 'the stepper is where it was')
t.is(cnn.layers[1].output:totable(), out_before, 'the layer outputs are as they were')
d:finish()

-- the predictions view shows the selected example's number in reverse
-- video (ESC [7m in the ANSI snapshot), and only that one
cnn:evaluate(dx, dy)
local ansi = nn.viz.snapshot('predictions', {model = cnn, example = 2, width = 100, height = 30,
                                             ansi = true})
local reversed = {}
for text in ansi:gmatch('%[[0-9;]*7[0-9;]*m([^' .. string.char(27) .. ']*)') do
  if text:find('#') then reversed[#reversed + 1] = text end
end
t.is(reversed, {'#2'}, 'the selected example, #2, and only it, is in reverse video')

-- ---- errors ----

local reg = nn.Sequential{nn.Dense(1, {input_shape = {3}})}
reg:compile{optimizer = 'sgd', loss = 'mse'}
t.raises(function() nn.viz.saliency(reg, nn.zeros(3)) end,
         'saliency: the model is not a classifier', 'a regression model: a clear error')
t.like(nn.viz.snapshot('saliency', {model = reg, x = nn.zeros(3)}), 'not a classifier',
       'and the view says so')
t.raises(function() nn.viz.saliency(m, nn.zeros(4, 4)) end,
         "option x should be examples of the model's input %(3, 4, 1%)",
         'x of the wrong shape names both shapes')
t.raises(function() nn.viz.saliency(m, x, {class = 3}) end,
         'class 3 is out of range %(the model has 3 classes, 0 to 2%)', 'a class out of range')
t.raises(function() nn.viz.saliency(m, x, {example = 3}) end,
         'example 3 is out of range', 'an example out of range')

print = real_print
t.done_testing()
