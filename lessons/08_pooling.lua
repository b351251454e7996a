-- Lesson 8: pooling, Flatten and the fully connected layer. Max pooling on a
-- 4x4 map checked by hand, its backward pass (the gradient goes to the
-- winner of each window), pooled shapes, Flatten's channels-last order, and
-- the parameter count of the Dense layer that follows; model:summary().

local IMG2 = {{2, 8, 1, 1}, {4, 6, 0, 3}, {5, 5, 7, 2}, {1, 9, 2, 4}}

-- A batch of one picture for m, and its class: a Fashion-MNIST test image
-- if the data set is there, else a drawn ring (class 0).
local PICTURE = [[
do
  local ok, train, test = pcall(nn.datasets.fashion_mnist)
  if ok then
    x1 = test.x:slice(1, 1)                                -- (1, 28, 28, 1): a batch of one
    y1 = nn.utils.to_categorical(nn.tensor{test.y[1]}, 10) -- (1, 10): its class, one-hot
  else
    x1 = nn.zeros(1, 28, 28, 1)
    for i = 1, 28 do for j = 1, 28 do
      local r = math.sqrt((i - 14.5) ^ 2 + (j - 14.5) ^ 2)
      if r > 6 and r < 11 then x1:set(1, 1, i, j, 1) end
    end end
    y1 = nn.utils.to_categorical(nn.tensor{0}, 10)
  end
end
collectgarbage()
]]

-- The four 2x2 windows of a 4x4 table, by name, with what f (math.max,
-- math.min, or the mean) makes of each: result[i][j] for window (i, j).
local WINDOW_NAMES = {{'top-left', 'top-right'}, {'bottom-left', 'bottom-right'}}
local function pool_by(f, map)
  local out = {{}, {}}
  for i = 1, 2 do
    for j = 1, 2 do
      local r, c = 2 * i - 1, 2 * j - 1
      out[i][j] = f(map[r][c], map[r][c + 1], map[r + 1][c], map[r + 1][c + 1])
    end
  end
  return out
end
local function mean(...) local sum = 0 for _, v in ipairs{...} do sum = sum + v end return sum / select('#', ...) end

local function same_table(a, b)
  for i = 1, 2 do for j = 1, 2 do if a[i][j] ~= b[i][j] then return false end end end
  return true
end

-- Exercise 1: img2 max-pooled by hand, as a 2x2 Lua table (or tensor).
local function check_pooled2(env, engine)
  local t = env.pooled2
  if t == nil then return false, 'still waiting for pooled2 = {{...}, {...}}' end
  local ok, shape = pcall(function() return t.shape end)
  if ok and type(shape) == 'table' then  -- a tensor: nn.tensor{{...}} is right too
    if #shape ~= 2 or shape[1] ~= 2 or shape[2] ~= 2 then
      return false, 'pooled2 has shape (' .. table.concat(shape, ', ') .. '); the pooled map is 2x2: ' ..
                    '{{top-left, top-right}, {bottom-left, bottom-right}}'
    end
    t = t:totable()
  end
  if type(t) ~= 'table' or #t ~= 2 or type(t[1]) ~= 'table' or type(t[2]) ~= 'table'
     or #t[1] ~= 2 or #t[2] ~= 2 then
    return false, 'pooled2 should be a table of 2 rows of 2 numbers: {{top-left, top-right}, ' ..
                  '{bottom-left, bottom-right}}'
  end
  if same_table(t, engine) then return true end
  if same_table(t, pool_by(mean, IMG2)) then
    return false, 'those are the windows\' averages (AveragePooling2D); max pooling keeps the largest',
           'The top-left window holds 2, 8, 4, 6: max pooling keeps 8.'
  end
  if same_table(t, pool_by(math.min, IMG2)) then
    return false, 'those are the smallest of each window; max pooling keeps the largest'
  end
  if same_table(t, {{engine[1][1], engine[2][1]}, {engine[1][2], engine[2][2]}}) then
    return false, 'top-right and bottom-left are swapped: the table is rows, {{top-left, top-right}, ' ..
                  '{bottom-left, bottom-right}}', 'Row 1 of pooled2 comes from rows 1-2 of img2.'
  end
  for i = 1, 2 do
    for j = 1, 2 do
      if t[i][j] ~= engine[i][j] then
        local r, c = 2 * i - 1, 2 * j - 1
        return false, string.format('the %s window (rows %d-%d, columns %d-%d: %g, %g, %g, %g) has %g ' ..
                                    'as its largest, not %s', WINDOW_NAMES[i][j], r, r + 1, c, c + 1,
                                    IMG2[r][c], IMG2[r][c + 1], IMG2[r + 1][c], IMG2[r + 1][c + 1],
                                    engine[i][j], tostring(t[i][j]))
      end
    end
  end
end

-- Exercise 2: the shape MaxPooling2D({2, 2}) makes of (11, 11, 64).
local function check_shape(env)
  local s = env.shape
  local want = nn.Sequential{nn.MaxPooling2D({2, 2}, {input_shape = {11, 11, 64}})}.layers[1].output_shape
  if s == nil then return false, 'still waiting for shape = {height, width, channels}' end
  if type(s) ~= 'table' then return false, 'shape should be a Lua table {height, width, channels}' end
  if #s ~= 3 then
    return false, string.format('shape has %d numbers; a feature map\'s shape has 3: height, width, ' ..
                                'channels', #s), 'The channels go last: {height, width, 64}.'
  end
  if s[1] == want[1] and s[2] == want[2] and s[3] == want[3] then return true end
  if s[3] ~= want[3] then
    return false, string.format('the channels: pooling works on each channel alone, so all %d stay ' ..
                                '(not %s)', want[3], tostring(s[3]))
  end
  if s[1] == 6 or s[2] == 6 then
    return false, '11 / 2 = 5.5 rounds down: a 6th window would need row 12, and there are 11',
           'How many whole 2-row windows fit in 11 rows?'
  end
  if s[1] == 5.5 or s[2] == 5.5 then
    return false, 'only whole windows fit: 5.5 rounds down', 'How many whole 2-row windows fit in 11 rows?'
  end
  if s[1] == 11 or s[2] == 11 then
    return false, 'that is the shape going in; each 2x2 window becomes one number'
  end
  return false, string.format('the height and width: %s x %s, not %d x %d', tostring(s[1]),
                              tostring(s[2]), want[1], want[2])
end

return {
  title = 'Pooling, Flatten and the fully connected layer',
  minutes = 12,
  group = 'CNN',
  requires = {7},
  run = function(L)
    L:page [[
In lesson 7 a 3x3 convolution turned a 28x28 image into 26x26 feature
maps, one per filter. With 32 filters that is 26*26*32 = 21,632 numbers,
far more than the 784 pixels we started from. A classifier needs the
opposite: fewer numbers, each meaning more. Three layers take us there:

  MaxPooling2D   shrinks each feature map, keeping the strongest responses
  Flatten        lines all the numbers up in one row
  Dense          the fully connected layer: turns that row into class scores

This lesson puts numbers through each of them.]]

    L:page [[
Max pooling slides a window over each feature map, by default 2x2 moving 2
at a time, so the windows do not overlap, and keeps only the largest value
of each window. Each channel is pooled on its own. It has no weights:
nothing to learn.

Here is a 4x4 map with numbers small enough to follow by eye.]]

    L:try('img = nn.tensor{{1, 3, 2, 0}, {5, 4, 1, 1}, {0, 2, 9, 6}, {7, 1, 3, 8}}',
          'A 4x4 "feature map".')
    L:run('img = nn.tensor{{1, 3, 2, 0}, {5, 4, 1, 1}, {0, 2, 9, 6}, {7, 1, 3, 8}}')
    L:try('img', 'Rows 1-2 and columns 1-2 make the top-left window: 1, 3, 5, 4.')
    L:try("pool = nn.Sequential{nn.MaxPooling2D({2, 2}, {input_shape = {4, 4, 1}})}",
          'A model that is nothing but one MaxPooling2D layer. Shapes are\n' ..
          'channels-last, as in Keras: (height, width, channels).')
    L:run([[
pool = nn.Sequential{nn.MaxPooling2D({2, 2}, {input_shape = {4, 4, 1}})}
pool:compile{loss = 'mse'}
]])
    L:page [[
(nnstep wants a model compiled before predict, so the lesson has just run
pool:compile{loss = 'mse'} for you; the loss does not matter here.)

Layers work on batches: predict wants (examples, height, width, channels),
so the 4x4 map goes in as a batch of one image of one channel,
img:reshape(1, 4, 4, 1). The result is (1, 2, 2, 1); reshape(2, 2) shows it
as a plain 2x2 table.]]
    L:try('pooled = pool:predict(img:reshape(1, 4, 4, 1))', 'Pool it.')
    L:try('pooled:reshape(2, 2)', 'The four window maxima.')
    local p = L:run("pool:predict(img:reshape(1, 4, 4, 1)):reshape(2, 2)")
    L:check(p[1][1] == 5 and p[1][2] == 2 and p[2][1] == 7 and p[2][2] == 9,
            'max pooling of img gives 5, 2, 7, 9')

    L:page [[
Check it by eye:

   1 3 | 2 0          top-left     {1, 3, 5, 4} -> 5
   5 4 | 1 1          top-right    {2, 0, 1, 1} -> 2
   ----+----          bottom-left  {0, 2, 7, 1} -> 7
   0 2 | 9 6          bottom-right {9, 6, 3, 8} -> 9
   7 1 | 3 8

Your turn, on another map.]]

    L:run('img2 = nn.tensor{{2, 8, 1, 1}, {4, 6, 0, 3}, {5, 5, 7, 2}, {1, 9, 2, 4}}')
    L:try('img2', 'Another 4x4 map.')
    L:exercise{
      prompt = 'Max-pool img2 (2x2 windows, stride 2) by hand. Write the\n' ..
               'result as a Lua table of rows:\n' ..
               '    pooled2 = {{top-left, top-right}, {bottom-left, bottom-right}}',
      answer = 'pooled2 = {{8, 3}, {9, 7}}',
      wrong = {'pooled2 = {{5, 1.25}, {5, 3.75}}',  -- the averages, not the maxima
               'pooled2 = {{8, 9}, {3, 7}}',          -- top-right and bottom-left swapped
               'pooled2 = {{8, 3}, {9, 6}}',
               'pooled2 = pool:predict(img2:reshape(1, 4, 4, 1))'},
      check = function(env)
        local probe = nn.Sequential{nn.MaxPooling2D({2, 2}, {input_shape = {4, 4, 1}})}
        probe:compile{loss = 'mse'}
        local engine = probe:predict(nn.tensor(IMG2):reshape(1, 4, 4, 1)):reshape(2, 2):totable()
        return check_pooled2(env, engine)
      end,
      hints = {'Cut img2 into four 2x2 windows: rows 1-2 x columns 1-2, rows 1-2 x columns 3-4,\n' ..
               'rows 3-4 x columns 1-2, rows 3-4 x columns 3-4.',
               'The top-left window holds 2, 8, 4, 6. Max pooling keeps the largest, 8\n' ..
               '(the average, 5, is what AveragePooling2D would keep).',
               'pooled2 = {{8, 3}, {9, 7}}'},
    }
    L:try("pool:predict(img2:reshape(1, 4, 4, 1)):reshape(2, 2)", 'The engine agrees.')

    L:page [[
Why keep the largest? A feature map is large where its filter found its
pattern. Max pooling keeps "the pattern is somewhere in this 2x2 patch" and
forgets exactly where, so a shift by a pixel often changes nothing. Two
maps with one bright spot, in different places of the same window:]]

    L:run([[
a = nn.zeros(1, 4, 4, 1); a:set(9, 1, 1, 1, 1)
b = nn.zeros(1, 4, 4, 1); b:set(9, 1, 2, 2, 1)
]])
    L:try('a:reshape(4, 4)', 'The spot at (1, 1) ...')
    L:try('b:reshape(4, 4)', '... and at (2, 2).')
    L:try('pool:predict(a):reshape(2, 2)', 'After pooling a ...')
    L:try('pool:predict(b):reshape(2, 2)', '... and b: they are the same.')
    L:check(L:run('(pool:predict(a) - pool:predict(b)):abs():max()') == 0,
            'a shift inside a pooling window does not change the pooled map')
    L:try("avg = nn.Sequential{nn.AveragePooling2D({2, 2}, {input_shape = {4, 4, 1}})}",
          'For comparison, AveragePooling2D keeps the mean of each window instead\n' ..
          '(the lesson compiles it for you) ...')
    L:run("avg = nn.Sequential{nn.AveragePooling2D({2, 2}, {input_shape = {4, 4, 1}})}; avg:compile{loss = 'mse'}")
    L:try('avg:predict(img:reshape(1, 4, 4, 1)):reshape(2, 2)', '... (1 + 3 + 5 + 4) / 4 = 3.25 for the top-left window.')
    L:check(L:run('avg:predict(img:reshape(1, 4, 4, 1))[1][1][1][1]') == (1 + 3 + 5 + 4) / 4,
            'average pooling keeps the mean, 3.25 for the top-left window')

    L:page [[
What happens to the gradient? In the backward pass the loss asks each layer
"how does the loss change with your input?". A pooled value came from one
input, the winner of its window, so the gradient flows back to that input
only: the other three moved nothing, and their gradient is zero.

Let us watch it with the debugger. The model below is pooling, Flatten and
a Dense layer of one unit. In front of the pooling sits a do-nothing layer,
Activation('linear'): the first layer of a model gets no input gradient
(nothing below it needs one), and we want to see the pooling layer's.]]

    L:run([[
q = nn.Sequential()
q:add(nn.Activation('linear', {input_shape = {4, 4, 1}}))
q:add(nn.MaxPooling2D({2, 2}))
q:add(nn.Flatten())
q:add(nn.Dense(1))
q:compile{optimizer = 'sgd', loss = 'mse'}
]])
    L:try('q:summary()', 'The model (built for you).')
    L:try('d = nn.debug(q, img:reshape(1, 4, 4, 1), nn.tensor{{0}})',
          'Debug one training step on img, with the target 0.')
    L:run('if not d or d.model ~= q then d = nn.debug(q, img:reshape(1, 4, 4, 1), nn.tensor{{0}}) end')
    L:try('d:finish()', 'Run the whole step: forward, loss, backward, update.')
    L:run('if not d.stepper.done then d:finish() end')
    L:try('q.layers[2].grad_output:reshape(2, 2)',
          'dL/d(output) of the pooling layer: one number per pooled value.')
    L:try('q.layers[2].grad_input:reshape(4, 4)',
          'dL/d(input): the same four numbers, each put back where its winner\n' ..
          'was (where 5, 2, 7 and 9 sit in img), zeros everywhere else.')
    do
      local gi = L:run('q.layers[2].grad_input:reshape(4, 4)')
      local go = L:run('q.layers[2].grad_output:reshape(2, 2)')
      local nonzero = 0
      for i = 1, 4 do for j = 1, 4 do if gi[i][j] ~= 0 then nonzero = nonzero + 1 end end end
      L:check(nonzero == 4, 'max pooling sends gradient to 4 of the 16 inputs')
      -- 5, 2, 7 and 9 sit at (2, 1), (1, 3), (4, 1) and (3, 3)
      L:check(gi[2][1] == go[1][1] and gi[1][3] == go[1][2] and gi[4][1] == go[2][1] and gi[3][3] == go[2][2],
              'each pooled gradient goes to the winner of its window')
    end

    L:page [[
The size of a pooled map: a window of p moving by p fits floor(H / p)
times into H. Odd sizes lose their last row and column:

   26x26 -> 13x13          13x13 -> 6x6 (row 13 and column 13 are dropped)

The number of channels does not change: each channel is pooled on its own.]]

    L:try('p13 = nn.Sequential{nn.MaxPooling2D({2, 2}, {input_shape = {13, 13, 32}})}',
          'Pooling (13, 13, 32) maps ...')
    L:try('p13.layers[1].output_shape', '... a layer knows its output shape once it knows its input shape.')
    L:check(L:run('nn.Sequential{nn.MaxPooling2D({2, 2}, {input_shape = {13, 13, 32}})}.layers[1].output_shape[1]') == 6,
            '13 pooled by 2 gives 6')
    L:exercise{
      prompt = 'In the reference CNN (lesson 9) a Conv2D leaves maps of\n' ..
               'shape (11, 11, 64). What shape comes out of MaxPooling2D({2, 2})?\n' ..
               'Set shape = {height, width, channels}.',
      answer = 'shape = {5, 5, 64}',
      wrong = {'shape = {6, 6, 64}', 'shape = {5, 5, 32}', 'shape = {5, 5}'},
      check = check_shape,
      hints = {'11 / 2 = 5.5: how many whole 2-wide windows fit in 11?',
               'The channels stay as they are: pooling works on each channel alone.',
               'shape = {5, 5, 64}'},
    }

    L:page [[
Flatten turns each example's (height, width, channels) block into one row
of height*width*channels numbers, so that a Dense layer can take it. No
numbers change; they are only read out in order. The order is channels-
last, row by row: first all channels of pixel (1, 1), then all channels of
pixel (1, 2), and so on. (That is NumPy's reshape order, and Keras's.)

Let us flatten a tiny (2, 2, 3) block whose numbers count 0 to 11.]]

    L:run([[
t = nn.arange(12):reshape(1, 2, 2, 3)
flat = nn.Sequential{nn.Flatten({input_shape = {2, 2, 3}})}
flat:compile{loss = 'mse'}
]])
    L:try('t = nn.arange(12):reshape(1, 2, 2, 3)',
          'One example: 2 rows, 2 columns, 3 channels, filled with 0, 1, ..., 11.')
    L:try('flat = nn.Sequential{nn.Flatten({input_shape = {2, 2, 3}})}',
          'A model that only flattens (compiled for you).')
    L:run("flat = nn.Sequential{nn.Flatten({input_shape = {2, 2, 3}})}; flat:compile{loss = 'mse'}")
    L:try('flat:predict(t):totable()', 'The flattened row (totable makes it a Lua table).')
    L:try('t[1][1][2][3]', 'Row 1, column 2, channel 3 of example 1 ...')
    L:try('flat:predict(t)[1][6]', '... is number 6 of the flattened row: ((1-1)*2 + (2-1))*3 + 3.')
    L:check(L:run('flat:predict(t)[1][6] == t[1][1][2][3]'),
            'Flatten is channels-last: (row r, column c, channel ch) goes to ((r-1)*W + (c-1))*C + ch')
    L:exercise{
      prompt = 'Element t[1][2][2][1] (row 2, column 2, channel 1) is at\n' ..
               'which position k of the flattened row? Set k (counting from 1,\n' ..
               'as Lua does).',
      answer = 'k = ((2 - 1) * 2 + (2 - 1)) * 3 + 1',
      wrong = {'k = 4',  -- as if channels came first (channels-first order)
               'k = 9',  -- counted from 0
               'k = ((2 - 1) + (2 - 1)) * 3 + 1'},  -- a row of pixels is 2 wide: * 2 forgotten
      check = function(env)
        local block = nn.arange(12):reshape(1, 2, 2, 3)
        local f = nn.Sequential{nn.Flatten({input_shape = {2, 2, 3}})}
        f:compile{loss = 'mse'}
        local row = f:predict(block)
        local want
        for k = 1, 12 do if row[1][k] == block[1][2][2][1] then want = k end end
        local k = env.k
        if type(k) == 'number' and (k < 1 or k > 12 or not math.tointeger(k)) then
          return false, string.format('k = %g is not a position: the flattened row holds 12 numbers, ' ..
                                      'k is a whole number from 1 to 12', k)
        end
        return L.count_answer('k', k, want, {
          {(1 - 1) * 2 * 2 + (2 - 1) * 2 + 2, '4 is pixel (2, 2)\'s place among the 4 pixels (and its ' ..
                                              'place in channels-first order, PyTorch\'s); here ' ..
                                              'channels come last: each pixel brings its 3 channels, ' ..
                                              'then the next pixel',
           'Before pixel (2, 2) come the pixels (1, 1), (1, 2) and (2, 1), 3 channels each.'},
          {want - 1, 'one short: counted from 0, as NumPy does; Lua and nnstep count from 1',
           'Before it come 9 numbers; it is the next one.'},
          {((2 - 1) + (2 - 1)) * 3 + 1, 'a row of pixels is 2 pixels wide: the pixels before (2, 2) ' ..
                                        'are (1, 1), (1, 2) and (2, 1), three, not two',
           'Row 2 starts after one whole row of 2 pixels: ((2 - 1) * 2 + (2 - 1)) pixels before it.'},
          {want + 1, 'one too many: channel 1 of pixel (2, 2) directly follows the 9 numbers before it'},
        })
      end,
      hints = {'Before pixel (2, 2) come the pixels (1, 1), (1, 2) and (2, 1), 3 channels each.',
               'That is 9 numbers; channel 1 of pixel (2, 2) is the next one.',
               'k = ((2 - 1) * 2 + (2 - 1)) * 3 + 1'},
    }

    L:page [[
The fully connected layer: Dense(units) after Flatten connects every one of
the flattened numbers to every unit. Its kernel is (inputs, units), plus
one bias per unit, so it has inputs*units + units parameters. That is where
most parameters of a small CNN live, and why pooling first matters.

Here is a small complete CNN: convolution, pooling, Flatten, Dense.

    m = nn.Sequential()
    m:add(nn.Conv2D(8, {3, 3}, {activation = 'relu', input_shape = {28, 28, 1}}))
    m:add(nn.MaxPooling2D({2, 2}))
    m:add(nn.Flatten())
    m:add(nn.Dense(10, {activation = 'softmax'}))
    m:compile{optimizer = 'adam', loss = 'categorical_crossentropy',
              metrics = {'accuracy'}}]]

    L:run([[
m = nn.Sequential()
m:add(nn.Conv2D(8, {3, 3}, {activation = 'relu', input_shape = {28, 28, 1}}))
m:add(nn.MaxPooling2D({2, 2}))
m:add(nn.Flatten())
m:add(nn.Dense(10, {activation = 'softmax'}))
m:compile{optimizer = 'adam', loss = 'categorical_crossentropy', metrics = {'accuracy'}}
]])
    L:try('m:summary()', 'm: Conv2D(8, 3x3) -> MaxPooling2D(2x2) -> Flatten -> Dense(10). Built for you,\n' ..
          'as a Keras user writes it with model.add(...).')
    L:try("for _, l in ipairs(m.layers) do print(l.name, table.concat(l.output_shape, ' x ')) end",
          'The shapes, layer by layer. (ipairs walks a list; table.concat joins it.)')
    L:check(L:run('m.layers[3].output_shape[1]') == 13 * 13 * 8, 'Flatten gives 13*13*8 = 1352 numbers')
    L:check(L:run('m.layers[4]:count_params()') == 1352 * 10 + 10, 'the Dense layer has 1352*10 + 10 parameters')
    L:check(L:run('m.layers[2]:count_params()') == 0, 'pooling has no parameters')
    L:page [[
The visualizer's model view shows m layer by layer. To show numbers, and
to step through m as the debugger does (s in the view), it needs a batch:
one picture x1 and its class y1 (a Fashion-MNIST test image, or a drawn
ring if the data set is not installed). d then debugs m instead of q, so
that :where in the view and the view speak of the same model and batch.]]
    L:run(PICTURE)
    L:try('d = nn.debug(m, x1, y1)', 'Debug m on that picture.')
    L:run('if not d or d.model ~= m or nn.debugger.current() ~= d then d = nn.debug(m, x1, y1) end')
    L:check(nn.debugger.current() ~= nil and nn.debugger.current().model == L.env.m,
            'the view opens on the debugger of m: the view and :where agree')
    L:view('model', {model = L.env.m})

    L:exercise{
      prompt = 'Without the pooling layer, Flatten would get the whole\n' ..
               '(26, 26, 8) output of the convolution. How many parameters would the\n' ..
               'Dense(10) layer have then? Set n_params (a number; Lua does the\n' ..
               'arithmetic, e.g. 2 * 3 + 4).',
      answer = 'n_params = 26 * 26 * 8 * 10 + 10',
      wrong = {'n_params = 13 * 13 * 8 * 10 + 10', 'n_params = 26 * 26 * 8 * 10',
               'n_params = 28 * 28 * 8 * 10 + 10'},
      check = function(env)
        local probe = nn.Sequential()
        probe:add(nn.Conv2D(8, {3, 3}, {activation = 'relu', input_shape = {28, 28, 1}}))
        probe:add(nn.Flatten())
        probe:add(nn.Dense(10, {activation = 'softmax'}))
        local inputs = 26 * 26 * 8
        return L.count_answer('n_params', env.n_params, probe.layers[3]:count_params(), {
          {13 * 13 * 8 * 10 + 10, 'that is the Dense layer of m, after pooling (13 * 13 * 8 inputs); ' ..
                                  'without pooling it gets all 26 * 26 * 8',
           'inputs * units + units, where inputs = 26 * 26 * 8.'},
          {inputs * 10, 'the 10 biases are missing, one per unit', 'inputs * units + units.'},
          {28 * 28 * 8 * 10 + 10, 'the convolution\'s maps are 26 x 26, not 28 x 28 (lesson 7: 28 - 3 + 1)',
           'inputs = 26 * 26 * 8.'},
          {26 * 26 * 10 + 10, 'the 8 channels are missing: Flatten passes 26 * 26 * 8 numbers'},
          {inputs, 'that is how many numbers Flatten passes on; each goes to all 10 units, plus a bias each',
           'inputs * units + units.'},
        })
      end,
      hints = {'inputs * units + units, where inputs = 26 * 26 * 8.',
               'n_params = 26 * 26 * 8 * 10 + 10'},
    }
    L:check(math.floor((26 * 26 * 8 * 10 + 10) / L:run('m.layers[4]:count_params()') + 0.5) == 4,
            'without pooling the Dense layer has four times the weights')
    L:page [[
Four times the weights, for the same 10 outputs: pooling makes the
classifier smaller and less sensitive to exactly where a feature is.

  MaxPooling2D   largest of each window, per channel; no weights; the
                 gradient goes back to each window's winner
  Flatten        (h, w, c) -> one row of h*w*c, channels-last order
  Dense          every input to every unit: inputs*units + units weights

Next, lesson 9: the reference CNN on Fashion-MNIST, trained, then one of
its training steps taken apart.]]
  end,
}
