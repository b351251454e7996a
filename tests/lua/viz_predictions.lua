-- viz_predictions.lua: the predictions view with class names, thumbnails
-- at two terminal sizes, and the ✓/✗ marks at narrow widths, checked
-- against models whose predictions are known by construction.
local t = require 'tap'

local function lines(text)
  local out = {}
  for line in text:gmatch('([^\n]*)\n') do out[#out + 1] = line end
  return out
end

local function has_line(text, pattern)
  for _, line in ipairs(lines(text)) do
    if line:find(pattern) then return true end
  end
  return false
end

-- ---- class names: a model whose mistakes are known ----

-- A Dense layer whose weights send input 1 to class 0 and inputs 2 and 3
-- both to class 2 (weights 10: probability e^10 / (e^10 + 2) = 0.9999):
-- class 1 ("Trouser") is always taken for class 2 ("Pullover").
local names = {'T-shirt/top', 'Trouser', 'Pullover'}
local picker = nn.Sequential{nn.Dense(3, {activation = 'softmax', input_shape = {3}})}
picker:compile{optimizer = 'sgd', loss = 'categorical_crossentropy'}
local to_class = {1, 3, 3}
for i = 1, 3 do
  for j = 1, 3 do picker.layers[1].kernel[i][j] = j == to_class[i] and 10 or 0 end
end
t.is(picker.class_names, nil, 'a model has no class names until given some')
picker.class_names = names
t.is(picker.class_names, names, 'm.class_names = a list: kept')
t.is(nn.viz.class_names(picker), names, 'and nn.viz.class_names reads the same')
local px = nn.tensor{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 0, 0}}
local py = nn.utils.to_categorical(nn.tensor{0, 1, 2, 0}, 3)
picker:evaluate(px, py, {batch_size = 4, verbose = 0})
local view = nn.viz.snapshot('predictions', {model = picker, width = 120, height = 30, frame = false})
local v = lines(view)
-- the examples: each verdict on two lines (the names are long), the bars named
t.like(v[3], '^#1 ✓ true T%-shirt/top +#2 ✗ true Trouser', 'verdicts with names, the mark first', view)
t.like(v[4], '^predicted T%-shirt/top +predicted Pullover', 'the prediction on the next line', view)
t.like(v[5], '^T%-shirt/top ██████████ 1.00 +Pullover +██████████ 1.00', 'the bars named by class', view)
-- the confusion matrix: rows by number and name, columns by 4 letters
t.ok(has_line(view, 'rows: true class, columns: predicted %(first 4 letters%)'), 'the legend says how columns are named', view)
t.ok(has_line(view, ' T%-sh Trou Pull$'), 'the columns: the first 4 letters of each name', view)
t.ok(has_line(view, '  0 T%-shirt/top +2 +· +·$'), 'row 0: both T-shirts right', view)
t.ok(has_line(view, '  1 Trouser +· +· +1$'), 'row 1: the trouser taken for a pullover', view)
t.ok(has_line(view, '  2 Pullover +· +· +1$'), 'row 2: right', view)
t.ok(has_line(view, 'most mixed up: true Trouser seen as Pullover, 1 time'), 'the worst confusion named', view)

-- names that begin alike: the columns keep their numbers, and say so
local alike = nn.viz.snapshot('predictions', {model = picker, width = 120, height = 30, frame = false,
                                              class_names = {'Shirt one', 'Shirt two', 'Shoe'}})
t.ok(has_line(alike, 'columns: predicted %(by number%)'), 'alike names: columns by number', alike)
t.ok(has_line(alike, '  1 Shirt two +· +· +1$'), 'rows still named', alike)
-- without names: numbers, as before
nn.viz.class_names(picker, false)
t.is(picker.class_names, nil, 'nn.viz.class_names(m, false) forgets them')
t.ok(has_line(nn.viz.snapshot('predictions', {model = picker, width = 120, height = 30, frame = false}),
              '     0  1  2$'), 'without names, numbered columns')
t.raises(function() picker.class_names = 'Shirt' end, 'm.class_names: class_names should be a list of strings',
         'a string is not a list of names')
t.raises(function() picker.class_names = {'a', 2} end, 'class_names%[2%] should be a string %(the name of class 1%)',
         'every name a string')

-- ---- marks kept at narrow widths ----

picker.class_names = names
for _, width in ipairs({60, 44, 40}) do  -- 40: the least the views take
  local narrow = nn.viz.snapshot('predictions', {model = picker, width = width, height = 40, frame = false})
  local _, right = narrow:gsub('#%d+ ✓', '')
  local _, wrong = narrow:gsub('#%d+ ✗', '')
  local shown = select(2, narrow:gsub('#%d+ ', ''))
  t.ok(shown > 0 and right + wrong == shown,
       string.format('width %d: every example shown (%d) has its mark', width, shown), narrow)
end

-- ---- thumbnails: as large as the terminal allows ----

-- 28 x 28 images of ones (drawn '█' without colour), predict only (no
-- confusion matrix): 80 x 24 fits two at 16 pixels high (16 columns, 8
-- rows, twice the 8 x 4 of a small terminal); 160 x 50 fits four or more at
-- the image's own size (28 columns, 14 rows).
nn.seed(1)
local img = nn.Sequential{nn.Flatten{input_shape = {28, 28, 1}}, nn.Dense(3, {activation = 'softmax'})}
img:compile{optimizer = 'sgd', loss = 'categorical_crossentropy'}
img:predict(nn.ones{6, 28, 28, 1})
local function thumbnail(width, height)
  local rows = lines(nn.viz.snapshot('predictions', {model = img, width = width, height = height,
                                                     frame = false}))
  local w, h = 0, 0
  for i = 3, #rows do
    local run = 0  -- '█' is 3 bytes: count them from the line's start
    while rows[i]:sub(3 * run + 1, 3 * run + 3) == '█' do run = run + 1 end
    if run == 0 then break end
    w, h = math.max(w, run), h + 1
  end
  return w, h
end
t.is({thumbnail(80, 24)}, {16, 8}, '80 x 24: thumbnails of 16 x 8 cells (16 x 16 pixels)')
t.is({thumbnail(160, 50)}, {28, 14}, '160 x 50: the image\'s own 28 x 28 pixels (28 x 14 cells)')
t.is({thumbnail(60, 14)}, {8, 4}, '60 x 14: too small for two large ones, the small 8 x 4')

-- ---- the reference models know their classes ----

local ok, cnn = pcall(nn.pretrained, 'fashion_cnn')
if ok then
  t.is(cnn.class_names, {'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal',
                         'Shirt', 'Sneaker', 'Bag', 'Ankle boot'},
       'nn.pretrained: Fashion-MNIST\'s names, in the order of the labels (Keras\'s list)')
else
  t.skip('nn.pretrained class names', tostring(cnn))
end

t.done_testing()
