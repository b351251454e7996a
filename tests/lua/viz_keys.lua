-- viz_keys.lua: pictures that explain themselves (issue 17, items 4 and 5),
-- on known data: the gradients view's verdicts at gradient norms set by
-- hand (vanishing, exploding, growing), checked against the rule computed
-- here; the histograms over time of a known set of gradient values, bin by
-- bin; the feature maps' shared-scale toggle, dead-filter flag and the
-- example's label; the LSTM's shared cell-state scale; the keys' words.
local t = require 'tap'

local real_print = print
print = function() end

local function lines(text)
  local out = {}
  for line in text:gmatch('([^\n]*)\n') do out[#out + 1] = line end
  return out
end

local function line_of(text, pattern)
  for _, line in ipairs(lines(text)) do
    if line:find(pattern) then return line end
  end
end

-- ---- gradients: verdicts at known norms ----

-- Four Dense layers whose gradients are set by hand: every element 0 but
-- the kernel's first, so that each layer's |dL/dW| is that element's size.
local m = nn.Sequential{nn.Dense(2, {input_shape = {3}}), nn.Dense(2), nn.Dense(2), nn.Dense(2)}
m:compile{optimizer = 'sgd', loss = 'mse'}
local function set_gradients(values)
  for i, v in ipairs(values) do
    for _, g in ipairs(m.layers[i].grad) do g:fill(0) end
    m.layers[i].grad[1][1][1] = v
  end
end

-- The rule, computed here from the numbers: vanishing when 4 decades or
-- more under the median of the other layers' norms (the geometric mean of
-- the middle two for an even count), or under 1e-7; exploding from 1e3.
local function expected_verdicts(norms)
  local out = {}
  for i, n in ipairs(norms) do
    local others = {}
    for j, o in ipairs(norms) do if j ~= i then others[#others + 1] = o end end
    table.sort(others)
    local k = #others
    local median = k % 2 == 1 and others[(k + 1) // 2] or math.sqrt(others[k // 2] * others[k // 2 + 1])
    if n >= 1e3 then out[i] = 'exploding'
    elseif n < 1e-7 or math.log(median / n, 10) >= 4 then out[i] = 'vanishing'
    else out[i] = '' end
  end
  return out
end

local function verdicts_shown(text)
  local out = {}
  for i = 1, 4 do
    local line = line_of(text, '^dense_' .. i .. ' ')
    out[i] = line:match(' (vanishing)$') or line:match(' (exploding)$') or ''
  end
  return out
end

local norms = {1e-9, 1e3, 1, 2e-5}
set_gradients(norms)
local grads = nn.viz.snapshot('gradients', {model = m})
t.is(expected_verdicts(norms), {'vanishing', 'exploding', '', 'vanishing'}, 'the rule, by hand')
t.is(verdicts_shown(grads), expected_verdicts(norms),
     'gradients: 1e-9 vanishing, 1e+3 exploding, 1 fine, 2e-5 vanishing (4.7 decades under the median 1)', grads)
t.like(line_of(grads, "^dense_1 "), " 1%.0e%-9 ", 'the norm 1e-9 printed')
t.like(line_of(grads, '^dense_2 '), ' 1e%+03 ', 'the norm 1e+3 printed')

norms = {1e-9, 1e3, 1, 1.5e-3}  -- 2.8 decades under the median: not vanishing
set_gradients(norms)
grads = nn.viz.snapshot('gradients', {model = m})
t.is(verdicts_shown(grads), expected_verdicts(norms), 'gradients: 2.8 decades under the others is no warning', grads)
t.is(verdicts_shown(grads)[4], '', 'dense_4 at 1.5e-3 unflagged')

-- the colours, where the ANSI text shows them: yellow and bold for
-- vanishing (230, 200, 40), red and bold for exploding (230, 60, 50), the
-- word in the same colour as the number
local ansi = nn.viz.snapshot('gradients', {model = m, ansi = true, colors = 'truecolor'})
t.like(ansi, '1;38;2;230;200;40m vanishing', 'vanishing: bold yellow')
t.like(ansi, '1;38;2;230;60;50m exploding', 'exploding: bold red')
t.like(ansi, '1;38;2;230;200;40m +1%.0e%-9', 'the vanishing norm in yellow too')
t.like(ansi, '1;38;2;230;60;50m +1e%+03', 'the exploding norm in red')
t.like(ansi, '38;2;60;200;80m +1.5e%-3', 'a healthy norm in green')

-- the key says the thresholds and names the healthy band
t.ok(line_of(grads, '^vanishing: 4%+ decades under the others\' median, or <1e%-7'), 'key: vanishing threshold', grads)
t.ok(line_of(grads, '^exploding: 1e%+3 or more, or x100 within 8 recorded batches'), 'key: exploding threshold')
t.ok(line_of(grads, 'healthy band 1e%-4%.%.1e%-2 %(about 1e%-3: Karpathy\'s rule of thumb%)'), 'key: the band, cited')

-- growing fast: x3 a batch for 6 batches, 243 times the first, under 1e3
nn.viz.clear(m)
for k = 0, 5 do
  set_gradients({1, 3 ^ k, 1, 1})
  nn.viz.record_gradients(m)
end
grads = nn.viz.snapshot('gradients', {model = m})
t.like(line_of(grads, '^dense_2 '), ' 243 .* exploding x243$', 'gradients: grown x243 in 6 batches: exploding, and by how much', grads)
t.ok(not line_of(grads, '^dense_3 '):find('exploding'), 'a steady layer is not')

-- the update/|W| strip after a stepped update: 1e-6 .. 1 at two columns a
-- decade from column 46 (at 80 columns: name 16, bar 12, norms 8 + 8, a
-- space), the healthy band 1e-4 .. 1e-2 its columns 5-8, the ratio a point
-- in the column of its half decade
nn.seed(2)
local u = nn.Sequential{nn.Dense(2, {input_shape = {3}})}
u:compile{optimizer = 'sgd', loss = 'mse'}
local ud = nn.debug(u, nn.randn(4, 3), nn.randn(4, 2), {batch_size = 4})
ud:finish()
local urow = line_of(nn.viz.snapshot('gradients', {model = u}), '^dense_1 ')
local ucells = {}
for _, ch in utf8.codes(urow) do ucells[#ucells + 1] = utf8.char(ch) end
local ratio = tonumber(urow:match('(%S+)$'))
local column = math.floor((math.log(ratio, 10) + 6) * 2)
column = math.max(0, math.min(11, column))
local strip = table.concat(ucells, '', 46, 57)
t.ok(ratio and ratio > 0, 'a ratio measured', urow)
t.is(ucells[46 + column], '●', 'the ratio ' .. tostring(ratio) .. ' a point in its half decade', urow)
local band = {}
for i = 0, 11 do band[#band + 1] = (i >= 4 and i <= 7) and '░' or ' ' end
band[column + 1] = '●'
t.is(strip, table.concat(band), 'the band 1e-4..1e-2 shaded, the point over it', urow)

-- ---- histograms over time: counts in the right bins ----

nn.viz.clear(m)
set_gradients({1, 1, 1, 1})
local values = {3e-9, -3e-9, 5e-3, 0, -5e-3, 2e2}  -- dense_1's kernel (3, 2); its bias stays 0
local kernel = m.layers[1].grad[1]
for k, v in ipairs(values) do kernel[(k - 1) // 2 + 1][(k - 1) % 2 + 1] = v end
nn.viz.record_gradients(m)
local h = nn.viz.history(m).gradients
t.is(#h, 4, 'a histogram per layer')
t.is(#h[1], 1, 'one batch recorded')
-- (8 values: the kernel's 6, the bias's 2)
-- bins: half decades of |g| from 1e-12: bin floor((log10|g| + 12) * 2), 1-based here
local expected = {}
for b = 1, 32 do expected[b] = 0 end
for _, v in ipairs(values) do
  if v ~= 0 then
    local b = math.floor((math.log(math.abs(v), 10) + 12) * 2) + 1
    expected[b] = expected[b] + 1
  end
end
local got = {}
for b = 1, 32 do got[b] = h[1][1][b] end
t.is(got, expected, 'the bins\' counts: 2 in [1e-9, 3.2e-9), 2 in [3.2e-3, 1e-2), 1 in [1e2, 3.2e2)')
t.is(expected[7] + expected[20] + expected[29], 5, 'those are bins 7, 20 and 29')
t.is(h[1][1].zeros, 3, 'zeros counted apart: one in the kernel, two in the bias')
t.is_near(h[1][1].norm, math.sqrt(2 * 9e-18 + 2 * 25e-6 + 4e4), 1e-9, 'and the norm')

-- the picture: dense_1's row "now", a column (2 wide at 80) per bin; the
-- two bins of 2 the darkest, the bin of 1 half as dark, the rest blank
local pic = nn.viz.snapshot('gradients', {model = m, layer = 1})
local row = line_of(pic, '^ now ')
t.ok(row, 'a row for the batch', pic)
local cells = {}
for _, ch in utf8.codes(row) do cells[#cells + 1] = utf8.char(ch) end
local function bin_glyph(b) return cells[5 + (b - 1) * 2 + 1] end  -- 5 columns of "  now"
t.is({bin_glyph(7), bin_glyph(20), bin_glyph(29)}, {'█', '█', '▒'}, 'the shades of bins 7, 20, 29', row)
t.is({bin_glyph(6), bin_glyph(8), bin_glyph(1), bin_glyph(32)}, {' ', ' ', ' ', ' '}, 'empty bins blank')
t.like(pic, '|dL/dW| of dense_1, last 1 batch recorded', 'titled with the layer, and rows are batches recorded (a live fit records one a frame, not every batch)')
t.like(pic, 'now 3 of 8 zero', 'the share of zeros said')
t.ok(line_of(pic, '^     1e%-12 +1e%-8 +1e%-4 +1 +1e%+4'), 'the decades under it', pic)

-- ---- feature maps: the shared scale, dead filters, the label ----

-- three filters on an image half white: 1 a vertical-edge detector (output
-- 0..3), 2 the same times 0.1 (0..0.3), 3 zero weights and bias -1 under a
-- ReLU: dead.
local conv = nn.Sequential{nn.Conv2D(3, 3, {activation = 'relu', input_shape = {6, 6, 1}}),
                           nn.Flatten(), nn.Dense(10, {activation = 'softmax'})}
conv:compile{optimizer = 'sgd', loss = 'sparse_categorical_crossentropy'}
local k = nn.zeros(3, 3, 1, 3)
for i = 1, 3 do
  for j = 1, 3 do
    k[i][j][1][1] = ({1, 0, -1})[j]
    k[i][j][1][2] = ({0.1, 0, -0.1})[j]
  end
end
conv.layers[1]:set_weights{k, nn.tensor{0, 0, -1}}
local image = nn.zeros(2, 6, 6, 1)
for i = 1, 6 do
  for j = 1, 3 do image[1][i][j][1] = 1; image[2][i][j][1] = 1 end
end
local d = nn.debug(conv, image, nn.tensor{7, 2}, {batch_size = 2})
-- before conv2d_1's forward step its output holds nothing of this batch:
-- no filter is called dead yet, and the title says why the maps are blank
local before = nn.viz.snapshot('featuremaps', {model = conv, frame = false, width = 80, height = 24})
t.ok(not before:find('dead ', 1, true) and not before:find('dead\n', 1, true),
     'before the forward step: no filter flagged dead', before)
t.like(lines(before)[1], '%(not run yet%)$', 'at 80 columns: (not run yet), whole', lines(before)[1])
d:step()  -- forward conv2d_1
local own = nn.viz.snapshot('featuremaps', {model = conv, frame = false, width = 100, height = 24})
local shared = nn.viz.snapshot('featuremaps', {model = conv, frame = false, width = 100, height = 24,
                                               shared = true})
t.like(own, 'output, channels 1%-3 of 3  each map its own scale', 'own scales: said in the title', own)
t.like(shared, 'output, channels 1%-3 of 3  one scale 0%.%.3', 'shared: one scale, 0..3, in the title', shared)
t.like(own, '1 0%.%.3 +2 0%.%.0%.3 +3 dead', 'each map\'s own range beside it; filter 3 flagged dead')
t.like(shared, '3 dead', 'dead in both')
-- map 2 (0..0.3): white at its top on its own scale, a tenth of white on the shared one
local function map2_glyphs(text)
  local out = {}
  for _, line in ipairs(lines(text)) do
    local cells = {}
    for _, ch in utf8.codes(line) do cells[#cells + 1] = utf8.char(ch) end
    out[#out + 1] = table.concat(cells, '', 56, math.min(#cells, 70))
  end
  return table.concat(out)
end
t.ok(map2_glyphs(own):find('█'), 'map 2 on its own scale reaches white', own)
t.ok(not map2_glyphs(shared):find('[█▓▒]'), 'map 2 on the shared scale stays dark (0.3 of 3)', shared)
t.like(own, 'g: one scale for all  dead: all zeros', 'the key says g, and what dead means')
t.like(shared, 'g: each map its own scale', 'and its way back')
t.like(lines(own)[1], 'example 1 of 2, label 7$', 'the example\'s label (sparse targets): its id')
local named = {}
for i = 1, 10 do named[i] = 'class ' .. (i - 1) end
named[8] = 'Sneaker'
t.like(lines(nn.viz.snapshot('featuremaps', {model = conv, frame = false, width = 100, height = 24,
                                             class_names = named}))[1],
       'example 1 of 2, label Sneaker$', 'with class names: its name')
t.like(lines(nn.viz.snapshot('featuremaps', {model = conv, frame = false, width = 100, height = 24,
                                             example = 2, class_names = named}))[1],
       'example 2 of 2, label class 2$', 'example 2: its own')
t.raises(function() nn.viz.snapshot('featuremaps', {model = conv, class_names = {1, 2}}) end,
         'class_names%[1%] should be a string', 'class_names must be strings')

-- a regression's targets are no label
local reg = nn.Sequential{nn.Conv2D(1, 3, {input_shape = {6, 6, 1}})}
reg:compile{optimizer = 'sgd', loss = 'mse'}
local s = nn.stepper(reg, image, nn.zeros(2, 4, 4, 1))
s:step()
t.ok(not lines(nn.viz.snapshot('featuremaps', {model = reg, frame = false, width = 100}))[1]:find('label'),
     'no label for a regression')

-- ---- LSTM: the cell state's scale, own or shared across the batch ----

nn.seed(3)
local lstm = nn.Sequential{nn.LSTM(2, {input_shape = {4, 3}}), nn.Dense(2, {activation = 'softmax'})}
lstm:compile{optimizer = 'sgd', loss = 'categorical_crossentropy'}
local ls = nn.stepper(lstm, nn.randn(2, 4, 3), nn.utils.to_categorical(nn.tensor{0, 1}, 2))
ls:step(4)  -- the whole forward pass of lstm_1
local function cell_hi(text)  -- the map's own "hi" beside c, and the key's c scale
  local v = lines(text)
  for i, line in ipairs(v) do
    if line:find('^c cell') then return tonumber(v[i + 2]:match('^hi (%S+)')) end
  end
end
local function key_c(text) return tonumber(text:match('c ±(%S+) ')) end
local opts = {model = lstm, frame = false, width = 80, height = 21}
local one = nn.viz.snapshot('lstm', opts)
opts.example = 2
local two = nn.viz.snapshot('lstm', opts)
opts.shared = true
local both = nn.viz.snapshot('lstm', opts)
t.ok(key_c(one) and key_c(two) and key_c(both), 'the key gives c\'s scale in numbers', one)
t.like(one, 'c ±%S+ own', 'own scale: said')
t.like(both, 'c ±%S+ batch', 'shared: said')
t.is(key_c(both), math.max(key_c(one), key_c(two)), 'the shared scale is the larger of the two examples\'')
t.ok(key_c(one) ~= key_c(two), 'and the examples differ, so the toggle shows')
t.ok(key_c(one) >= cell_hi(one) - 1e-3, 'own scale covers the cell\'s largest value')

-- the key strip at the bottom: at 80 columns a key whose words do not fit
-- is left out whole, never cut in the middle of a word ("q stop wa")
local strip = 's step  n next  b back  c resume  : command  +/- lr  Tab view  ? help  q stop watching'
local at80 = lines(nn.viz.snapshot('model', {model = m, width = 80, height = 24, keys = strip}))
t.is(at80[#at80], 's step  n next  b back  c resume  : command  +/- lr  Tab view  ? help',
     'at 80 columns the strip ends with a whole key', at80[#at80])
local at100 = lines(nn.viz.snapshot('model', {model = m, width = 100, height = 24, keys = strip}))
t.is(at100[#at100], strip, 'at 100 columns the whole strip', at100[#at100])

print = real_print
t.done_testing()
