-- validation_split.lua: fit{validation_split = s} trains on the examples
-- Keras trains on, and validates on the rest.
local t = require 'tap'

-- ---- validation_split: Keras trains on the first floor(n * (1 - split))
-- examples and validates on the rest (keras/src/trainers/data_adapters/
-- array_slicing.py, train_validation_split) ----

-- y = 2x, a Dense(1) without bias from w = 0.5, SGD 0.1 on one example per
-- step, in order: the steps, the weight and the validation loss follow by
-- arithmetic, w <- w - 0.1 * 2 (w x - y) x (the gradient of (w x - y)^2)
local xs = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0}
local function line_model()
  local m = nn.Sequential{nn.Dense(1, {use_bias = false, input_shape = {1}})}
  m:compile{optimizer = nn.optimizers.SGD{learning_rate = 0.1}, loss = 'mse'}
  m.layers[1].kernel[1][1] = 0.5
  return m
end
local lx, ly = nn.zeros(10, 1), nn.zeros(10, 1)
for i = 1, 10 do lx[i][1], ly[i][1] = xs[i], 2 * xs[i] end

local function expected_run(train)
  local w = 0.5
  for i = 1, train do w = w - 0.1 * 2 * (w * xs[i] - 2 * xs[i]) * xs[i] end
  local val = 0
  for i = train + 1, 10 do val = val + (w * xs[i] - 2 * xs[i]) ^ 2 end
  return w, val / (10 - train)
end

-- split -> examples trained on: int(math.floor(10 * (1.0 - split))) as
-- Python computes it in doubles, printed by /usr/bin/python3; 1 - 0.8 is
-- 0.19999... in binary, so 0.8 of 10 trains on 1 example, in Keras too
for _, case in ipairs{{0.25, 7}, {0.2, 8}, {0.3, 7}, {0.1, 9}, {0.5, 5}, {0.05, 9}, {0.01, 9},
                      {0.6, 4}, {0.7, 3}, {0.8, 1}, {0.85, 1}} do
  local split, train = case[1], case[2]
  local m = line_model()
  local steps = 0
  local h = m:fit(lx, ly, {batch_size = 1, shuffle = false, verbose = 0, validation_split = split,
                           callbacks = {{on_batch_end = function() steps = steps + 1 end}}})
  local w, val_loss = expected_run(train)
  t.is(steps, train, string.format('validation_split %g of 10: trains on %d examples', split, train))
  t.is_near(m.layers[1].kernel[1][1], w, 1e-6, string.format('  the first %d (the weight)', train))
  t.is_near(h.val_loss[1], val_loss, 1e-6,
            string.format('  and validates on the last %d (val_loss)', 10 - train))
end
-- as in Keras, a split that leaves either side empty is an error: 1 - 0.9
-- is 0.0999... in binary, so 10 of them make 0.999...: nothing to train on
t.raises(function() line_model():fit(lx, ly, {verbose = 0, validation_split = 0.9}) end,
         'fit: validation_split = 0.9 of 10 examples leaves nothing to train on',
         'validation_split 0.9 of 10: nothing to train on, an error')
t.raises(function() line_model():fit(lx, ly, {verbose = 0, validation_split = 1e-20}) end,
         'fit: validation_split = 1e%-20 of 10 examples leaves nothing to validate with',
         'validation_split 1e-20: nothing to validate with, an error')
t.done_testing()
