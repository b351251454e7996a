-- Lesson 7: convolution. A 3x3 kernel slid over a small image by hand, the
-- feature map it makes; the engine's Conv2D with edge kernels set by hand
-- (kernel shape (3, 3, 1, F)) on a Fashion-MNIST picture, seen after a
-- debugger's forward step; then a kernel learned by a short fit.

-- Functions the lesson puts into the learner's session.
local HELPERS = [[
-- The kernel k placed with its top-left corner on pixel (i, j) of img:
-- multiply the 9 pixels under it by the 9 weights and add them up.
function conv_at(img, k, i, j)
  local sum = 0
  for a = 1, 3 do
    for b = 1, 3 do
      sum = sum + img[i + a - 1][j + b - 1] * k[a][b]
    end
  end
  return sum
end

-- conv_at at every position where the kernel fits: the feature map.
function feature_map(img, k)
  local rows, cols = img.shape[1] - 2, img.shape[2] - 2
  local out = nn.zeros(rows, cols)
  for i = 1, rows do
    for j = 1, cols do out[i][j] = conv_at(img, k, i, j) end
  end
  return out
end

-- 2-D tensors drawn side by side in characters, two pixel rows per line.
-- Pictures that are never negative run from ' ' (0) to '@' (the largest);
-- signed ones (feature maps) use ' .+#' above 0 and ' ,-=' below.
function draw(...)
  local pictures, lines = {...}, {}
  for p, t in ipairs(pictures) do
    local top = math.max(math.abs(t:max()), math.abs(t:min()))
    if top == 0 then top = 1 end
    local signed = t:min() < 0
    for r = 1, t.shape[1], 2 do
      local line = {}
      for c = 1, t.shape[2] do
        local v = t[r][c]
        if r < t.shape[1] then v = (v + t[r + 1][c]) / 2 end
        local set = ' .:-=+*#%@'
        if signed then set = v < 0 and ' ,-=' or ' .+#' end
        local k = math.min(#set, math.floor(math.abs(v) / top * (#set - 1) + 0.5) + 1)
        line[c] = set:sub(k, k)
      end
      local n = (r + 1) // 2
      lines[n] = (lines[n] or '') .. (p > 1 and '   ' or '') .. table.concat(line)
    end
  end
  print(table.concat(lines, '\n'))
end
]]

local own  -- the lesson's own copy of the helpers, for its checks (made when it runs)

-- kh's shape, as text: '(3, 3)'; nil if kh is not a tensor.
local function shape_of(t)
  local ok, shape = pcall(function() return t.shape end)
  if not ok or type(shape) ~= 'table' then return nil end
  return '(' .. table.concat(shape, ', ') .. ')'
end

-- Exercise 1: a kernel that finds horizontal edges, tried on three 3x3
-- patches: dark above and bright below (large and positive), dark left and
-- bright right (0), flat grey (0).
local function check_kh(env)
  local kh = env.kh
  if kh == nil then return false, 'still waiting for kh = nn.tensor{...}' end
  local shape = shape_of(kh)
  if shape == nil then
    return false, 'kh should be a tensor (nn.tensor{{...}, {...}, {...}}), not a ' .. type(kh)
  end
  if shape ~= '(3, 3)' then
    return false, 'kh has shape ' .. shape .. '; a 3x3 kernel is a table of 3 rows of 3',
           'kh = nn.tensor{{a, b, c}, {d, e, f}, {g, h, i}}'
  end
  local dark_above = nn.zeros(3, 3); dark_above[3]:fill(1); dark_above[2]:fill(0.5)
  local dark_left = nn.zeros(3, 3); dark_left:narrow(2, 3, 1):fill(1); dark_left:narrow(2, 2, 1):fill(0.5)
  local flat = nn.full({3, 3}, 0.7)
  local above, left, grey = own.conv_at(dark_above, kh, 1, 1), own.conv_at(dark_left, kh, 1, 1),
                            own.conv_at(flat, kh, 1, 1)
  local level = math.abs(left) < 1e-6 and math.abs(grey) < 1e-6
  if above > 1 and level then return true end
  if (kh - env.k):abs():max() == 0 then
    return false, 'that is k, the vertical-edge kernel: dark left, bright right gives it ' ..
                  string.format('%g, dark above, bright below %g', left, above),
           'Turn k on its side: its columns -1, 0, 1 become rows.'
  end
  if above < -1 and level then
    return false, string.format('the sign is flipped: dark above, bright below gives %g; this ' ..
                                'kernel finds bright above, dark below', above),
           'Bottom row minus top row: the -1s go on top, the 1s at the bottom.'
  end
  if math.abs(grey) >= 1e-6 then
    return false, string.format('a flat grey patch gives %g, not 0: the nine weights should add ' ..
                                'up to 0 (they add up to %g)', grey, kh:sum()),
           'Give the top row -1s: a row of -1s above a row of 1s adds up to 0 on a flat patch.'
  end
  if math.abs(left) >= 1e-6 then
    return false, string.format('a vertical edge (dark left, bright right) gives %g, not 0: ' ..
                                'each row should hold one value', left),
           'Rows, not columns: {{-1, -1, -1}, ...}.'
  end
  return false, string.format('dark above, bright below gives %g; it should be large and positive', above)
end

local SQUARE = 'img = nn.zeros(7, 7); img:narrow(1, 3, 3):narrow(2, 3, 3):fill(1)'
local VERTICAL = 'k = nn.tensor{{-1, 0, 1}, {-1, 0, 1}, {-1, 0, 1}}'
local HORIZONTAL = 'kh = nn.tensor{{-1, -1, -1}, {0, 0, 0}, {1, 1, 1}}'

-- A Fashion-MNIST test picture if the data set is there, else a drawn one.
local PICTURE = [[
do
  local ok, train, test = pcall(nn.datasets.fashion_mnist)
  if ok then
    picture = test.x[1]:select(3, 1):clone()              -- (28, 28): drop the channel axis
    picture_name = test.class_names[test.y[1] + 1]
  else                                                    -- no data set: draw a ring
    picture = nn.zeros(28, 28)
    for i = 1, 28 do for j = 1, 28 do
      local r = math.sqrt((i - 14.5) ^ 2 + (j - 14.5) ^ 2)
      if r > 6 and r < 11 then picture[i][j] = 1 end
    end end
    picture_name = 'a ring (Fashion-MNIST is not installed)'
  end
end
collectgarbage()
]]

local EDGES = [[
edges = nn.Sequential{nn.Conv2D(2, {3, 3}, {input_shape = {28, 28, 1}, use_bias = false})}
edges:compile{optimizer = 'sgd', loss = 'mse'}
kernel = edges.layers[1].kernel
for a = 1, 3 do
  for b = 1, 3 do
    kernel[a][b][1][1] = k[a][b]      -- filter 1: vertical edges
    kernel[a][b][1][2] = kh[a][b]     -- filter 2: horizontal edges
  end
end
]]

local LEARN = [[
sobel = nn.tensor{{-1, 0, 1}, {-2, 0, 2}, {-1, 0, 1}}
teacher = nn.Sequential{nn.Conv2D(1, {3, 3}, {input_shape = {10, 10, 1}, use_bias = false})}
teacher:compile{optimizer = 'sgd', loss = 'mse'}
teacher.layers[1].kernel:copy(sobel:reshape(3, 3, 1, 1))
noise = nn.randn(128, 10, 10, 1)
wanted = teacher:predict(noise)
student = nn.Sequential{nn.Conv2D(1, {3, 3}, {input_shape = {10, 10, 1}, use_bias = false})}
student:compile{optimizer = nn.optimizers.SGD{learning_rate = 0.05}, loss = 'mse'}
]]

return {
  title = 'Convolution: kernels, feature maps, edges',
  minutes = 15,
  group = 'CNN',
  requires = {5},
  run = function(L)
    own = setmetatable({}, {__index = _G})
    assert(load(HELPERS, '=helpers', 't', own))()
    L:page [[
A Dense layer joins every pixel to every unit: for a 28x28 picture that is
784 weights per unit, and no idea that neighbouring pixels belong together.

A convolution uses a small kernel instead, say 3x3: nine weights. It
slides the kernel over the picture. At each position it multiplies the 9
pixels under the kernel by the 9 weights and adds them up: one number.
All those numbers, laid out like the positions, make a feature map. The
same nine weights are used everywhere, so a pattern is found wherever it
is in the picture.

First by hand, on a tiny picture: 7x7 pixels, black (0) with a white (1)
3x3 square in the middle.]]
    L:run(HELPERS)
    L:run(SQUARE)
    L:try(SQUARE, 'narrow (lesson 1) gives a view of rows 3-5, columns 3-5; fill(1) paints it.')
    L:try('img', 'The picture.')
    L:run(VERTICAL)
    L:try(VERTICAL,
          'A kernel that finds vertical edges: right column minus left column. It\n' ..
          'gives 0 on a flat patch, and a large value where dark turns to bright\n' ..
          'from left to right.')

    L:page [[
conv_at(img, k, i, j), in your session, puts the kernel's top-left corner
on pixel (i, j) and adds up the nine products:

    for a = 1, 3 do
      for b = 1, 3 do
        sum = sum + img[i + a - 1][j + b - 1] * k[a][b]
      end
    end

feature_map(img, k) calls conv_at at every position where the kernel fits
inside the picture.]]
    L:try('conv_at(img, k, 3, 3)', 'Right on the square: all white, flat, so 0.')
    L:try('conv_at(img, k, 3, 1)', 'Rows 3-5, columns 1-3: the square\'s left edge under the right column: 1+1+1 = 3.')
    L:try('conv_at(img, k, 3, 4)', 'Columns 4-6: bright on the left, dark on the right: -3.')
    L:try('feature_map(img, k)',
          'The whole feature map: positive along the left edge of the square,\n' ..
          'negative along its right edge, 0 in the middle column (as much white\n' ..
          'on the left as on the right). Smaller numbers above and below: the\n' ..
          'kernel covers only part of the edge there. It is 5x5: a 3x3 kernel fits\n' ..
          'in 7 - 3 + 1 = 5 places across.')
    do
      local map = own.feature_map(L:run('img'), L:run('k'))
      L:check(map.shape[1] == 5 and map[3][1] == 3 and map[3][4] == -3 and map[3][3] == 0 and map[1][1] == 1,
              'the vertical kernel marks the left edge + and the right edge -')
    end

    L:exercise{
      prompt = 'Make a kernel kh (a 3x3 tensor) that finds horizontal edges: dark\n' ..
               'above, bright below should give a large positive value, and a flat\n' ..
               'patch or a vertical edge 0.',
      answer = 'kh = nn.tensor{{-1, -1, -1}, {0, 0, 0}, {1, 1, 1}}',
      wrong = {'kh = nn.tensor{{-1, 0, 1}, {-1, 0, 1}, {-1, 0, 1}}',
               'kh = nn.tensor{{1, 1, 1}, {0, 0, 0}, {-1, -1, -1}}',  -- negated
               'kh = nn.tensor{{0, 0, 0}, {0, 0, 0}, {1, 1, 1}}',
               'kh = nn.tensor{-1, 0, 1}'},
      check = check_kh,
      hints = {'Turn k on its side: its columns -1, 0, 1 become rows.',
               'Bottom row minus top row: kh = nn.tensor{{-1, -1, -1}, {0, 0, 0}, {1, 1, 1}}'},
    }
    L:run(HORIZONTAL)
    L:try('feature_map(img, kh)', 'Positive along the top edge of the square, negative along the bottom.')

    L:page [[
The engine's layer is Keras's Conv2D:

    nn.Conv2D(filters, {3, 3}, {input_shape = {28, 28, 1}})

Pictures are (height, width, channels): 1 channel for grey, 3 for colour.
filters is how many kernels the layer has; each makes its own feature
map, so the output is (height - 2, width - 2, filters).

Its kernel tensor has the shape (3, 3, channels, filters): kernel[a][b][c][f]
is row a, column b of filter f, for input channel c. We make a layer with 2
filters and put our two kernels into it: k as filter 1, kh as filter 2.]]
    L:run(EDGES)
    L:try('edges.layers[1].kernel.shape', 'edges is that layer in a model; kernel is its kernel.')
    L:try('edges.layers[1].kernel:select(4, 2):select(3, 1)',
          'Filter 2, channel 1: select(axis, i) picks index i along an axis (a view).\n' ..
          'Our horizontal kernel.')
    L:run(PICTURE)
    L:try('picture_name, picture.shape', 'A picture to look at: the first test image of Fashion-MNIST (if it is\n' ..
          'installed; a drawn ring if not). Its class, and its shape.')
    L:try('draw(picture)', 'Drawn in characters, two pixel rows per line.')

    L:exercise{
      prompt = 'The picture is 28x28 and the kernels 3x3. How many rows will each\n' ..
               'feature map have? Store the number in size (as arithmetic if you like).',
      answer = 'size = 28 - 3 + 1',
      wrong = {'size = 28', 'size = 28 - 3', 'size = 26 * 26'},
      check = function(env)
        local m = nn.Sequential{nn.Conv2D(2, {3, 3}, {input_shape = {28, 28, 1}})}
        local rows = m.layers[1].output_shape[1]
        return L.count_answer('size', env.size, rows, {
          {28, 'that is the picture\'s size: the kernel fits only where all its 9 pixels are inside ' ..
               'the picture, so its centre never sits on the edge rows',
           'In the 7x7 picture the 3x3 kernel fitted in 7 - 3 + 1 = 5 places.'},
          {28 - 3, 'off by one: 28 - 3 counts the steps from the first position to the last; the ' ..
                   'first position counts too', '+ 1 for the first position.'},
          {28 - 1, 'a 3x3 kernel loses one row at the top and one at the bottom: 2 rows, not 1'},
          {rows * rows, 'that is the number of positions, rows times columns; the rows alone'},
          {28 // 2, 'halving is pooling (lesson 8); a 3x3 convolution loses 2 rows'},
        })
      end,
      hints = {'In the 7x7 picture the 3x3 kernel fitted in 5 places across.',
               'size = 28 - 3 + 1'},
    }

    L:page [[
Now run the layer the way training runs it: one forward step in the
debugger (lesson 5). (A training step needs targets; zeros of the
output's shape will do, as we only take the first step.)

    target = nn.zeros(1, 26, 26, 2)
    d = nn.debug(edges, picture:reshape(1, 28, 28, 1), target)
    d:step()

picture:reshape(1, 28, 28, 1) makes the picture a batch of one, with one
channel, as the layer wants.]]
    L:run('target = nn.zeros(1, 26, 26, 2)')
    L:try('d = nn.debug(edges, picture:reshape(1, 28, 28, 1), target)', 'The debugger, on that batch.')
    L:try('d:step()', 'The forward step of conv2d_1 runs; next would be the loss.')
    -- whatever was typed: the debugger on edges, just after its forward step
    -- (back restores the weights, were the update run)
    L:run([[
if d == nil or d.model ~= edges or nn.debugger.current() ~= d then
  d = nn.debug(edges, picture:reshape(1, 28, 28, 1), target)
end
if d.epoch ~= 1 then d = nn.debug(edges, picture:reshape(1, 28, 28, 1), target) end
if d.stepper.position > 1 then d.stepper:back(d.stepper.position - 1) end
if d.stepper.position < 1 then d.stepper:step() end
]])
    L:check(L:run('d.stepper.position') == 1, 'the debugger stands after the forward step of conv2d_1')
    L:try('maps = edges.layers[1].output[1]', 'The output for example 1: (26, 26, 2), both feature maps.')
    L:run('maps = edges.layers[1].output[1]:clone()')
    L:try('draw(maps:select(3, 1), maps:select(3, 2))',
          'Filter 1 (vertical edges) and filter 2 (horizontal edges). # and + mark\n' ..
          'dark-to-bright edges, = and - bright-to-dark ones.')
    do
      local maps = L:run('maps')
      local by_hand = own.feature_map(L:run('picture'), L:run('kh'))
      L:check((maps:select(3, 2) - by_hand):abs():max() < 1e-4,
              'the engine\'s feature map is the hand-made one')
      L:check(maps.shape[1] == 26 and maps.shape[3] == 2, 'a valid 3x3 convolution turns 28x28 into 26x26, one map per filter')
    end
    L:check(nn.debugger.current() ~= nil and nn.debugger.current().model == L.env.edges,
            'the view opens on the debugger of edges: the view and :where agree')
    L:view('featuremaps', {model = L:run('edges')})

    L:page [[
The visualizer's feature-map view shows the same: the input, each filter's
feature map as a heatmap with its range, and the kernels. (At the nn>
prompt, nn.viz.open(edges) or :viz shows it live, in colour.)

A Conv2D layer's parameters are its kernels plus one bias per filter:
3 * 3 * channels * filters + filters. Compare that with a Dense layer.]]

    L:exercise{
      prompt = 'How many parameters (weights and biases) does this layer have?\n' ..
               '    nn.Conv2D(8, {3, 3}, {input_shape = {28, 28, 1}})\n' ..
               'Store the number in conv_params. (For comparison, Dense(8) on the 784\n' ..
               'pixels has 784 * 8 + 8 = 6280.)',
      answer = 'conv_params = 3 * 3 * 1 * 8 + 8',
      wrong = {'conv_params = 3 * 3 * 8', 'conv_params = 26 * 26 * 8', 'conv_params = 3 * 3 * 1 * 8 + 1'},
      check = function(env)
        local m = nn.Sequential{nn.Conv2D(8, {3, 3}, {input_shape = {28, 28, 1}})}
        local biases = 'Add one bias per filter: + 8.'
        return L.count_answer('conv_params', env.conv_params, m:count_params(), {
          {3 * 3 * 8, 'the 8 biases are missing, one per filter', biases},
          {3 * 3 * 8 + 1, 'one bias per filter: 8 of them, not 1', biases},
          {26 * 26 * 8, 'that is the number of outputs (26 * 26 * 8 numbers); the parameters are the ' ..
                        'kernels, shared by all positions, and the biases',
           'Each of the 8 filters has a 3x3 kernel for its 1 channel, and 1 bias.'},
          {26 * 26 * 8 + 8, 'that counts the outputs (26 * 26 * 8); the kernel is shared by all ' ..
                            'positions: 3 * 3 weights per filter'},
          {3 * 3 + 1, 'that is one filter; the layer has 8'},
          {3 * 3 * 8 * 8 + 8, 'the picture has 1 channel, not 8: a kernel is 3 * 3 * 1'},
          {784 * 8 + 8, 'that is the Dense layer\'s count; a Conv2D kernel is 3 * 3, not 784'},
        })
      end,
      hints = {'Each of the 8 filters has a 3x3 kernel for its 1 channel, and 1 bias.',
               'conv_params = 3 * 3 * 1 * 8 + 8'},
    }
    L:try('nn.Sequential{nn.Conv2D(8, {3, 3}, {input_shape = {28, 28, 1}})}:count_params()',
          'The engine counts the same: 80, against 6280. Sharing the kernel across\n' ..
          'positions is what makes convolution cheap.')
    L:check(L:run('nn.Sequential{nn.Conv2D(8, {3, 3}, {input_shape = {28, 28, 1}})}:count_params()') == 80
            and L:run('nn.Sequential{nn.Dense(8, {input_shape = {784}})}:count_params()') == 6280,
            'the counts the page states: Conv2D(8, 3x3) on 1 channel has 80, Dense(8) on 784 has 6280')

    L:page [[
Nobody sets kernels by hand in a real network: they are learned, like any
weights, by backprop and an optimizer.

To watch one being learned, we give a Conv2D the job of a known kernel.
A "teacher" layer holds the Sobel kernel (a smoother vertical edge finder,
{{-1, 0, 1}, {-2, 0, 2}, {-1, 0, 1}}); it makes the feature maps of 128
random 10x10 pictures. A "student" Conv2D starts from random weights and
is trained (fit) to make the same feature maps from the same pictures.]]
    L:run(LEARN)
    L:try('student.layers[1].kernel:reshape(3, 3)', 'The student\'s kernel before training: random.')
    L:try('h = student:fit(noise, wanted, {epochs = 20, batch_size = 16, verbose = 0})',
          'Twenty epochs of plain SGD.')
    L:run('if h == nil or h.loss == nil or #h.loss < 20 then h = student:fit(noise, wanted, {epochs = 20, batch_size = 16, verbose = 0}) end')
    L:try('h.loss[1], h.loss[20]', 'The loss, first and last epoch.')
    L:try('student.layers[1].kernel:reshape(3, 3)', 'And the kernel it learned: the Sobel kernel.')
    L:check(L:run('(student.layers[1].kernel:reshape(3, 3) - sobel):abs():max()') < 0.01,
            'a trained Conv2D learns the kernel that makes the wanted feature maps')

    L:page [[
In a classifier, nothing tells the kernels what to become: whatever helps
the loss. Yet the first layer of a trained CNN is full of edge and blob
finders much like the ones you made today. Lesson 9 trains the reference
CNN on Fashion-MNIST and looks at its kernels.

What you have seen:

  a convolution   slide a kernel, multiply, add: one feature map per filter
  output size     (height - kernel + 1) with padding 'valid'
  Conv2D kernel   (kh, kw, channels, filters); parameters kh*kw*ch*f + f
  edge kernels    right minus left finds vertical edges, and turned on
                  its side, horizontal ones
  learned kernels fit finds them, from examples

Next lesson: pooling, flatten and the fully connected layer.]]
  end,
}
