-- boundary.lua: the decision-boundary view, nn.datasets.toy, nn.viz.save
-- (SVG, text, ANSI), nn.viz.views() and history:to_csv. Pictures are
-- checked against the class computed here by arithmetic, the SVG parsed
-- back by Python's xml.etree, the CSV against CSVLogger's file.
local t = require 'tap'

local function lines(text)
  local out = {}
  for line in text:gmatch('([^\n]*)\n') do out[#out + 1] = line end
  return out
end

-- the UTF-8 characters of a line
local function chars(line)
  local out = {}
  for ch in line:gmatch('[%z\1-\127\194-\244][\128-\191]*') do out[#out + 1] = ch end
  return out
end

local function same_values(a, b)
  if type(a) ~= 'table' then return a == b end
  if #a ~= #b then return false end
  for i = 1, #a do if not same_values(a[i], b[i]) then return false end end
  return true
end

local function read(path)
  local f = assert(io.open(path, 'rb'))
  local text = f:read('a')
  f:close()
  return text
end

-- ---- nn.datasets.toy ----

for _, name in ipairs({'circles', 'xor', 'spiral', 'gaussians'}) do
  local x, y = nn.datasets.toy(name, 101, {noise = 0.1, seed = 7})
  local ones, ids_ok = 0, true
  for i = 1, 101 do
    ones = ones + y[i]
    ids_ok = ids_ok and (y[i] == 0 or y[i] == 1) and math.type(y[i]) == 'float'
  end
  t.is({x:size(1), x:size(2), #y.shape, y:size(1)}, {101, 2, 1, 101},
       name .. ': x is (n, 2), y is (n)')
  t.ok(ids_ok and ones == 51, name .. ': class ids 0 and 1 as floats, 50 of class 0 and 51 of class 1')
  local x2, y2 = nn.datasets.toy(name, 101, {noise = 0.1, seed = 7})
  local x3 = nn.datasets.toy(name, 101, {noise = 0.1, seed = 8})
  local same, differ = true, false
  for i = 1, 101 do
    same = same and x[i][1] == x2[i][1] and x[i][2] == x2[i][2] and y[i] == y2[i]
    differ = differ or x[i][1] ~= x3[i][1]
  end
  t.ok(same and differ, name .. ': the same seed gives the same points, another seed others')
end

-- without a seed, from nnstep's generator: nn.seed repeats it
nn.seed(5)
local a = nn.datasets.toy('xor', 10)
nn.seed(5)
local b = nn.datasets.toy('xor', 10)
t.is(a[3][2], b[3][2], 'without a seed: drawn from nn.seed\'s generator')

-- geometry, without noise
local x, y = nn.datasets.toy('circles', 200, {seed = 1})
local radius_ok, mixed = true, false
for i = 1, 200 do
  local r = math.sqrt(x[i][1] ^ 2 + x[i][2] ^ 2)
  radius_ok = radius_ok and math.abs(r - (y[i] == 0 and 1 or 0.5)) < 1e-6
  mixed = mixed or (i <= 20 and y[i] ~= y[1])
end
t.ok(radius_ok, 'circles: class 0 on radius 1, class 1 on radius 0.5 (make_circles, factor 0.5)')
t.ok(mixed, 'circles: shuffled (both classes among the first 20)')

-- circles against scikit-learn's make_circles(n, shuffle=False, noise=None,
-- factor=0.5), its code written out in NumPy (scikit-learn is not installed
-- here): the same points and labels, as sets (ours are shuffled)
local circles_path = os.tmpname()
local cx0, cy0 = nn.datasets.toy('circles', 13, {seed = 9})
cx0:save(circles_path .. '-x.npy')
cy0:save(circles_path .. '-y.npy')
local sk = io.open(circles_path .. '.py', 'w')
sk:write([[
import sys, numpy as np
x = np.load(sys.argv[1] + '-x.npy').astype(np.float64); y = np.load(sys.argv[1] + '-y.npy')
n = 13; n_out = n // 2; n_in = n - n_out; factor = 0.5
lo = np.linspace(0, 2 * np.pi, n_out, endpoint=False); li = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
X = np.vstack([np.append(np.cos(lo), np.cos(li) * factor), np.append(np.sin(lo), np.sin(li) * factor)]).T
Y = np.hstack([np.zeros(n_out), np.ones(n_in)])
ours = sorted((round(a, 5), round(b, 5), c) for (a, b), c in zip(x.tolist(), y.tolist()))
theirs = sorted((round(a, 5), round(b, 5), c) for (a, b), c in zip(X.tolist(), Y.tolist()))
print('same' if ours == theirs else 'differ: %s vs %s' % (ours, theirs))
]])
sk:close()
local sk_run = io.popen('/usr/bin/python3 ' .. circles_path .. '.py ' .. circles_path .. ' 2>&1')
t.is(sk_run:read('a'), 'same\n', 'circles: make_circles\'s points and labels (NumPy, as scikit-learn computes them)')
sk_run:close()
for _, suffix in ipairs({'', '.py', '-x.npy', '-y.npy'}) do os.remove(circles_path .. suffix) end

x, y = nn.datasets.toy('xor', 400, {seed = 2})
local xor_ok = true
for i = 1, 400 do
  local p, q = x[i][1], x[i][2]
  xor_ok = xor_ok and ((p * q > 0) == (y[i] == 1)) and math.abs(p) >= 0.05 - 1e-6
           and math.abs(q) >= 0.05 - 1e-6 and math.abs(p) <= 1.05 + 1e-6 and math.abs(q) <= 1.05 + 1e-6
end
t.ok(xor_ok, 'xor: class 1 where x1 and x2 have the same sign; 0.05 <= |x| <= 1.05')

-- spiral: class 1 is class 0 turned by pi, so it is the set of -p for p of class 0
x, y = nn.datasets.toy('spiral', 100, {seed = 3})
local zeros, ones = {}, {}
for i = 1, 100 do
  local key = string.format('%.4f %.4f', x[i][1], x[i][2])
  local negated = string.format('%.4f %.4f', -x[i][1], -x[i][2])
  if y[i] == 0 then zeros[#zeros + 1] = negated else ones[key] = true end
end
local turned, inside = true, true
for _, key in ipairs(zeros) do turned = turned and ones[key:gsub('%-0%.0000', '0.0000')] ~= nil
  or ones[key] ~= nil end
for i = 1, 100 do inside = inside and x[i][1] ^ 2 + x[i][2] ^ 2 <= 1 + 1e-9 end
t.ok(turned and inside, 'spiral: class 1 = class 0 turned by pi, every point within radius 1')

x, y = nn.datasets.toy('gaussians', 4000, {seed = 4})
local sums = {[0] = {0, 0, 0}, [1] = {0, 0, 0}}
for i = 1, 4000 do
  local s = sums[y[i]]
  s[1], s[2], s[3] = s[1] + x[i][1], s[2] + x[i][2], s[3] + (x[i][1] - (y[i] == 0 and -0.5 or 0.5)) ^ 2
end
t.ok(math.abs(sums[0][1] / 2000 + 0.5) < 0.05 and math.abs(sums[1][2] / 2000 - 0.5) < 0.05
     and math.abs(math.sqrt(sums[0][3] / 2000) - 0.4) < 0.03,
     'gaussians: means (-0.5, -0.5) and (0.5, 0.5), standard deviation 0.4')

t.raises(function() nn.datasets.toy('moons', 10) end,
         "toy: no data set 'moons' (the sets: circles, xor, spiral, gaussians)", 'toy: an unknown set')
t.raises(function() nn.datasets.toy('xor', 1) end, 'toy: n should be at least 2', 'toy: too few points')
t.raises(function() nn.datasets.toy('xor', 10, {noise = -1}) end, 'toy: noise should be', 'toy: negative noise')
t.raises(function() nn.datasets.toy('xor', 10, {nosie = 1}) end, 'nosie', 'toy: an unknown option')

-- ---- the boundary of a known linear model ----

-- sigmoid(x1 - x2 + 0.05) >= 0.5 where x1 - x2 + 0.05 >= 0. The points (-1, -1)
-- (class 0) and (1, 1) (class 1) make the plane [-1.2, 1.2] squared (their
-- range with a tenth of margin each side). At height 24 without the frame the
-- plot has 20 rows (line 2 on, below the title) and 40 columns (column 9 on, after
-- the y axis's 8): 40 x 40 pixels; cell (i, r) shows pixel
-- (i, 2r) above and (i, 2r + 1) below, the monochrome text the upper one:
-- ' ' class 0, '░' class 1. The 0.05 keeps every pixel centre off the line.
local linear = nn.Sequential()
linear:add(nn.Dense(1, {input_shape = {2}, activation = 'sigmoid'}))
linear:set_weights({nn.tensor({{1}, {-1}}), nn.tensor({0.05})})
local px = nn.tensor({{-1, -1}, {1, 1}})
local py = nn.tensor({0, 1})
local options = {model = linear, x = px, y = py, width = 60, height = 24, frame = false}
local picture = nn.viz.snapshot('boundary', options)
local rows = lines(picture)
local wrong, checked = {}, 0
for r = 0, 19 do
  local cells = chars(rows[2 + r] .. string.rep(' ', 60))
  for i = 0, 39 do
    local x1 = -1.2 + (i + 0.5) / 40 * 2.4
    local x2 = 1.2 - (2 * r + 0.5) / 40 * 2.4
    local expected = x1 - x2 + 0.05 >= 0 and '░' or ' '
    local got = cells[9 + i]
    if not ((r == 18 and i == 3) or (r == 1 and i == 36)) then  -- the points' cells
      checked = checked + 1
      if got ~= expected then wrong[#wrong + 1] = string.format('(%d, %d) %q', i, r, got) end
    end
  end
end
t.ok(#wrong == 0 and checked == 798, 'linear model: every cell on its side of the diagonal x1 - x2 + 0.05 = 0',
     table.concat(wrong, ' '), picture)
t.is({chars(rows[2 + 18])[9 + 3], chars(rows[2 + 1])[9 + 36]}, {'●', '▲'},
     'the points: (-1, -1) class 0 as ● at cell (3, 18), (1, 1) class 1 as ▲ at (36, 1)')
t.like(rows[2], '^    1%.2 ', 'the y axis: 1.2 at the top')
t.like(rows[21], '^   %-1%.2 ', 'and -1.2 at the bottom')
t.like(rows[22], '^        %-1%.2 +0 +1%.2 x1$', 'the x axis: -1.2, 0, 1.2')
t.like(rows[1], '^decision boundary', 'a title')
t.like(rows[23], "^predicted class ' ' 0  '░' 1   true class ● 0  ▲ 1", 'the legend')
-- (-1, -1): -1 + 1 + 0.05 > 0, class 1, but its label is 0; (1, 1) is right
t.is(rows[24], '2 training points, 1 (50.0%) on their class\'s side', 'how many points are on their side')

-- ASCII: the same picture with ':' and 'o', 'x'
local ascii = lines(nn.viz.snapshot('boundary', {model = linear, x = px, y = py, width = 60,
                                                  height = 24, frame = false, ascii = true}))
t.is({chars(ascii[2 + 19])[9 + 39], chars(ascii[2])[9], chars(ascii[2 + 18])[9 + 3]}, {':', ' ', 'o'},
     'ASCII: class 1 as \':\', class 0 blank, a class 0 point as o')

-- softmax: the argmax. Logits (x1, -x1): class 0 where x1 > 0 (the right half)
local soft = nn.Sequential()
soft:add(nn.Dense(2, {input_shape = {2}, activation = 'softmax'}))
soft:set_weights({nn.tensor({{1, -1}, {0, 0}}), nn.tensor({0, 0})})
local half = lines(nn.viz.snapshot('boundary', {model = soft, x = px, y = py, width = 60,
                                                 height = 24, frame = false}))
local row = chars(half[2 + 10] .. string.rep(' ', 60))
t.is(table.concat(row, '', 9, 9 + 19) .. '|' .. table.concat(row, '', 9 + 20, 9 + 39),
     string.rep('░', 20) .. '|' .. string.rep(' ', 20), 'softmax: the argmax, class 1 left of x1 = 0')

-- colours: half blocks, the upper pixel's class as foreground
local colored = nn.viz.snapshot('boundary', {model = linear, x = px, y = py, width = 60, height = 24,
                                             frame = false, ansi = true, colors = 'truecolor'})
t.like(colored, '38;2;35;70;140;48;2;35;70;140m▀', 'colour: class 0 cells in blue (35, 70, 140)')
t.like(colored, '38;2;150;85;25;48;2;150;85;25m▀', 'colour: class 1 cells in orange (150, 85, 25)')

-- a model without two inputs, and one without an input shape
local three = nn.Sequential()
three:add(nn.Dense(1, {input_shape = {3}}))
t.like(nn.viz.snapshot('boundary', {model = three}), 'needs a model with 2 inputs, %(None, 2%)',
       'three inputs: the view says it needs 2')
t.like(nn.viz.snapshot('boundary', {model = three}), 'this one takes %(None, 3%)', 'and what this one takes')
t.like(nn.viz.snapshot('boundary', {model = nn.Sequential()}), 'the model has no layers yet',
       'no layers: says so')
t.raises(function() nn.viz.snapshot('boundary', {model = linear, x = px}) end,
         'give both x (N, 2) and y', 'x without y is an error')
t.raises(function() nn.viz.snapshot('boundary', {model = linear, x = nn.zeros(2, 3), y = py}) end,
         'the points should be x (N, 2) and y (N) or (N, K), got x (2, 3)', 'points of the wrong shape')

-- ---- after fit: the points are the fit's; the model's own state is untouched ----

nn.seed(3)
local cx, cy = nn.datasets.toy('circles', 64, {noise = 0.05, seed = 1})
local mlp = nn.Sequential()
mlp:add(nn.Dense(6, {input_shape = {2}, activation = 'tanh'}))
mlp:add(nn.Dense(2, {activation = 'softmax'}))
mlp:compile{loss = 'sparse_categorical_crossentropy', optimizer = 'adam', metrics = {'accuracy'}}
mlp:fit(cx, cy, {epochs = 2, batch_size = 16, verbose = 0})
local before = mlp.layers[2].output:clone()
local before_view = nn.viz.snapshot('predictions', {model = mlp})
local after_fit = nn.viz.snapshot('boundary', {model = mlp, frame = false})
t.like(after_fit, '64 training points, %d+ %(', 'after fit: the fit\'s 64 points are drawn')
t.ok(same_values(mlp.layers[2].output:totable(), before:totable()) and
     nn.viz.snapshot('predictions', {model = mlp}) == before_view,
     'drawing the boundary leaves the model\'s batch and outputs as they were (it predicts with a clone)')
-- the count of points on their side, against predict
local p = mlp:predict(cx)
local right = 0
for i = 1, 64 do right = right + (((p[i][2] > p[i][1]) and 1 or 0) == cy[i] and 1 or 0) end
t.like(after_fit, string.format('64 training points, %d %%(', right),
       'the count on their side agrees with predict\'s argmax')
-- in the middle of a stepped batch: drawing the boundary between steps
-- changes nothing the stepper computes (the same weights after the batch as
-- a twin stepped without drawing)
local function twin()
  nn.seed(11)
  local model = nn.Sequential{nn.Dense(4, {input_shape = {2}, activation = 'tanh'}),
                              nn.Dense(2, {activation = 'softmax'})}
  model:compile{loss = 'sparse_categorical_crossentropy', optimizer = 'sgd'}
  return model
end
local drawn, plain = twin(), twin()
local sd, sp = nn.stepper(drawn, cx, cy), nn.stepper(plain, cx, cy)
sd:step(3)
nn.viz.snapshot('boundary', {model = drawn, x = cx, y = cy})
sd:step(100)
sp:step(100)
t.ok(same_values(drawn.layers[1].weights[1]:totable(), plain.layers[1].weights[1]:totable()) and
     same_values(drawn.layers[2].output:totable(), plain.layers[2].output:totable()),
     'drawn in the middle of a stepped batch: the batch ends exactly as without drawing')

-- a model that grew a layer since: the clone is made again
local grow = nn.Sequential()
grow:add(nn.Dense(2, {input_shape = {2}, activation = 'softmax'}))
grow:set_weights({nn.tensor({{1, -1}, {0, 0}}), nn.tensor({0, 0})})
nn.viz.snapshot('boundary', {model = grow, x = px, y = py})
grow:add(nn.Dense(2, {activation = 'softmax'}))
grow.layers[2]:set_weights({nn.tensor({{0, 1}, {1, 0}}), nn.tensor({0, 0})})
local swapped = chars(lines(nn.viz.snapshot('boundary', {model = grow, x = px, y = py, width = 60,
                                                         height = 24, frame = false}))[2 + 10] .. string.rep(' ', 60))
t.is(swapped[9] .. swapped[9 + 39], ' ░', 'a layer added since: the picture follows the new model')

-- ---- nn.viz.views() and nn.viz.save ----

local views = nn.viz.views()
t.is(views[#views], 'boundary', 'nn.viz.views() lists the views, boundary among them')
t.is(#views, #nn.viz.views, 'nn.viz.views() is a copy of the list nn.viz.views')

local dir = os.tmpname()
os.remove(dir)
nn.viz.save('boundary', dir .. '.txt', options)
t.is(read(dir .. '.txt'), picture, '.txt: exactly the text snapshot')
local ans_options = {}
for k, v in pairs(options) do ans_options[k] = v end
nn.viz.save('boundary', dir .. '.ans', ans_options)
ans_options.ansi, ans_options.colors = true, '256'
t.is(read(dir .. '.ans'), nn.viz.snapshot('boundary', ans_options), '.ans: the ANSI snapshot (256 colours)')

-- the SVG of a small picture, parsed back by Python. Plot: 20 x 10 cells (height
-- 14, width 40), all half blocks but the two points' cells: 2 rects each;
-- the points' cells one rect each; the legend's two swatches, 2 cells
-- each; and the background: 1 + 2 * 198 + 2 + 4 = 403.
local small = {model = linear, x = px, y = py, width = 40, height = 14, frame = false}
nn.viz.save('boundary', dir .. '.svg', small)
local script = dir .. '.py'
local f = assert(io.open(script, 'w'))
f:write([[
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = '{http://www.w3.org/2000/svg}'
rects = root.findall(ns + 'rect')
fills = sorted(set(r.get('fill') for r in rects))
texts = ''.join(t.text or '' for t in root.findall(ns + 'text'))
print(len(rects), ' '.join(fills), root.get('width'), root.get('height'))
print('decision boundary' in texts, '\u25cf' in texts, '\u25b2' in texts)
]])
f:close()
local python = io.popen('/usr/bin/python3 ' .. script .. ' ' .. dir .. '.svg 2>&1')
local parsed = python:read('a')
python:close()
t.is(parsed, '403 #181818 #23468c #965519 360 252\nTrue True True\n',
     'SVG: 403 rects (background, two per half block, one per point, the swatches) in the '
     .. 'plane\'s two colours, 40 x 14 cells of 9 x 18, the title and the points as text')
nn.viz.save('boundary', dir .. '-plain.txt', {model = linear, x = px, y = py, width = 60, height = 20})
local plain = read(dir .. '-plain.txt')
t.ok(plain:find('^decision boundary') and not plain:find('1 model') and not plain:find('s step'),
     'save: the view alone by default (no tabs, status line or key strip: a picture for a report)', plain)
os.remove(dir .. '-plain.txt')
t.raises(function() nn.viz.save('boundary', dir .. '.txt', {model = linear, width = 5, height = 3}) end,
         'save: the boundary view needs at least 40 x 10, got 5 x 3', 'save: too small a size is an error, not a picture of the message')
t.raises(function() nn.viz.save('boundary', dir .. '.png', small) end,
         "save: cannot tell what to write from the name '" .. dir .. ".png': end it in .svg",
         'save: an unknown extension')
t.raises(function() nn.viz.save('bondary', dir .. '.svg', small) end, "save: no view 'bondary'",
         'save: an unknown view')
t.raises(function() nn.viz.save('boundary', '/', {model = linear}) end, 'save: cannot tell',
         'save: no extension')
t.raises(function() nn.viz.save('boundary', dir .. '-missing/b.txt', small) end,
         'cannot create a temporary file beside it', 'save: a directory that is not there')
os.remove(dir .. '.txt')
os.remove(dir .. '.ans')
os.remove(dir .. '.svg')
os.remove(script)

-- ---- history:to_csv ----

local reg = nn.Sequential()
reg:add(nn.Dense(2, {input_shape = {2}, activation = 'softmax', kernel_regularizer = nn.regularizers.l2(0.01)}))
reg:compile{loss = 'sparse_categorical_crossentropy', optimizer = 'sgd', metrics = {'accuracy'}}
local h = reg:fit(cx, cy, {epochs = 2, batch_size = 32, verbose = 0, validation_split = 0.25,
                           callbacks = {nn.callbacks.CSVLogger(dir .. '-logger.csv')}})
h:to_csv(dir .. '-history.csv')
local csv = read(dir .. '-history.csv')
local crlf = string.char(13, 10)
local expected = 'epoch,accuracy,learning_rate,loss,penalty,val_accuracy,val_loss' .. crlf
for e = 1, 2 do
  local fields = {tostring(e - 1)}
  for _, key in ipairs({'accuracy', 'learning_rate', 'loss', 'penalty', 'val_accuracy', 'val_loss'}) do
    fields[#fields + 1] = nn.callbacks.python_float(h[key][e])
  end
  expected = expected .. table.concat(fields, ',') .. crlf
end
t.is(csv, expected, 'to_csv: the header sorted, epochs from 0, the values as Python\'s repr, CR LF')
local back = {}
for line in csv:gmatch('[^\r\n]+') do back[#back + 1] = line end
local loss2 = tonumber(back[3]:match('^1,[^,]*,[^,]*,([^,]*)'))
t.is(loss2, h.loss[2], 'to_csv: the numbers read back exactly (epoch 2\'s loss)')
-- CSVLogger writes no penalty (not in its logs): the rest is the same text
local logger = read(dir .. '-logger.csv')
local without_penalty = csv:gsub(',penalty', ''):gsub('(\n%d+,[^,]*,[^,]*,[^,]*),[^,]*', '%1')
t.is(logger, without_penalty, 'to_csv: the same text as CSVLogger\'s file, the penalty column aside')
t.raises(function() h:to_csv() end, "to_csv: path should be a file name such as 'history.csv'",
         'to_csv: no path')
t.raises(function() h:to_csv('/') end, 'to_csv: ', 'to_csv: a directory is refused')
t.raises(function() nn.callbacks.history_to_csv({}, dir .. '.csv') end,
         'to_csv: call it on the history fit returns', 'to_csv: only on a history')
t.raises(function() nn.utils.save_text(dir .. '.txt', 5) end,
         'save_text: give a file name and a string, got string and number', 'save_text: text only')
nn.utils.save_text(dir .. '.txt', 'a\nb')
t.is(read(dir .. '.txt'), 'a\nb', 'save_text: writes the text as given')
os.remove(dir .. '.txt')
os.remove(dir .. '-history.csv')
os.remove(dir .. '-logger.csv')

t.done_testing()
