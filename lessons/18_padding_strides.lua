-- Lesson 18: padding and strides. Conv2D's padding 'valid' (no zeros: the
-- map shrinks by k - 1) and 'same' (zeros around, so that the output is
-- ceil(n / s); the odd zero goes after, at the bottom and right, as Keras
-- and TensorFlow put it), strides (a window on every s-th row and column:
-- floor((n - k) / s) + 1 with 'valid'). A 5x5 picture and a 3x3 kernel
-- worked by hand (pad and conv_by_hand, plain loops in the learner's
-- session) and compared with the engine's Conv2D; output sizes checked
-- against layers' output_shape; stride 2 beside MaxPooling2D(2) (the same
-- sizes; a 2x2 kernel of 1/4 is AveragePooling2D; a trained one learns an
-- average but cannot learn a max); the feature-map view of a stride-2 layer.

-- Functions the lesson puts into the learner's session (and keeps its own
-- copy of, for its checks).
local HELPERS = [[
-- img with `top` rows of zeros above it, `bottom` rows below, and as
-- many columns left and right (or `left` and `right`, if given).
function pad(img, top, bottom, left, right)
  left, right = left or top, right or bottom
  local rows, cols = img.shape[1], img.shape[2]
  local out = nn.zeros(rows + top + bottom, cols + left + right)
  out:narrow(1, top + 1, rows):narrow(2, left + 1, cols):copy(img)
  return out
end

-- The kernel k slid over img in steps of `stride`, only where it fits
-- (no padding): out[i][j] is the sum of the products of the window whose
-- top-left corner is pixel ((i - 1) * stride + 1, (j - 1) * stride + 1).
function conv_by_hand(img, k, stride)
  stride = stride or 1
  local kh, kw = k.shape[1], k.shape[2]
  local rows = (img.shape[1] - kh) // stride + 1   -- // divides and rounds down
  local cols = (img.shape[2] - kw) // stride + 1
  local out = nn.zeros(rows, cols)
  for i = 1, rows do
    for j = 1, cols do
      local top, left = (i - 1) * stride, (j - 1) * stride
      local sum = 0
      for a = 1, kh do
        for b = 1, kw do sum = sum + img[top + a][left + b] * k[a][b] end
      end
      out[i][j] = sum
    end
  end
  return out
end

-- The engine's Conv2D with one filter, kernel k and no bias, on img (one
-- channel). options: padding and strides, as Keras's. The output, (rows, cols).
function engine_conv(img, k, options)
  options = options or {}
  local rows, cols = img.shape[1], img.shape[2]
  local model = nn.Sequential{nn.Conv2D(1, {k.shape[1], k.shape[2]},
    {input_shape = {rows, cols, 1}, use_bias = false,
     padding = options.padding, strides = options.strides})}
  model:compile{loss = 'mse'}
  model.layers[1].kernel:copy(k:reshape(k.shape[1], k.shape[2], 1, 1))
  local out = model:predict(img:reshape(1, rows, cols, 1))   -- (1, rows', cols', 1)
  return out:reshape(out.shape[2], out.shape[3])
end

-- The output shape of a Conv2D(1, {k, k}, options) on an n x n picture,
-- as the engine works it out (no data needed).
function conv_shape(n, k, options)
  options = options or {}
  local layer = nn.Conv2D(1, {k, k}, {input_shape = {n, n, 1},
                                      padding = options.padding, strides = options.strides})
  return nn.Sequential{layer}.layers[1].output_shape
end
]]

local own  -- the lesson's own copy of the helpers (made when it runs)

local IMG4 = 'img4 = (nn.arange(16) + 1):reshape(4, 4); corner_k = nn.tensor{{1, 0}, {0, 0}}'
local IMG = 'img = nn.tensor{{1, 3, 2, 0, 1}, {5, 4, 1, 1, 2}, {0, 2, 9, 6, 0}, {7, 1, 3, 8, 2}, {2, 0, 1, 4, 3}}'
local PLUS = 'k = nn.tensor{{0, 1, 0}, {1, 1, 1}, {0, 1, 0}}'

-- A Fashion-MNIST test picture if the data set is there, else a drawn one.
local PICTURE = [[
do
  local ok, train, test = pcall(nn.datasets.fashion_mnist)
  if ok then
    picture = test.x:slice(1, 1)                           -- (1, 28, 28, 1): a batch of one
  else                                                     -- no data set: draw a ring
    picture = nn.zeros(1, 28, 28, 1)
    for i = 1, 28 do for j = 1, 28 do
      local r = math.sqrt((i - 14.5) ^ 2 + (j - 14.5) ^ 2)
      if r > 6 and r < 11 then picture:set(1, 1, i, j, 1) end
    end end
  end
end
collectgarbage()
]]

-- Layer 1: vertical and horizontal edges, 'same'; layer 2: a stride-2
-- 2x2 convolution that averages each channel on its own.
local LOOK = [[
look = nn.Sequential{
  nn.Conv2D(2, {3, 3}, {input_shape = {28, 28, 1}, padding = 'same', use_bias = false}),
  nn.Conv2D(2, {2, 2}, {strides = 2, use_bias = false}),
}
look:compile{loss = 'mse'}
edges = look.layers[1].kernel          -- (3, 3, 1, 2)
shrink = look.layers[2].kernel         -- (2, 2, 2, 2)
shrink:fill(0)
for a = 1, 3 do
  for b = 1, 3 do
    edges[a][b][1][1] = b - 2          -- filter 1: right column minus left (vertical edges)
    edges[a][b][1][2] = a - 2          -- filter 2: bottom row minus top (horizontal edges)
  end
end
for a = 1, 2 do
  for b = 1, 2 do
    for c = 1, 2 do shrink[a][b][c][c] = 0.25 end   -- channel c -> output c, 1/4 each
  end
end
]]

local function is_number(v) return type(v) == 'number' and v == v end

-- The first layer of a model, or nil if `m` is not a model.
local function first_layer(m)
  local ok, layers = pcall(function() return m.layers end)
  return ok and type(layers) == 'table' and layers[1] or nil
end

-- L:exercise with more typical wrong answers (also_wrong): unattended it
-- tries each, prints the reply and requires a reason for every one
local function exercise(L, ex)
  ex.wrong = {ex.wrong, table.unpack(ex.also_wrong or {})}
  ex.also_wrong = nil
  L:exercise(ex)
end

-- exercise 1: a 'valid' 5x5 kernel with stride 2 on 28 rows
local function check_valid_rows(env)
  local v, want = env.rows, own.conv_shape(28, 5, {strides = 2})[1]
  if v == nil then return false, 'still waiting for rows = ...' end
  if not is_number(v) then return false, 'rows should be a number (Lua does the arithmetic: 2 * 3 + 1)' end
  if v == want then return true end
  if v == (28 - 5) / 2 then
    return false, '11.5 is (n - k) / s, the steps between windows, and not whole: round it' ..
                  ' down (math.floor or //), then add 1 for the first window'
  end
  if v == 28 - 5 // 2 + 1 or v == 28 - 5 / 2 + 1 then
    return false, string.format('%g: Lua divides before it subtracts, so that is 28 - (5 %s 2) + 1.' ..
                                ' Put n - k in brackets: (28 - 5) // 2 + 1', v, v == 27 and '//' or '/')
  end
  if v == (28 - 5) // 2 then
    return false, '11 counts the steps of 2 from the first window to the last; the first' ..
                  ' window takes no step: add 1'
  end
  if v == math.ceil((28 - 5) / 2) + 1 then
    return false, 'rounded up: a 13th window would start at row 25 and end at row 29,' ..
                  ' past the edge. Round (n - k) / s down'
  end
  if v == 28 - 5 then return false, '23 is n - k, the rows the window can move; it moves 2 at a time: floor(23 / 2) steps, + 1' end
  if v == 28 - 5 + 1 then return false, '24 is the size with stride 1: stride 2 starts a window on every other row only' end
  if v == math.ceil(28 / 2) then
    return false, "14 is ceil(n / s), padding 'same'; 'valid' keeps only windows that fit in the 28 rows"
  end
  return false, string.format('%g is %s by %g', v, v > want and 'too many' or 'too few', math.abs(v - want))
end

-- exercise 2: 'same', 3x3, stride 2 on 13 rows
local function check_same_rows(env)
  local v, want = env.rows_same, own.conv_shape(13, 3, {padding = 'same', strides = 2})[1]
  if v == nil then return false, 'still waiting for rows_same = ...' end
  if not is_number(v) then return false, 'rows_same should be a number' end
  if v == want then return true end
  if v == 13 / 2 then return false, "6.5 is n / s; 'same' rounds up: ceil(n / s), math.ceil in Lua" end
  if v == (13 - 3) // 2 + 1 then   -- also 13 // 2: the same number
    return false, "6 rounds down: floor(13 / 2), which is also floor((n - k) / s) + 1, the size with" ..
                  " padding 'valid'. 'same' pads, so the size is ceil(n / s) whatever the kernel"
  end
  if v == 13 then return false, "13 keeps the size, as 'same' does with stride 1; with stride 2 it is ceil(13 / 2)" end
  return false, string.format('%g is %s by %g', v, v > want and 'too many' or 'too few', math.abs(v - want))
end

return {
  title = 'Padding and strides',
  minutes = 15,
  group = 'CNN',
  requires = {7},
  run = function(L)
    own = setmetatable({}, {__index = _G})
    assert(load(HELPERS, '=helpers', 't', own))()
    assert(load(IMG .. '; ' .. PLUS .. '; ' .. IMG4, '=img', 't', own))()  -- the checks' copies
    L:run(HELPERS)

    L:page [[
In lesson 7 a 3x3 kernel fitted in 28 - 3 + 1 = 26 places across a 28x28
picture: every convolution made the maps smaller, and the pixels at the
border were seen by fewer windows than those in the middle. Two options
of Keras's Conv2D change that:

  padding   'valid' (the default): only windows that fit in the picture.
            'same': zeros added around the picture, so that the output
            keeps the input's size (with stride 1).
  strides   how far the window moves each step: 1 (the default) puts a
            window at every pixel, 2 at every other one, which halves the
            map, as pooling does.

    nn.Conv2D(16, {3, 3}, {padding = 'same', strides = 2})

This lesson works both out by hand on a 5x5 picture, checks every number
against the engine, and ends with stride 2 used instead of pooling.]]

    L:run(IMG)
    L:run(PLUS)
    L:try(IMG, 'A 5x5 picture with numbers small enough to add in your head.')
    L:try('img', 'The picture.')
    L:try(PLUS, 'A "plus" kernel: it adds up a pixel and its four neighbours.')
    L:page [[
Your session has four helpers, short Lua functions (their text is at the
top of lessons/18_padding_strides.lua):

  conv_by_hand(img, k, stride)   slide k over img in steps of stride,
                                 only where it fits: padding 'valid'
  pad(img, top, bottom)          img with rows and columns of zeros around
  engine_conv(img, k, options)   the engine's Conv2D with kernel k (one
                                 filter, no bias) on img; options =
                                 {padding = ..., strides = ...}
  conv_shape(n, k, options)      the output shape the engine gives a
                                 Conv2D(1, {k, k}) on an n x n picture]]

    -- ---- 'valid' ----
    L:try('conv_by_hand(img, k)', "Padding 'valid', stride 1: the plus fits in 5 - 3 + 1 = 3 places each way.\n" ..
          'Top-left: centred on pixel (2, 2): 4 + 3 + 5 + 1 + 2 = 15.')
    L:try("engine_conv(img, k, {padding = 'valid'})", 'The engine: the same nine numbers.')
    do
      local img, k = own.img, own.k
      local hand = own.conv_by_hand(img, k)
      L:check(hand.shape[1] == 3 and hand[1][1] == 4 + 3 + 5 + 1 + 2, 'valid: 3x3, and 15 at the top left')
      L:check((own.engine_conv(img, k, {padding = 'valid'}) - hand):abs():max() < 1e-12,
              "the engine's 'valid' output is the hand-made one")
    end

    L:page [[
With a stride s the window's top-left corner visits rows 1, 1 + s,
1 + 2s, ... as long as the window still fits: its last row, start + k - 1,
must stay within the n rows. Across 5 rows with k = 3 and s = 2 the
window starts at rows 1 and 3 (a third, at row 5, would need rows 5-7).
In general the number of windows is

    floor((n - k) / s) + 1      padding 'valid'

(n - k) / s is how many whole steps fit after the first window, rounded
down; the + 1 is the first window, which takes no step. With s = 1 it
is lesson 7's n - k + 1.]]
    L:try('conv_by_hand(img, k, 2)', 'Stride 2: floor((5 - 3) / 2) + 1 = 2 windows each way. The numbers are\n' ..
          'the corners of the stride-1 output: stride 2 computes every other window.')
    L:try("engine_conv(img, k, {strides = 2})", 'The engine agrees.')
    L:try("conv_shape(28, 3, {strides = 2})", 'A 3x3 kernel, stride 2, on 28x28: floor(25 / 2) + 1 = 13.')
    do
      local img, k = own.img, own.k
      local s1, s2 = own.conv_by_hand(img, k), own.conv_by_hand(img, k, 2)
      L:check(s2.shape[1] == 2 and s2[1][1] == s1[1][1] and s2[1][2] == s1[1][3] and
              s2[2][1] == s1[3][1] and s2[2][2] == s1[3][3], 'stride 2 keeps the corners of the stride-1 output')
      L:check((own.engine_conv(img, k, {strides = 2}) - s2):abs():max() < 1e-12,
              "the engine's stride-2 output is the hand-made one")
      L:check(own.conv_shape(28, 3, {strides = 2})[1] == (28 - 3) // 2 + 1 and (28 - 3) // 2 + 1 == 13,
              'a 3x3 stride-2 valid convolution turns 28 rows into 13')
    end
    exercise(L, {
      prompt = "A Conv2D with a 5x5 kernel, strides 2 and padding 'valid' reads a\n" ..
               '28x28 picture. How many rows does its output have? Set rows (as\n' ..
               'arithmetic if you like: math.floor, or // which divides and rounds down).',
      answer = 'rows = (28 - 5) // 2 + 1',
      wrong = 'rows = (28 - 5) / 2',
      also_wrong = {'rows = (28 - 5) // 2', 'rows = 28 - 5 + 1', 'rows = 28 / 2', 'rows = 13',
                    'rows = 28 - 5 // 2 + 1'},
      check = check_valid_rows,
      hints = {'n = 28, k = 5, s = 2: how many whole steps of 2 fit in 28 - 5 = 23? And the first window?',
               'rows = (28 - 5) // 2 + 1'},
    })
    L:try("conv_shape(28, 5, {strides = 2})", 'The engine: 12 rows, 12 columns, 1 channel.')

    -- ---- 'same' ----
    L:page [[
Padding 'same' adds zeros around the picture first. With stride 1 and a
3x3 kernel one ring of zeros is enough: the padded picture is 7x7, the
kernel fits in 7 - 3 + 1 = 5 places, and the output is 5x5, the input's
size. Every output is centred on its own pixel, border pixels included:
there, part of the window lies on zeros.]]
    L:try('pad(img, 1, 1)', 'img with one row and one column of zeros on every side.')
    exercise(L, {
      prompt = "Work out by hand the top-left number of the 'same' output, out[1][1]\n" ..
               '(the plus kernel on img padded with zeros, as above), and set corner to it.',
      answer = 'corner = 1 + 3 + 5',
      wrong = 'corner = 4 + 3 + 5 + 1 + 2',
      also_wrong = {'corner = 1 + 3 + 5 + 4', 'corner = 1', 'corner = 1 + 3'},
      check = function(env)
        local v = env.corner
        local img, k = own.img, own.k
        local want = own.engine_conv(img, k, {padding = 'same'})[1][1]
        if v == nil then return false, 'still waiting for corner = ...' end
        if not is_number(v) then return false, 'corner should be a number' end
        if v == want then return true end
        if v == own.conv_by_hand(img, k)[1][1] then
          return false, "15 is the plus centred on pixel (2, 2), the first output of 'valid'. With 'same'" ..
                        ' it is centred on pixel (1, 1), and its top and left arms lie on the zeros'
        end
        if v == want + img[2][2] then
          return false, 'the plus has no diagonal: pixel (2, 2), the 4, is not under it'
        end
        if v == img[1][1] then return false, 'only the middle of the plus: add its right and lower arms (the other two are on zeros)' end
        if v == want - img[2][1] then
          return false, string.format('%g leaves out the lower arm: pixel (2, 1), the %g, is under the plus too', v, img[2][1])
        end
        if v == want - img[1][2] then
          return false, string.format('%g leaves out the right arm: pixel (1, 2), the %g, is under the plus too', v, img[1][2])
        end
        return false, string.format('%g is %g too %s: add the pixels under the plus centred on (1, 1)',
                                    v, math.abs(v - want), v > want and 'many' or 'few')
      end,
      hints = {'The plus centred on pixel (1, 1) covers (1, 1), its right neighbour (1, 2), the pixel\n' ..
               'below (2, 1), and two zeros of the padding.',
               'corner = 1 + 3 + 5'},
    })
    L:try('conv_by_hand(pad(img, 1, 1), k)', "'same' by hand: a 'valid' convolution of the padded picture.")
    L:try("engine_conv(img, k, {padding = 'same'})", "The engine's padding = 'same'.")
    do
      local img, k = own.img, own.k
      local hand = own.conv_by_hand(own.pad(img, 1, 1), k)
      L:check(hand.shape[1] == 5 and hand[1][1] == 1 + 3 + 5, "same: 5x5, and 1 + 3 + 5 = 9 at the top left")
      L:check((own.engine_conv(img, k, {padding = 'same'}) - hand):abs():max() < 1e-12,
              "the engine's 'same' output is the padded picture's 'valid' one")
      L:check((hand:narrow(1, 2, 3):narrow(2, 2, 3) - own.conv_by_hand(img, k)):abs():max() == 0,
              "the middle 3x3 of 'same' is the 'valid' output")
    end
    L:page [[
Each border window of the 'same' output adds up fewer real pixels: 3 of
the plus's 5 at a corner, 4 elsewhere on the border; the rest are zeros.
Whether those zeros look like an edge depends on the picture (on
Fashion-MNIST's black background, 0, they do not).

With a stride, 'same' does not keep the size: it makes the output

    ceil(n / s)                 padding 'same'

whatever the kernel: one window for every s rows, the last one allowed
to hang over the edge onto zeros.]]
    L:try("engine_conv(img, k, {padding = 'same', strides = 2})",
          "'same', stride 2 on 5x5: ceil(5 / 2) = 3 windows each way, centred on rows and\n" ..
          "columns 1, 3 and 5: every other number of the stride-1 'same' output.")
    do
      local img, k = own.img, own.k
      local same1 = own.engine_conv(img, k, {padding = 'same'})
      local same2 = own.engine_conv(img, k, {padding = 'same', strides = 2})
      local hand = own.conv_by_hand(own.pad(img, 1, 1), k, 2)
      L:check(same2.shape[1] == 3 and (same2 - hand):abs():max() < 1e-12,
              "'same' with stride 2 is the padded picture's stride-2 'valid' output, 3x3")
      for i = 1, 3 do
        for j = 1, 3 do
          L:check(same2[i][j] == same1[2 * i - 1][2 * j - 1], "stride 2 keeps rows and columns 1, 3, 5 of stride 1's output")
        end
      end
    end
    exercise(L, {
      prompt = "A Conv2D with a 3x3 kernel, strides 2 and padding 'same' reads a\n" ..
               '13x13 map. How many rows does its output have? Set rows_same.',
      answer = 'rows_same = math.ceil(13 / 2)',
      wrong = 'rows_same = (13 - 3) // 2 + 1',
      also_wrong = {'rows_same = 13 / 2', 'rows_same = 13', 'rows_same = 13 // 2'},
      check = check_same_rows,
      hints = {"'same' does not depend on the kernel's size: ceil(n / s).",
               'rows_same = math.ceil(13 / 2)'},
    })
    L:try("conv_shape(13, 3, {padding = 'same', strides = 2})", 'The engine: 7.')

    -- ---- where the zeros go ----
    L:page [[
How many zeros does 'same' add, and where? The ceil(n / s) windows span
(out - 1) * s + k rows: the first window's k rows plus s more for each
further one. Keras (TensorFlow) adds the rows that are missing,

    pad = max((out - 1) * s + k - n, 0)

half before (top, left) and half after (bottom, right). When pad is odd,
the smaller half goes before: the extra zero goes at the bottom and on
the right. That happens with even kernels (k = 2: pad = 1 at stride 1),
and with strides: on 28 rows, k = 3 and s = 2 give 14 windows, which span
13 * 2 + 3 = 29 rows: one zero, at the bottom.

A kernel that is 1 at its top-left corner and 0 elsewhere copies the
pixel under that corner: where the first output comes from shows where
the padding is. Below, on a 4x4 picture of the numbers 1..16, a 2x2
kernel with 'same' (pad = 1).]]
    L:run(IMG4)
    L:try(IMG4, 'The picture and the kernel.')
    L:try("engine_conv(img4, corner_k, {padding = 'same'})",
          'The output is img4 itself: out[1][1] is pixel (1, 1), so no zero was put\n' ..
          'above or to the left; the zero row and column are at the bottom and right\n' ..
          '(only the windows of the last row and the last column reach them, and there\n' ..
          'the kernel\'s 0s lie on them).')
    L:try("conv_by_hand(pad(img4, 0, 1), corner_k)", 'By hand, one zero after: the same.')
    L:try("conv_by_hand(pad(img4, 1, 0), corner_k)", 'One zero before instead: shifted by one row and column. Not Keras.')
    do
      local img4, ck = own.img4, own.corner_k
      local engine = own.engine_conv(img4, ck, {padding = 'same'})
      L:check((engine - img4):abs():max() == 0, "'same' with a 2x2 kernel puts no zero before")
      L:check((engine - own.conv_by_hand(own.pad(img4, 0, 1), ck)):abs():max() == 0, 'the zero goes after')
      L:check((engine - own.conv_by_hand(own.pad(img4, 1, 0), ck)):abs():max() > 0, 'and not before')
      -- 28 rows, k = 3, s = 2: first output from pixel (1, 1) (top 0); 14 = ceil(28 / 2)
      local n28 = nn.arange(28 * 28):reshape(28, 28) + 1
      local k3 = nn.zeros(3, 3); k3[1][1] = 1
      local out28 = own.engine_conv(n28, k3, {padding = 'same', strides = 2})
      L:check(out28.shape[1] == 14 and out28[1][1] == 1 and out28[14][14] == n28[27][27],
              "28 rows, 3x3, stride 2, 'same': 14 windows, no zero before")
      L:check((out28 - own.conv_by_hand(own.pad(n28, 0, 1), k3, 2)):abs():max() == 0,
              'and the one zero after')
    end
    exercise(L, {
      prompt = "Conv2D(f, {3, 3}, {strides = 2, padding = 'same'}) on 28 rows: how\n" ..
               'many rows of zeros go above the picture and how many below? Set top\n' ..
               'and bottom (top, bottom = a, b).',
      answer = 'top, bottom = 0, 1',
      wrong = 'top, bottom = 1, 1',
      also_wrong = {'top, bottom = 1, 0', 'top, bottom = 0.5, 0.5'},
      check = function(env)
        local top, bottom = env.top, env.bottom
        if top == nil and bottom == nil then return false, 'still waiting for top, bottom = ...' end
        if not (is_number(top) and is_number(bottom)) then return false, 'set both: top, bottom = a, b' end
        -- the engine's padding, found as on the page: with a 3x3 kernel that is
        -- 1 at its top-left, out[1][1] is the pixel (1 - top_pad, 1 - top_pad)
        local n28 = nn.arange(28 * 28):reshape(28, 28) + 1
        local k3 = nn.zeros(3, 3); k3[1][1] = 1
        local out = own.engine_conv(n28, k3, {padding = 'same', strides = 2})
        local engine_top = out[1][1] == 1 and 0 or 1
        local engine_bottom = (out.shape[1] - 1) * 2 + 3 - 28 - engine_top
        if top == engine_top and bottom == engine_bottom then return true end
        if top ~= math.floor(top) or bottom ~= math.floor(bottom) then
          return false, 'padding is whole rows of zeros; the odd one is not split'
        end
        if top + bottom == 2 then
          return false, 'two zeros is what stride 1 needs (k - 1 = 2). With stride 2 the 14 windows span' ..
                        ' 13 * 2 + 3 = 29 rows: one more than 28'
        end
        if top == engine_bottom and bottom == engine_top then
          return false, 'the right count, the wrong side: Keras puts the smaller half first, the odd zero after'
        end
        return false, string.format('%g zeros in all; the windows need (14 - 1) * 2 + 3 - 28 = 1', top + bottom)
      end,
      hints = {'out = ceil(28 / 2) = 14 windows span (14 - 1) * 2 + 3 rows. How many more than 28?',
               'An odd zero goes after (bottom, right).', 'top, bottom = 0, 1'},
    })

    -- ---- choosing ----
    exercise(L, {
      prompt = 'A network has (28, 28, 8) maps and wants (13, 13, 16) from one Conv2D\n' ..
               'with a 3x3 kernel. Make it in a model of its own:\n' ..
               '    m5 = nn.Sequential{nn.Conv2D(16, {3, 3}, {input_shape = {28, 28, 8}, ...})}\n' ..
               'with the padding and strides that give 13x13.',
      answer = "m5 = nn.Sequential{nn.Conv2D(16, {3, 3}, {input_shape = {28, 28, 8}, strides = 2})}",
      wrong = "m5 = nn.Sequential{nn.Conv2D(16, {3, 3}, {input_shape = {28, 28, 8}, strides = 2, padding = 'same'})}",
      also_wrong = {"m5 = nn.Sequential{nn.Conv2D(16, {3, 3}, {input_shape = {28, 28, 8}})}",
                    "m5 = nn.Sequential{nn.Conv2D(8, {3, 3}, {input_shape = {28, 28, 8}, strides = 2})}"},
      check = function(env)
        local layer = first_layer(env.m5)
        if not layer or layer.class ~= 'Conv2D' then return false, 'm5 should be nn.Sequential{nn.Conv2D(...)}' end
        local s = layer.output_shape
        local shape = string.format('(%d, %d, %d)', s[1], s[2], s[3])
        local ks = layer.kernel.shape
        if ks[1] ~= 3 or ks[2] ~= 3 then return false, 'its kernel is ' .. ks[1] .. 'x' .. ks[2] .. ', not 3x3' end
        if ks[3] ~= 8 then return false, 'its input has ' .. ks[3] .. ' channels: input_shape = {28, 28, 8}' end
        if s[1] == 14 then
          return false, "it gives " .. shape .. ": 'same' keeps ceil(28 / 2) = 14; to get 13 the window" ..
                        " that would hang over the edge must go: padding 'valid' (the default)"
        end
        if s[1] == 26 or s[1] == 28 then
          return false, 'it gives ' .. shape .. ': with stride 1 the size only shrinks by k - 1: add strides = 2'
        end
        if s[1] ~= 13 or s[2] ~= 13 then return false, 'it gives ' .. shape .. ', not (13, 13, 16)' end
        if s[3] ~= 16 then return false, 'it gives ' .. shape .. ': the channels out are the filters, the first argument' end
        return true
      end,
      hints = {"28 -> 13 with a 3x3 kernel: floor((28 - 3) / 2) + 1 = 13. Which padding is that formula?",
               "m5 = nn.Sequential{nn.Conv2D(16, {3, 3}, {input_shape = {28, 28, 8}, strides = 2})}"},
    })
    L:try('m5:summary()', 'Its shape, and 3 * 3 * 8 * 16 + 16 = 1168 parameters.')
    L:check(L:run('m5:count_params()') == 3 * 3 * 8 * 16 + 16, 'the stride-2 Conv2D has 1168 parameters')

    -- ---- stride 2 as pooling ----
    L:page [[
MaxPooling2D(2) halves a map too: 28x28 -> 14x14, keeping the largest
number of each 2x2 window. A convolution with strides 2 also halves it,
and many networks use one instead of pooling (the "all-convolutional"
nets; ResNet shrinks its maps with stride-2 convolutions). What is the
difference?

  - sizes: MaxPooling2D(2) gives floor(n / 2); a 2x2 kernel with stride 2
    gives floor((n - 2) / 2) + 1, the same; 3x3 with stride 2 and 'same'
    gives ceil(n / 2), one more when n is odd.
  - what it keeps: pooling keeps the largest number of each window, with
    no weights; a stride-2 convolution keeps a weighted sum, with weights
    that are learned. With all four weights 1/4 it is AveragePooling2D.]]
    for n = 4, 30 do
      local pooled = nn.Sequential{nn.MaxPooling2D({2, 2}, {input_shape = {n, n, 1}})}.layers[1].output_shape[1]
      L:check(pooled == n // 2 and own.conv_shape(n, 2, {strides = 2})[1] == n // 2,
              'MaxPooling2D(2) and a 2x2 stride-2 convolution both give floor(n / 2), n = ' .. n)
      L:check(own.conv_shape(n, 3, {strides = 2, padding = 'same'})[1] == n // 2 + n % 2,
              "3x3, stride 2, 'same' gives ceil(n / 2), n = " .. n)
    end
    L:run("pool_conv = nn.Sequential{nn.Conv2D(1, {2, 2}, {strides = 2, use_bias = false, input_shape = {4, 4, 1}})}; pool_conv:compile{loss = 'mse'}")
    L:run("avg = nn.Sequential{nn.AveragePooling2D({2, 2}, {input_shape = {4, 4, 1}})}; avg:compile{loss = 'mse'}")
    L:run('x4 = img4:reshape(1, 4, 4, 1)')
    L:try("pool_conv = nn.Sequential{nn.Conv2D(1, {2, 2}, {strides = 2, use_bias = false, input_shape = {4, 4, 1}})}",
          'A 2x2 convolution with stride 2 and no bias (compiled for you, with avg, an\n' ..
          'AveragePooling2D({2, 2}) model, and x4, img4 as a batch of one).')
    L:try('avg:predict(x4):reshape(2, 2)', 'Average pooling of img4: (1 + 2 + 5 + 6) / 4 = 3.5 at the top left.')
    exercise(L, {
      prompt = "Set pool_conv's kernel (pool_conv.layers[1].kernel, shape\n" ..
               '(2, 2, 1, 1)) so that pool_conv:predict(x) is exactly avg:predict(x)\n' ..
               'for every x.',
      answer = 'pool_conv.layers[1].kernel:fill(0.25)',
      wrong = 'pool_conv.layers[1].kernel:fill(1)',
      also_wrong = {'pool_conv.layers[1].kernel:fill(0.5)'},
      check = function(env)
        local m = env.pool_conv
        local layer = first_layer(m)
        if not (layer and layer.kernel) then return false, 'pool_conv should still be the Conv2D model' end
        if layer.bias then return false, 'pool_conv has a bias now: make it with use_bias = false' end
        if layer.kernel:numel() ~= 4 then return false, 'its kernel should be 2x2 on one channel' end
        local probe = nn.rand(3, 4, 4, 1)
        local pooled = nn.Sequential{nn.AveragePooling2D({2, 2}, {input_shape = {4, 4, 1}})}
        pooled:compile{loss = 'mse'}
        local off = (m:predict(probe) - pooled:predict(probe)):abs():max()
        if off < 1e-6 then return true end   -- float32 sums, added in another order
        local w = layer.kernel:reshape(4)
        if w:max() == w:min() then
          return false, string.format('every weight is %g: that is %g times the average of the four.' ..
                                      ' The average divides by 4', w[1], w[1] * 4)
        end
        return false, string.format('off by up to %.3g from the average pooling: each of the 4 pixels should count the same', off)
      end,
      hints = {'The average of four numbers is each times 1/4, added up.',
               'tensor:fill(v) sets every number of a tensor to v.',
               'pool_conv.layers[1].kernel:fill(0.25)'},
    })
    L:try('pool_conv:predict(x4):reshape(2, 2)', 'The same as avg.')
    L:check(L:run('(pool_conv:predict(x4) - avg:predict(x4)):abs():max()') < 1e-6,
            'a 2x2 stride-2 convolution with weights 1/4 is average pooling')

    L:page [[
Nobody sets those weights by hand: they are learned. Below, a 2x2 stride-2
Conv2D (with a bias) is trained twice on 256 random 8x8 pictures: once to
give what AveragePooling2D gives, once what MaxPooling2D gives.
learn_pooling(kind) does it (30 epochs of SGD) and returns the final loss
and the layer.]]
    L:run([[
nn.seed(18)                       -- the same pictures and weights every run
pictures = nn.rand(256, 8, 8, 1)  -- pixels drawn evenly from 0..1
function learn_pooling(kind)
  nn.seed(18)
  local target = nn.Sequential{nn[kind]({2, 2}, {input_shape = {8, 8, 1}})}
  target:compile{loss = 'mse'}
  local student = nn.Sequential{nn.Conv2D(1, {2, 2}, {strides = 2, input_shape = {8, 8, 1}})}
  student:compile{optimizer = nn.optimizers.SGD{learning_rate = 0.1}, loss = 'mse'}
  local h = student:fit(pictures, target:predict(pictures), {epochs = 30, batch_size = 16, verbose = 0})
  return h.loss[30], student.layers[1]
end
]])
    L:try("loss_avg, learned_avg = learn_pooling('AveragePooling2D')", 'Learning the average ...')
    L:run("if not (loss_avg and learned_avg) then loss_avg, learned_avg = learn_pooling('AveragePooling2D') end")
    L:try('loss_avg, learned_avg.kernel:reshape(2, 2), learned_avg.bias', '... the loss is nearly 0 and the weights nearly 1/4, the bias nearly 0.')
    L:try("loss_max, learned_max = learn_pooling('MaxPooling2D')", 'Learning the max ...')
    L:run("if not (loss_max and learned_max) then loss_max, learned_max = learn_pooling('MaxPooling2D') end")
    L:try('loss_max, learned_max.kernel:reshape(2, 2), learned_max.bias',
          '... the loss stops more than a thousand times higher: a weighted sum cannot be a\n' ..
          'max. It found weights of about 1/5 and a bias of about 2/5: for pixels\n' ..
          'drawn evenly from 0..1 that is the best any weighted sum does (least\n' ..
          'squares gives 0.2 and 0.4, with a loss of 0.0133).')
    do
      local env = L.env
      L:check(env.loss_avg < 1e-4 and (env.learned_avg.kernel - 0.25):abs():max() < 0.01,
              'a stride-2 convolution learns average pooling: loss near 0, weights near 1/4')
      L:check(env.loss_max > 1000 * env.loss_avg and env.loss_max > 0.005,
              'it cannot learn max pooling: the loss stays far above')
      local w = env.learned_max.kernel:reshape(4)
      L:check((w - 0.2):abs():max() < 0.02 and math.abs(env.learned_max.bias[1] - 0.4) < 0.02,
              'for the max it learns weights of about 1/5 and a bias of about 2/5')
      L:check(math.abs(env.loss_max - 0.0133) < 0.002, 'with a loss near least squares\' 0.0133')
    end
    L:page [[
So a stride-2 convolution is a pooling whose weights are learned: it can
be an average, an edge finder and a shrink at once, or anything else that
helps the loss. What it cannot be is a max, which keeps a bright pixel
wherever it is in its window (lesson 8): that needs a non-linear layer.
It costs weights (pooling has none) and computes a window only at every
other place.

A stride larger than the kernel skips pixels altogether. A 1x1 kernel
with stride 2 keeps one pixel of each 2x2 block and drops the other three:]]
    L:run('spot = nn.zeros(4, 4); spot[2][2] = 9')
    L:try('spot = nn.zeros(4, 4); spot[2][2] = 9', 'A bright spot at (2, 2).')
    L:try('engine_conv(spot, nn.ones(1, 1), {strides = 2})', 'A 1x1 kernel of weight 1 with stride 2 reads only pixels (1, 1), (1, 3),\n' ..
          '(3, 1), (3, 3): the spot is gone.')
    L:try("max_pool = nn.Sequential{nn.MaxPooling2D({2, 2}, {input_shape = {4, 4, 1}})}; max_pool:compile{loss = 'mse'}",
          'MaxPooling2D(2) on the same (4x4 -> 2x2, like the convolution) ...')
    L:run("max_pool = nn.Sequential{nn.MaxPooling2D({2, 2}, {input_shape = {4, 4, 1}})}; max_pool:compile{loss = 'mse'}")
    L:try('max_pool:predict(spot:reshape(1, 4, 4, 1)):reshape(2, 2)', '... keeps it.')
    do
      local spot = nn.zeros(4, 4); spot[2][2] = 9
      L:check(own.engine_conv(spot, nn.ones(1, 1), {strides = 2}):abs():max() == 0,
              'a 1x1 stride-2 convolution misses the spot at (2, 2)')
      local max_pool = nn.Sequential{nn.MaxPooling2D({2, 2}, {input_shape = {4, 4, 1}})}
      max_pool:compile{loss = 'mse'}
      L:check(max_pool:predict(spot:reshape(1, 4, 4, 1))[1][1][1][1] == 9, 'max pooling keeps it')
      L:check(own.conv_shape(4, 1, {strides = 2})[1] == 2, '1x1, stride 2 on 4 rows: floor(3 / 2) + 1 = 2')
    end

    -- ---- the feature-map view ----
    L:page [[
Last, in the visualizer. The lesson now builds look, a small model on a
28x28 picture:

  layer 1  Conv2D(2, {3, 3}, {padding = 'same'}): lesson 7's vertical and
           horizontal edge kernels; 'same' keeps 28x28
  layer 2  Conv2D(2, {2, 2}, {strides = 2}): each channel averaged over
           2x2 blocks (kernel[a][b][c][c] = 1/4): 14x14

and you run it on a Fashion-MNIST picture (look:predict(picture)).]]
    L:run(LOOK)
    L:run(PICTURE)
    L:try("for _, l in ipairs(look.layers) do print(l.name, table.concat(l.output_shape, ' x ')) end",
          'The output shapes, layer by layer.')
    L:try('out = look:predict(picture)', 'The output for the picture: (1, 14, 14, 2).')
    L:run('out = look:predict(picture)')
    do
      local env = L.env
      local s1, s2 = env.look.layers[1].output_shape, env.look.layers[2].output_shape
      L:check(s1[1] == 28 and s1[2] == 28 and s2[1] == 14 and s2[2] == 14 and s2[3] == 2,
              "'same' keeps 28x28; the 2x2 stride-2 layer halves it to 14x14")
      -- layer 2 is an average pooling of layer 1's maps, channel by channel
      local avg = nn.Sequential{nn.AveragePooling2D({2, 2}, {input_shape = {28, 28, 2}})}
      avg:compile{loss = 'mse'}
      local by_pooling = avg:predict(env.look.layers[1].output)
      L:check((env.out - by_pooling):abs():max() < 1e-6,   -- float32: sums in another order
              "look's layer 2 is AveragePooling2D(2) of layer 1's maps")
      -- layer 1, channel 1, by hand on the padded picture
      local pic = env.picture:reshape(28, 28)
      local vertical = nn.tensor{{-1, 0, 1}, {-1, 0, 1}, {-1, 0, 1}}
      local hand = own.conv_by_hand(own.pad(pic, 1, 1), vertical)
      local engine = env.look.layers[1].output[1]:select(3, 1)
      L:check((engine - hand):abs():max() < 1e-5, "layer 1's first map is the vertical-edge kernel on the padded picture")
    end
    L:view('featuremaps', {model = L.env.look, layer = 2})
    L:page [[
The view shows the picture (28x28) on the left, and under it the kernels
of the selected filter of layer 2: four cells of 1/4 on its own channel
(c1), zeros on the other (c2). On the right, layer 2's two maps (14x14),
each with its own range: layer 1's vertical and horizontal edges at half
the size (the lesson checked that they are AveragePooling2D(2) of layer
1's maps). Tab or 1..8 switch views; at the nn> prompt,
nn.viz.open(look) opens it live.

  'valid'    no zeros; floor((n - k) / s) + 1 windows
  'same'     zeros around; ceil(n / s) windows; pad = max((out - 1) * s
             + k - n, 0), the smaller half before, the odd zero after
             (bottom, right)
  strides    a window every s rows and columns: the map about s times smaller
  stride 2   halves a map like MaxPooling2D(2), with learned weights: an
             average, an edge finder, not a max; a stride larger than the
             kernel skips pixels]]
  end,
}
