-- accuracy.lua: accuracy is the mean over every row, as in Keras.
--
-- A row is one vector of the output's last axis: one example of (B, C), one
-- timestep of (B, T, C), one pixel of (B, H, W, C). Keras's accuracy
-- metrics compare each row and average over all of them, so a sequence
-- model's accuracy is a fraction of its timesteps, never above 1.
local t = require 'tap'

-- ---- a model whose predictions are known: Dense(2, softmax) with kernel
-- 10 * identity and no bias predicts, for every row, the larger of the
-- row's two inputs; a tiny learning rate keeps it so through training ----

local function identity_dense(input_shape)
  local m = nn.Sequential{nn.Dense(2, {activation = 'softmax', use_bias = false,
                                       input_shape = input_shape})}
  m:compile{optimizer = nn.optimizers.SGD{learning_rate = 1e-12},
            loss = 'sparse_categorical_crossentropy', metrics = {'accuracy'}}
  local k = m.layers[1].kernel
  k[1][1], k[1][2], k[2][1], k[2][2] = 10, 0, 0, 10
  return m
end

-- 4 examples of 3 timesteps; row {1, 0} predicts class 0, {0, 1} class 1
local A, B = {1, 0}, {0, 1}
local x = nn.tensor{{A, B, A}, {B, B, A}, {A, A, A}, {B, A, B}}
-- the targets, and by hand the rows right: 3, 2, 1 and 1, 7 of the 12
local y = nn.tensor{{0, 1, 0},     -- 0 1 0 predicted: 3 right
                    {1, 1, 1},     -- 1 1 0 predicted: 2 right
                    {0, 1, 1},     -- 0 0 0 predicted: 1 right
                    {0, 0, 0}}     -- 1 0 1 predicted: 1 right
local EXPECTED = 7 / 12

local seq = identity_dense({3, 2})
-- the same fraction computed independently, from predict's probabilities
local p = seq:predict(x)
local right = 0
for i = 1, 4 do
  for j = 1, 3 do
    local predicted = p[i][j][2] > p[i][j][1] and 1 or 0
    if predicted == y[i][j] then right = right + 1 end
  end
end
t.is(right, 7, 'the hand count: 7 of the 12 rows are right')

local _, acc = seq:evaluate(x, y)
t.is_near(acc, EXPECTED, 1e-12, 'evaluate (B, T, C): 7 of 12 rows, not 7 of 4 examples')
local _, acc2 = seq:evaluate(x, y, {batch_size = 3})
t.is_near(acc2, EXPECTED, 1e-12, 'evaluate in batches of 3 and 1: the same')
local _, first = seq:train_on_batch(x:slice(1, 1), y:slice(1, 1))
t.is_near(first, 1, 1e-12, 'train_on_batch: example 1, 3 of its 3 rows')
local _, all = seq:train_on_batch(x, y)
t.is_near(all, EXPECTED, 1e-12, 'train_on_batch: the 4 examples, 7 of 12')

-- fit: batches of 3 (rows right 3 + 2 + 1 of 9) and 1 (1 of 3)
local logs = {}
local h = seq:fit(x, y, {epochs = 1, batch_size = 3, shuffle = false, verbose = 0,
                         validation_data = {x, y},
                         callbacks = {{on_batch_end = function(_, l) logs[#logs + 1] = l.accuracy end}}})
t.is_near(logs, {6 / 9, 7 / 12}, 1e-12, 'fit: the running accuracy after each batch (the progress line)')
t.is_near(h.accuracy[1], EXPECTED, 1e-12, 'fit: the history\'s accuracy')
t.is_near(h.val_accuracy[1], EXPECTED, 1e-12, 'fit: the history\'s val_accuracy')
t.is_near(nn.viz.history(seq).accuracy, {6 / 9, 1 / 3}, 1e-12,
          'the visualizer\'s record: each batch\'s own accuracy')

-- one-hot targets, and the same predictions: categorical accuracy per row
local onehot = identity_dense({3, 2})
onehot:compile{optimizer = nn.optimizers.SGD{learning_rate = 1e-12},
               loss = 'categorical_crossentropy', metrics = {'accuracy'}}
local _, acc_onehot = onehot:evaluate(x, nn.utils.to_categorical(y:reshape(12), 2):reshape(4, 3, 2))
t.is_near(acc_onehot, EXPECTED, 1e-12, 'one-hot (B, T, C) targets: 7 of 12 rows')

-- ---- a 4-D output: per pixel. A 1x1 Conv2D with kernel 10 * identity
-- predicts for each pixel the larger of its two channels ----

local conv = nn.Sequential{nn.Conv2D(2, 1, {activation = 'softmax', use_bias = false,
                                            input_shape = {2, 2, 2}})}
conv:compile{optimizer = nn.optimizers.SGD{learning_rate = 1e-12},
             loss = 'categorical_crossentropy', metrics = {'accuracy'}}
local ck = conv.layers[1].kernel  -- (1, 1, 2, 2)
ck[1][1][1][1], ck[1][1][1][2], ck[1][1][2][1], ck[1][1][2][2] = 10, 0, 0, 10
-- 2 images of 2 x 2 pixels; predicted classes per pixel, by the inputs:
--   image 1: 0 1 / 1 1      image 2: 0 0 / 0 1
local images = nn.tensor{{{A, B}, {B, B}}, {{A, A}, {A, B}}}
-- targets: image 1: 0 1 / 0 0 (2 right), image 2: 0 0 / 0 1 (4 right): 6 of 8
local targets = nn.utils.to_categorical(nn.tensor{0, 1, 0, 0, 0, 0, 0, 1}, 2):reshape(2, 2, 2, 2)
local _, acc_pixels = conv:evaluate(images, targets)
t.is_near(acc_pixels, 6 / 8, 1e-12, 'evaluate (B, H, W, C): 6 of 8 pixels, not 6 of 2 images')
local _, tob_pixels = conv:train_on_batch(images, targets)
t.is_near(tob_pixels, 6 / 8, 1e-12, 'train_on_batch (B, H, W, C): 6 of 8')
local hp = conv:fit(images, targets, {batch_size = 1, shuffle = false, verbose = 0})
t.is_near(hp.accuracy[1], 6 / 8, 1e-12, 'fit (B, H, W, C): (2/4 + 4/4) / 2')

-- a (B, C) classifier is unchanged: one row per example
local flat = identity_dense({2})
local _, acc_flat = flat:evaluate(nn.tensor{A, B, B}, nn.tensor{0, 1, 0})
t.is_near(acc_flat, 2 / 3, 1e-12, '(B, C): 2 of 3 examples')

t.done_testing()
