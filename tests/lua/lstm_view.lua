-- lstm_view.lua: what the LSTM view adds for issue 17, item 10: the
-- gradient through time (||dL/dh_t|| per timestep) against PyTorch float64,
-- the input being read with its row marked, the cell state on one scale
-- for every example, and unit labels.
local t = require 'tap'

local real_print = print
print = function() end  -- the debugger talks

local function lines(text)
  local out = {}
  for line in text:gmatch('([^\n]*)\n') do out[#out + 1] = line end
  return out
end

-- A tiny LSTM (3 units) reading 4 timesteps of 2 features, then a softmax
-- over 2 classes; categorical cross-entropy, mean over a batch of 2. The
-- weights are a formula, the same in PyTorch (tests/lua/lstm_view.lua's
-- numbers come from this script, float64, by autograd with h_t.retain_grad()):
--   val(a, b, c) = 0.5 sin(1.3 a + 0.7 b + c)
--   kernel[i][j] = val(i, j, 0.1) (2 x 12), recurrent_kernel[i][j] =
--   val(i, j, 0.9) (3 x 12), bias[j] = 0.1 ((j - 1) % 4 - 1), dense
--   kernel[i][j] = val(i, j, 2.0) (3 x 2), dense bias {0.05, -0.05},
--   x[e][t][f] = cos((e - 1) + 0.9 (t - 1) + 0.4 (f - 1)), y = {{1, 0}, {0, 1}}
-- with the gates in Keras's order i, f, g (c), o.
local T, F, U = 4, 2, 3
local function val(a, b, c) return 0.5 * math.sin(a * 1.3 + b * 0.7 + c) end
local function tiny()
  local m = nn.Sequential{nn.LSTM(U, {input_shape = {T, F}}), nn.Dense(2, {activation = 'softmax'})}
  m:compile{optimizer = 'sgd', loss = 'categorical_crossentropy'}
  local l = m.layers[1]
  for i = 1, F do for j = 1, 4 * U do l.kernel[i][j] = val(i, j, 0.1) end end
  for i = 1, U do for j = 1, 4 * U do l.recurrent_kernel[i][j] = val(i, j, 0.9) end end
  for j = 1, 4 * U do l.bias[j] = 0.1 * ((j - 1) % 4 - 1) end
  for i = 1, U do for j = 1, 2 do m.layers[2].kernel[i][j] = val(i, j, 2.0) end end
  m.layers[2].bias[1], m.layers[2].bias[2] = 0.05, -0.05
  return m
end
local X = {}
for e = 1, 2 do
  X[e] = {}
  for s = 1, T do
    X[e][s] = {}
    for f = 1, F do X[e][s][f] = math.cos((e - 1) + (s - 1) * 0.9 + (f - 1) * 0.4) end
  end
end
local x, y = nn.tensor(X), nn.tensor{{1, 0}, {0, 1}}

-- dL/dh_t (example, timestep, unit) by PyTorch 1.13, float64
local TORCH = {
  {{0.002313746241145595, 0.0004220016599689943, -0.002087976341706921},
   {0.007158925642429857, 0.001936668272678937, -0.006122812653677821},
   {0.01773550015014452, 0.0037889717697796406, -0.015708409129929154},
   {-0.027350346911014817, 0.06219416358846216, 0.06062407872541397}},
  {{-0.003976765542838539, -0.002233891695852048, 0.00278163871900931},
   {-0.005546573191304324, -0.002224997610436017, 0.004356204682336046},
   {-0.023316803583512402, -0.00033932475365863095, 0.02313526563525838},
   {0.03366105662654177, -0.076544596278905, -0.07461223631083982}},
}
-- A number as the view shows it ("0.0911", "3.1e-3") is the true value
-- rounded to its last digit: within half a unit of that digit.
local function shown(text, want)
  local v = tonumber(text)
  if not v then return false end
  local mantissa, exponent = text:match('^-?%d*%.?(%d*)[eE]([-+]?%d+)$')
  local decimals = mantissa and #mantissa or #(text:match('%.(%d+)$') or '')
  return math.abs(v - want) <= 10 ^ ((exponent and tonumber(exponent) or 0) - decimals) / 2 + 1e-12
end

local function norm(v)
  local s = 0
  for _, a in ipairs(v) do s = s + a * a end
  return math.sqrt(s)
end

local m = tiny()
local d = nn.debug(m, x, y)

-- ---- before backward: the strip says when it will show ----

d:step(2)  -- forward t=1, t=2: the next step reads row 3
local snap = nn.viz.snapshot('lstm', {model = m, width = 80, height = 24, frame = false})
t.like(snap, 'gradient through time: ||dL/dh_t|| of example 1', 'the strip has its title')
t.like(snap, '%(after a backward pass through this layer%)', 'before backward: what it waits for')
t.like(snap, 'input, reading t=3', 'the input panel names the timestep being read')
local marker_row, input_row
for i, line in ipairs(lines(snap)) do
  if line:find('input, reading') then input_row = i end
  if line:find('▶', 1, true) then marker_row = i end
end
-- T = 4 rows drawn 4x: 16 pixels, 8 cell rows; t=3 is pixels 8-11, rows 4-5
t.is(marker_row and input_row and marker_row - input_row - 1, 4,
     'the ▶ is beside the rows of timestep 3 (the input drawn x4: rows 4-5 of 8)')

-- ---- the state's dh against PyTorch ----

d:step(2 + 1 + 1 + 1 + 2)  -- forward t=3, 4, dense_1; loss; backward dense_1; backward t=4, 3
snap = nn.viz.snapshot('lstm', {model = m, width = 80, height = 24, frame = false})
-- the input panel's title is whole at every width, even where the panel is
-- narrow (lesson 11's 20 timesteps of 1 feature cut it to "input t=18, backwar")
do
  nn.seed(3)
  local long = nn.Sequential()
  long:add(nn.LSTM(4, {input_shape = {20, 1}}))
  long:add(nn.Dense(1, {activation = 'sigmoid'}))
  long:compile{optimizer = 'sgd', loss = 'binary_crossentropy'}
  local dl = nn.debug(long, nn.rand(2, 20, 1), nn.tensor{{1}, {0}})
  dl:step(20 + 1 + 1 + 1 + 2)  -- forward t=1..20, dense_1; loss; backward dense_1; t=20, 19
  for _, width in ipairs({80, 100, 120}) do
    local s = nn.viz.snapshot('lstm', {model = long, width = width, height = 32, frame = false})
    local whole = s:find('t=18, backward', 1, true) ~= nil
    local cut = s:find('t=18, backwar%f[^d]') or s:find('t=18, backw?a?%f[%s]')
    t.ok((whole or width < 100) and not cut,  -- at 80 columns there is no input panel
         'at ' .. width .. ' columns the input panel says t=18, backward, whole (or is not drawn)')
  end
end
local n4, n3 = norm(TORCH[1][4]), norm(TORCH[1][3])
local sentence
for _, line in ipairs(lines(snap)) do
  if line:find('^from t=') then sentence = line end
end
t.ok(sentence ~= nil, 'half-way through BPTT: the strip has a sentence')
local a_t, a, b_t, b = (sentence or ''):match('^from t=(%d+) (%S+) back to t=(%d+) (%S+):')
t.is({tonumber(a_t), tonumber(b_t)}, {4, 3}, 'it covers the timesteps backward has reached: 4 back to 3')
t.ok(shown(a, n4) and shown(b, n3), '||dL/dh_4||, ||dL/dh_3||: PyTorch float64, as far as shown',
     a, b, n4, n3)

d:step(2)  -- backward t=2, 1
local dh = m.layers[1].state.dh:totable()
t.is_near(dh, TORCH, 1e-6, 'layer.state.dh: dL/dh_t of every example and timestep (PyTorch float64)')
for e = 1, 2 do
  snap = nn.viz.snapshot('lstm', {model = m, width = 80, height = 24, frame = false, example = e})
  local norms = {}
  for s = 1, T do norms[s] = norm(TORCH[e][s]) end
  local line_ok
  for _, line in ipairs(lines(snap)) do
    local ts, va, tb, vb, ratio, how = line:match(
      '^from t=(%d+) (%S+) back to t=(%d+) (%S+): (%S+)x (%a+)')
    if ts then
      local want = norms[4] / norms[1]
      line_ok = tonumber(ts) == 4 and tonumber(tb) == 1 and shown(va, norms[4]) and
                shown(vb, norms[1]) and how == (want >= 1 and 'smaller' or 'larger') and
                shown(ratio, want >= 1 and want or 1 / want)
    end
  end
  t.ok(line_ok, 'example ' .. e .. ': from t=4 back to t=1, the norms and how many times smaller')
  -- the bars: the last timestep's (the largest here) is full height, its
  -- top row a full block; the first's (the smallest) has no top row
  local title_row
  local L = lines(snap)
  for i, line in ipairs(L) do
    if line:find('^gradient through time') then title_row = i end
  end
  local top = L[title_row + 1] or ''
  local chars = {}
  for _, code in utf8.codes(top) do chars[#chars + 1] = utf8.char(code) end
  -- the bars start after the 11-column label; 4 timesteps at 4 columns each
  local first_bar, last_bar = chars[12] or ' ', chars[12 + 3 * 4] or ' '
  t.is({first_bar, last_bar}, {' ', '█'}, 'example ' .. e .. ': the bars rise from t=1 to t=4 (log scale)')
end

-- ---- the cell state: one scale for the batch ----

-- example 2 is example 1 scaled by 1/20: its c is far smaller. On its own
-- range its largest value would be '#' (or '='); on the batch's it is faint.
local quiet = x:clone()
for s = 1, T do for f = 1, F do quiet[2][s][f] = X[1][s][f] / 20 end end
local cm = tiny()
cm:train_on_batch(quiet, y)
local function c_map(e)
  local out, inside = {}, false
  for _, line in ipairs(lines(nn.viz.snapshot('lstm', {model = cm, width = 80, height = 24,
                                                        frame = false, example = e}))) do
    if line:find('^c cell') then inside = true
    elseif line:find('^h hidden') or line:find('^gradient') then inside = false end
    if inside then out[#out + 1] = line:sub(12, 11 + 4 * T) end
  end
  return table.concat(out, '|')
end
t.like(c_map(1), '[#=]', 'example 1: its largest |c| reaches an end of the scale')
t.ok(not c_map(2):find('[#=]'), 'example 2: on the same scale, its far smaller c stays faint', c_map(2))

-- ---- unit labels ----

-- (where the label column has room below the name and the range: at 80 x
-- 24 each unit has one text row, units 1-3 beside them; at 80 x 30, two)
t.like(nn.viz.snapshot('lstm', {model = m, width = 80, height = 30, frame = false}), 'u3',
       'the units are numbered down the label column')

d:finish()
print = real_print
t.done_testing()
