-- model.lua: Sequential from Lua: compile, fit (history, callbacks,
-- validation), evaluate, predict, train_on_batch, summary, and errors.
local t = require 'tap'

nn.seed(1)
-- a learnable toy problem: the class is the index of the largest of 4 inputs
local function data(n)
  local x = nn.rand(n, 4)
  local y = nn.zeros(n)
  for i = 1, n do y[i] = x[i]:argmax() - 1 end
  return x, y
end
local x, y = data(600)
local xv, yv = data(200)

local m = nn.Sequential{
  nn.Dense(16, {activation = 'relu', input_shape = {4}}),
  nn.Dense(4, {activation = 'softmax'}),
}
t.like(tostring(m), 'not compiled', 'tostring says when a model is not compiled')
t.raises(function() m:fit(x, y) end, 'fit: compile the model first', 'fit before compile')
t.raises(function() m:compile{optimizer = 'adam'} end, "unknown loss 'nil'", 'compile needs a loss')
t.raises(function() m:compile{optimizer = 'adamw', loss = 'mse'} end, "unknown optimizer 'adamw'", 'unknown optimizer')
t.raises(function() m:compile{loss = 'mse', metrics = {'auc'}} end, "unknown metric 'auc'", 'unknown metric')
t.raises(function() m:compile{loss = 'mse', optimiser = 'sgd'} end, "compile: unknown option 'optimiser'", 'misspelt compile option')
m:compile{optimizer = nn.optimizers.Adam{learning_rate = 0.01}, loss = 'sparse_categorical_crossentropy', metrics = {'accuracy'}}
t.is(m.loss, 'sparse_categorical_crossentropy', 'm.loss')
t.is(m.optimizer, 'adam', 'm.optimizer')

local epochs_seen, batches_seen = 0, 0
local h = m:fit(x, y, {epochs = 20, batch_size = 32, verbose = 0, validation_data = {xv, yv},
  callbacks = {
    function(epoch, logs) epochs_seen = epoch end,
    {on_batch_end = function(batch, logs) batches_seen = batches_seen + 1 end},
  }})
t.is(h.epochs, 20, 'history has every epoch')
t.is(#h.loss, 20, 'history.loss per epoch')
t.ok(h.loss[20] < h.loss[1], 'the loss fell')
t.ok(h.val_accuracy[20] > 0.85, 'validation accuracy above 0.85: ' .. h.val_accuracy[20])
t.is(epochs_seen, 20, 'function callbacks run at each epoch end')
t.is(batches_seen, 20 * 19, 'on_batch_end runs after every batch (19 per epoch)')

local loss, accuracy = m:evaluate(xv, yv)
t.is_near(loss, h.val_loss[20], 1e-5, 'evaluate agrees with the last val_loss')
t.is_near(accuracy, h.val_accuracy[20], 1e-9, 'and val_accuracy')
local p = m:predict(xv, {batch_size = 50})
t.is(p.shape[1], 200, 'predict returns one row per example')
t.is_near(p[1]:sum(), 1, 1e-5, 'softmax rows sum to 1')

local l1 = m:train_on_batch(x:slice(1, 32), y:slice(1, 32))
t.ok(type(l1) == 'number', 'train_on_batch returns the loss')

local split = m:fit(x, y, {epochs = 1, validation_split = 0.25, verbose = 0})
t.ok(split.val_loss ~= nil, 'validation_split makes val_loss')

-- a failing callback stops training with its message; the model lives on
t.raises(function()
  m:fit(x, y, {epochs = 2, verbose = 0, callbacks = {function() error('boom') end}})
end, 'fit: a callback failed: .*boom', 'callback errors are reported')
t.ok(m:predict(xv)[1]:sum() > 0.99, 'the model still predicts after a failed fit')

t.raises(function() m:fit(nn.zeros(5, 3), nn.zeros(5)) end, 'fit: x has shape %(5, 3%); the model takes %(N, 4%)', 'wrong x shape')
t.raises(function() m:fit(x, y:slice(1, 10)) end, 'fit: x holds 600 examples but y holds 10: x is (600, 4), y is (10,)', 'x and y lengths differ')
-- every way of training with x and y refuses a mismatch in the same words
-- (one check, model.h): naming the function, the counts and both shapes
local y3 = y:slice(1, 3)
for _, c in ipairs{
  {'evaluate', function() m:evaluate(x, y3) end},
  {'validation_split', function() m:fit(x, y3, {validation_split = 0.5, verbose = 0}) end, 'fit'},
  {'train_on_batch', function() m:train_on_batch(x, y3) end, 'train_on_batch: train'},
  {'nn.stepper', function() nn.stepper(m, x, y3) end, 'stepper: train'},
  {'nn.batches', function() nn.batches(x, y3, 32) end, 'batches'},
  {'nn.debug', function() nn.debug(m, x, y3) end, 'debug'},
} do
  t.raises(c[2], (c[3] or c[1]) .. ': x holds 600 examples but y holds 3: x is (600, 4), y is (3,)',
           c[1] .. ': the mismatch in fit\'s words')
end
t.raises(function() m(nn.zeros(0, 4)) end, 'net(x): forward: x holds no examples: x is (0, 4)',
         'net(x): no examples, in fit\'s words')
t.raises(function() m:fit(x, y, {epochs = 0}) end, 'fit: epochs and batch_size must be positive', 'epochs 0')
t.raises(function() m:fit(x, y, {epoch = 1}) end, "fit: unknown option 'epoch'", 'misspelt fit option')
t.raises(function() m:fit(x, y, {validation_split = 1.5}) end, 'validation_split must be between 0 and 1', 'validation_split range')
t.raises(function() m:evaluate(x) end, 'evaluate: argument #3: expected a tensor', 'evaluate without y')
local one_hot = nn.Sequential{nn.Dense(3, {activation = 'softmax', input_shape = {4}})}
one_hot:compile{loss = 'categorical_crossentropy'}
t.raises(function() one_hot:fit(x, y, {verbose = 0}) end, "categorical_crossentropy: the target's shape", 'one-hot targets needed')

-- predict needs no compile (Keras): the weights exist from add, and compile
-- keeps them; the same seed gives the same weights, compiled or not
local function fresh(seed)
  nn.seed(seed)
  return nn.Sequential{nn.Dense(3, {input_shape = {2}})}
end
local xin = nn.tensor{{1, 2}, {-1, 0.5}}
local u = fresh(7)
local p0 = u:predict(xin)
local by_hand = 0
for i = 1, 2 do
  for j = 1, 3 do
    local z = u.layers[1].bias[j]
    for k = 1, 2 do z = z + xin[i][k] * u.layers[1].kernel[k][j] end
    by_hand = math.max(by_hand, math.abs(z - p0[i][j]))
  end
end
t.ok(by_hand < 1e-6, 'predict before compile: x W + b with the initial weights')
u:compile{optimizer = 'sgd', loss = 'mse'}
t.is((u:predict(xin) - p0):abs():max(), 0, 'compile keeps the weights predict used')
local v = fresh(7)
v:compile{optimizer = 'sgd', loss = 'mse'}
t.is((v:predict(xin) - p0):abs():max(), 0, 'the same seed, the same weights, with or without predict first')
t.raises(function() nn.Sequential():predict(xin) end, 'predict: the model has no layers', 'predict on an empty model')
t.raises(function() fresh(7):evaluate(xin, nn.zeros(2, 3)) end, 'evaluate: compile the model first', 'evaluate still needs compile')

-- hinge reads 0/1 labels as -1/+1, as Keras does
local scores = nn.tensor{{0.3, 0.2}, {-2, 1.5}}
local h01 = nn.losses.hinge(nn.tensor{{0, 1}, {1, 0}}, scores).value
t.is_near(h01, (1.3 + 0.8 + 3 + 2.5) / 4, 1e-6, 'hinge with 0/1 labels: max(0, 1 - (2y - 1) z)')
t.is_near(nn.losses.hinge(nn.tensor{{-1, 1}, {1, -1}}, scores).value, h01, 1e-12, 'the same as with -1/+1 labels')

-- categorical cross-entropy on probabilities divides each row by its sum
local onehot = nn.tensor{{0, 1, 0}}
t.is_near(nn.losses.categorical_crossentropy(onehot, nn.tensor{{0.4, 1.2, 0.4}}).value, -math.log(0.6), 1e-6,
          'categorical cross-entropy rescales rows to sum to 1 (Keras)')
t.is_near(nn.losses.categorical_crossentropy(onehot, nn.tensor{{0.2, 0.6, 0.2}}).value, -math.log(0.6), 1e-6,
          'a row that sums to 1 is unchanged')

-- the accuracy is in history and logs only when compile asks for it
local function classifier(metrics)
  nn.seed(2)
  local c = nn.Sequential{nn.Dense(4, {activation = 'softmax', input_shape = {4}})}
  c:compile{optimizer = 'adam', loss = 'sparse_categorical_crossentropy', metrics = metrics}
  return c
end
local logs_seen
local plain = classifier(nil):fit(x, y, {epochs = 2, verbose = 0, validation_data = {xv, yv},
  callbacks = {function(_, logs) logs_seen = logs end}})
t.is({plain.accuracy, plain.val_accuracy, plain.loss ~= nil, plain.val_loss ~= nil}, {nil, nil, true, true},
     'without metrics: loss and val_loss only')
t.is(logs_seen.accuracy, nil, 'and the callbacks\' logs have no accuracy')
local measured = classifier({'accuracy'}):fit(x, y, {epochs = 2, verbose = 0, validation_data = {xv, yv},
  callbacks = {function(_, logs) logs_seen = logs end}})
t.ok(#measured.accuracy == 2 and #measured.val_accuracy == 2 and logs_seen.accuracy ~= nil,
     "with metrics = {'accuracy'}: accuracy and val_accuracy")
t.is(measured.loss, plain.loss, 'the metric changes nothing else')
t.raises(function() classifier('accuracy') end, "compile: metrics should be a list such as {'accuracy'}", 'metrics is a list')

-- a NaN or an infinity stops fit, which returns the history so far (as
-- Keras's TerminateOnNaN); the model is as before the batch that made it,
-- so the debugger replays that batch to the same step
nn.seed(3)
local div = nn.Sequential{nn.Dense(1, {input_shape = {2}})}
div:compile{optimizer = 'sgd', loss = 'mse'}
div.layers[1].kernel[1][1] = 10
local xd, yd = nn.randn(8, 2), nn.ones(8, 1)
xd[6][1] = 3e38  -- batch 2 of 4: 10 * 3e38 overflows a float
local kernel_after_batch_1
local hd = div:fit(xd, yd, {epochs = 3, batch_size = 4, verbose = 0, shuffle = false, callbacks = {
  {on_batch_end = function() kernel_after_batch_1 = div.layers[1].kernel:clone() end}}})
t.like(hd.stopped, '^fit: stopped at epoch 1, batch 2: %+Inf appeared in the output of dense_1 during forward dense_1',
       'history.stopped names the epoch, the batch, the tensor and the step')
t.is(hd.epochs, 1, 'the history has the epochs run, the last one cut short')
local last = hd.loss[1]
t.ok(last ~= last or math.abs(last) == math.huge, 'and logs the bad loss, as Keras does: ' .. last)
t.is(div.history, hd, 'm.history is the history fit returned')
t.is((div.layers[1].kernel - kernel_after_batch_1):abs():max(), 0, 'the model is as it was before the batch')
t.is(nn.debugger.current(), nil, 'not on a terminal: no debugger is started')
local quiet_print = print
print = function() end
local dn = nn.debug(div, xd:slice(5, 8), yd:slice(5, 8))
dn:continue()
print = quiet_print
t.is({dn.last.phase, dn.last.layer, dn.stepper.position}, {'forward', 'dense_1', 1},
     'the debugger, replaying that batch, stops at the same step')
local fine = fresh(4)
fine:compile{optimizer = 'sgd', loss = 'mse'}
t.is(fine:fit(xin, nn.zeros(2, 3), {verbose = 0}).stopped, nil, 'a run that ends well has no stopped')
t.ok(fine.history ~= nil and fine.history.epochs == 1, 'and sets m.history too')

-- the summary prints Keras's table
local s = nn.Sequential{nn.Conv2D(4, 3, {input_shape = {8, 8, 1}}), nn.Flatten(), nn.Dense(2)}
t.is(s:count_params(), 4 * 9 + 4 + 144 * 2 + 2, 'count_params')
t.is(s:get_layer('flatten_1').class, 'Flatten', 'get_layer by name')
t.is(s:get_layer(3).name, 'dense_1', 'get_layer by position')

-- save and load: the same predictions; a damaged file is refused
local path = os.tmpname()
m:save(path)
local loaded = nn.load(path)
t.is((loaded:predict(xv) - m:predict(xv)):abs():max(), 0, 'a loaded model predicts the same')
t.is(loaded.layers[1].name, 'dense_1', 'layer names survive')
t.is(loaded.optimizer, 'adam', 'the optimizer survives')
loaded:fit(x, y, {epochs = 1, verbose = 0})
local f = io.open(path, 'r+b')
f:seek('set', 40)
f:write('X')
f:close()
t.raises(function() nn.load(path) end, 'corrupted %(checksum mismatch%)', 'a damaged file is refused')
t.raises(function() nn.load(path .. '.missing') end, 'load: .*missing', 'a missing file is named')
t.raises(function() m:save('/nonexistent-dir/model.nn') end, 'save: .*nonexistent%-dir', 'an unwritable path is named')
os.remove(path)

-- the shipped reference models load and are trained
local ok, cnn = pcall(nn.pretrained, 'fashion_cnn')
t.ok(ok, 'nn.pretrained loads the reference CNN: ' .. tostring(not ok and cnn or ''))
if ok then
  t.is(cnn:count_params(), 121930, 'the reference CNN has 121,930 parameters')
  local train, test = nn.datasets.fashion_mnist()
  local _, accuracy = cnn:evaluate(test.x:slice(1, 1000), nn.utils.to_categorical(test.y:slice(1, 1000), 10), {batch_size = 500})
  t.ok(accuracy > 0.85, 'and classifies Fashion-MNIST: ' .. accuracy)
end
local ok2, lstm = pcall(nn.pretrained, 'fashion_lstm')
t.ok(ok2 and lstm.layers[1].class == 'LSTM', 'nn.pretrained loads the reference LSTM')
t.raises(function() nn.pretrained('resnet') end, "pretrained: no model 'resnet'", 'unknown names are refused')

-- Keras habits: history.history['loss'], and m.add(layer) for m:add(layer)
local km = nn.Sequential{nn.Dense(1, {input_shape = {2}})}
km:compile{optimizer = 'sgd', loss = 'mse'}
local kh = km:fit(nn.ones(4, 2), nn.ones(4, 1), {epochs = 2, verbose = 0})
t.is(kh.history['loss'], kh.loss, "history.history['loss'] is history.loss, as in Keras")
t.raises(function() km.add(nn.Dense(2)) end, 'a method is called with a colon: m:add%(...%)',
         'm.add(layer) says to use a colon')

t.done_testing()
