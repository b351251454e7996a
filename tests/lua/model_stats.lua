-- model_stats.lua: the model view's per-layer statistics (issue 17, item
-- 9) on a known batch: the mean and std of a layer's output, its dead ReLU
-- units, the norm of its weights and the size of the last update relative
-- to them, each computed here in Lua's doubles from the same numbers.
local t = require 'tap'

local real_print = print
print = function() end  -- the debugger talks

-- relu(x W + b) with 3 units; unit 2's weights and bias are negative and
-- every input positive, so it is 0 for every example: dead.
local W = {{0.5, -0.4, 0.3}, {-0.2, -0.6, 0.8}}
local b = {0.1, -0.1, -0.2}
local X = {{1.0, 0.5}, {0.2, 0.9}, {0.7, 0.1}, {0.4, 0.4}}
local Y = {{1, 0}, {0, 1}, {1, 0}, {0, 1}}
local W2 = {{0.3, -0.3}, {0.2, 0.1}, {-0.5, 0.4}}

local m = nn.Sequential{nn.Dense(3, {activation = 'relu', input_shape = {2}}),
                        nn.Dense(2, {activation = 'softmax'})}
m:compile{optimizer = 'sgd', loss = 'categorical_crossentropy'}
for i = 1, 2 do for j = 1, 3 do m.layers[1].kernel[i][j] = W[i][j] end end
for j = 1, 3 do m.layers[1].bias[j] = b[j] end
for i = 1, 3 do for j = 1, 2 do m.layers[2].kernel[i][j] = W2[i][j] end end

-- the layer's output on the batch, by hand
local out, sum, n = {}, 0, 0
for e = 1, 4 do
  out[e] = {}
  for j = 1, 3 do
    local z = b[j]
    for i = 1, 2 do z = z + X[e][i] * W[i][j] end
    out[e][j] = math.max(z, 0)
    sum, n = sum + out[e][j], n + 1
  end
end
local mean, squares = sum / n, 0
for e = 1, 4 do for j = 1, 3 do squares = squares + (out[e][j] - mean) ^ 2 end end
local std = math.sqrt(squares / n)
local dead = 0
for j = 1, 3 do
  local alive = false
  for e = 1, 4 do alive = alive or out[e][j] > 0 end
  if not alive then dead = dead + 1 end
end
t.is(dead, 1, 'by hand: one unit (2) is dead, zero for every example')
local norm2 = 0
for i = 1, 2 do for j = 1, 3 do norm2 = norm2 + W[i][j] ^ 2 end end
for j = 1, 3 do norm2 = norm2 + b[j] ^ 2 end

-- the statistics of a row: from column 83 on, "mean std dead |W| upd/|W|"
local function row_of(text, name)
  for line in text:gmatch('([^\n]*)\n') do
    if line:find('^.-%d+  ' .. name) then
      local fields = {}
      for word in line:sub(utf8.offset(line, 83) or -1):gmatch('%S+') do fields[#fields + 1] = word end
      return fields, line
    end
  end
end
-- A number as the view shows it ("0.215", "1.4e-03") is the true value
-- rounded to its last digit: within half a unit of that digit.
local function close(got, want)
  local v = tonumber(got)
  if not v then return false end
  local mantissa, exponent = got:match('^-?[%d]*%.?([%d]*)[eE]([-+]?%d+)$')
  local decimals = mantissa and #mantissa or #(got:match('%.(%d+)$') or '')
  local unit = 10 ^ ((exponent and tonumber(exponent) or 0) - decimals)
  return math.abs(v - want) <= unit / 2 + 1e-12
end

local d = nn.debug(m, nn.tensor(X), nn.tensor(Y))
d:step(1)  -- forward dense_1
local text = nn.viz.snapshot('model', {model = m, width = 160, height = 30})
local f = row_of(text, 'dense_1')
t.ok(f ~= nil, 'the model view has a row for dense_1')
t.like(text, 'step +mean +std +dead ReLU +|W| +upd/|W|', 'the columns are named')
f = f or {}
t.ok(close(f[1], mean), 'mean of the output over the batch', f[1], mean)
t.ok(close(f[2], std), 'std of the output (over all its values, divided by their count)', f[2], std)
t.is(f[3], '1/3', 'dead ReLU units: 1 of 3')
t.ok(close(f[4], math.sqrt(norm2)), '|W|: the norm of kernel and bias together', f[4], math.sqrt(norm2))
t.is(f[5], '-', 'no update yet: upd/|W| is a dash')
local f2 = row_of(text, 'dense_2') or {}
t.is({f2[1], f2[3]}, {'-', '-'}, 'dense_2 has not run forward: no mean; softmax: no dead count')

-- narrower, one line for the layer the stepper is on
local narrow = nn.viz.snapshot('model', {model = m, width = 80, height = 24, layer = 'dense_1'})
t.like(narrow, 'dense_1: output mean ' .. f[1]:gsub('%.', '%%.') .. ' std ' ..
       f[2]:gsub('%.', '%%.') .. ', dead 1/3, |W| ', 'at 80 columns: the stats line')

-- through the update: upd/|W| = |W_after - W_before| / |W_after|
d:step(4)  -- forward dense_2, loss, backward dense_2, backward dense_1
d:step(1)  -- update
t.like(d.stepper:where(), 'finished', 'the batch is done')
local change, after = 0, 0
for i = 1, 2 do for j = 1, 3 do
  local v = m.layers[1].kernel[i][j]
  change, after = change + (v - W[i][j]) ^ 2, after + v ^ 2
end end
for j = 1, 3 do
  local v = m.layers[1].bias[j]
  change, after = change + (v - b[j]) ^ 2, after + v ^ 2
end
local ratio = math.sqrt(change) / math.sqrt(after)
text = nn.viz.snapshot('model', {model = m, width = 160, height = 30})
f = row_of(text, 'dense_1') or {}
t.ok(close(f[5], ratio), 'upd/|W| after the update: |dW| / |W|, by hand', f[5], ratio)
t.ok(ratio > 0, 'the update changed the weights')
d:finish()

print = real_print
t.done_testing()
