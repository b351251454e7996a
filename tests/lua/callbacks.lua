-- callbacks.lua: nn.callbacks, against Keras 3's algorithms worked out by
-- hand (keras/src/callbacks/*.py) and against arithmetic.
--
-- Scripted: a callback's methods called directly with known values, the
-- epochs, counters and rates written here from Keras's code. End to end: a
-- one-weight linear model, y = w * x with x = 1, trained by SGD on the mean
-- squared error, full batch: the gradient is 2 (w - 1), so with learning
-- rate r one epoch makes w = w - 2 r (w - 1). From w = 0 with r = 0.25,
-- w is 0.5, 0.75, 0.875, ... exactly (binary fractions), and a validation
-- target of 0.5 makes val_loss = (w - 0.5)^2 = 0, 0.0625, 0.140625, ...:
-- best at the first epoch, worse after.
--
-- scripts/keras_callbacks_check.py runs Keras 3's own callback files
-- (keras/src/callbacks/*.py, at 3422977a) on the scripted cases and the
-- CSV files below: it prints the same waits, stops, best epochs, restored
-- weights, rates and file text as written here. (Keras's 'auto' needs a
-- compiled model to know that accuracy goes up; there, mode = 'max'.)
local t = require 'tap'
local cb = nn.callbacks

-- ---- the model the scripted tests use: weights are epoch tags ----
local function fake_model()
  local model = {stop_training = false, restored = nil, epoch = 0}
  function model:get_weights() return {'weights of epoch ' .. self.epoch} end
  function model:set_weights(w) self.restored = w[1] end
  return model
end

-- Run an EarlyStopping over monitored values, one per epoch (stopping
-- where it says): the waits after each epoch, and the epoch it stopped at.
local function run_early_stopping(es, values, monitor)
  local model = fake_model()
  es.set_model(model)
  es.on_train_begin({})
  local waits = {}
  for epoch, value in ipairs(values) do
    model.epoch = epoch
    es.on_epoch_end(epoch, {[monitor or 'val_loss'] = value, loss = 9})
    waits[#waits + 1] = es.wait
    if model.stop_training then break end
  end
  es.on_train_end({})
  return waits, model.stop_training and es.stopped_epoch or nil, model
end

-- patience 2, min_delta 0.1: an improvement must beat the best by more
-- than 0.1. Keras: e1 best 1.0; e2 0.95 + 0.1 < 1.0? no, wait 1; e3 0.85 +
-- 0.1 < 1.0, best 0.85, wait 0; e4 0.9 < 0.85? no, wait 1; e5 no, wait 2
-- >= 2: stop at epoch 5.
local es = cb.EarlyStopping{patience = 2, min_delta = 0.1, restore_best_weights = true}
local waits, stopped, model = run_early_stopping(es, {1.0, 0.95, 0.85, 0.80, 0.79, 0.78})
t.is(waits, {0, 1, 0, 1, 2}, 'EarlyStopping: wait counts epochs since the best by more than min_delta')
t.is(stopped, 5, 'EarlyStopping: stops when wait reaches patience')
t.is(es.best, 0.85, 'EarlyStopping: best is the last value that improved enough')
t.is(es.best_epoch, 3, 'EarlyStopping: best_epoch')
t.is(model.restored, 'weights of epoch 3', 'EarlyStopping: restore_best_weights puts back the best epoch\'s weights')
-- min_delta is a size: its sign does not matter (Keras takes abs)
waits = run_early_stopping(cb.EarlyStopping{patience = 2, min_delta = -0.1}, {1.0, 0.95, 0.85, 0.80, 0.79})
t.is(waits, {0, 1, 0, 1, 2}, 'EarlyStopping: a negative min_delta counts as its size')

-- patience 0 stops at the first epoch that does not improve, never at the first
waits, stopped = run_early_stopping(cb.EarlyStopping{}, {1.0, 1.2, 0.5})
t.is(stopped, 2, 'EarlyStopping: patience 0 stops at the first epoch without improvement')
waits, stopped = run_early_stopping(cb.EarlyStopping{baseline = 0.5}, {1.0})
t.is({waits, stopped}, {{1}}, 'EarlyStopping: never stops at the first epoch')

-- baseline: an improvement that does not beat the baseline returns before
-- the patience check with wait still counting; the first epoch that does
-- not improve then stops (e1 wait 1, e2 wait 2, e3 wait 3 >= 2: stop).
waits, stopped = run_early_stopping(cb.EarlyStopping{patience = 2, baseline = 0.5}, {1.0, 0.9, 0.95, 0.1})
t.is({waits, stopped}, {{1, 2, 3}, 3}, 'EarlyStopping: baseline, as Keras 3 counts it')
waits, stopped = run_early_stopping(cb.EarlyStopping{patience = 1, baseline = 0.5}, {0.4, 0.45, 0.3})
t.is({waits, stopped}, {{0, 1}, 2}, 'EarlyStopping: beating the baseline restarts the wait')

-- 'auto' mode: an accuracy should go up (e3 0.6 > 0.6? no: stop, patience 1)
waits, stopped = run_early_stopping(cb.EarlyStopping{monitor = 'val_accuracy', patience = 1},
                                    {0.5, 0.6, 0.6, 0.7}, 'val_accuracy')
t.is({waits, stopped}, {{0, 0, 1}, 3}, "EarlyStopping: mode 'auto' maximizes an accuracy")
waits, stopped = run_early_stopping(cb.EarlyStopping{monitor = 'val_accuracy', patience = 1, mode = 'min'},
                                    {0.5, 0.6, 0.4}, 'val_accuracy')
t.is(stopped, 2, "EarlyStopping: mode 'min' is what it says")

-- start_from_epoch 2: Keras skips its epochs 0 and 1, our 1 and 2; the
-- first counted epoch is the best, even though earlier ones were lower
local late = cb.EarlyStopping{start_from_epoch = 2, restore_best_weights = true}
waits, stopped, model = run_early_stopping(late, {0.1, 0.1, 1.0, 1.0})
t.is({stopped, late.best_epoch, model.restored}, {4, 3, 'weights of epoch 3'},
     'EarlyStopping: start_from_epoch skips the first epochs')

-- Keras 3 restores the best weights at the end even without stopping early
local patient = cb.EarlyStopping{patience = 5, restore_best_weights = true}
waits, stopped, model = run_early_stopping(patient, {1.0, 0.5, 0.7})
t.is({stopped, model.restored}, {nil, 'weights of epoch 2'},
     'EarlyStopping: restore_best_weights also when training ran to the end')

-- a missing monitor: said once, and the epochs are skipped (Keras warns)
local said = {}
local real_print = print
print = function(text) said[#said + 1] = text end
waits, stopped = run_early_stopping(cb.EarlyStopping{}, {1, 2, 3}, 'loss_typo')
print = real_print
t.is({#said, stopped}, {1}, 'EarlyStopping: a monitor missing from the logs is said once, and nothing stops')
t.like(said[1] or '', '^EarlyStopping: monitor "val_loss" is not in the logs %(loss, loss_typo%), so it does nothing; give fit validation_split',
       'and the message says what the logs hold and what to do')

-- ---- ReduceLROnPlateau, on a real model's optimizer ----
local function linear_model(rate, optimizer)
  local m = nn.Sequential{nn.Dense(1, {use_bias = false, input_shape = {1}})}
  m:compile{optimizer = (optimizer or nn.optimizers.SGD){learning_rate = rate}, loss = 'mse'}
  m:set_weights{nn.zeros(1, 1)}
  return m
end

local function run_plateau(callback, m, values)
  callback.set_model(m)
  callback.on_train_begin({})
  local rates, waits = {}, {}
  for epoch, value in ipairs(values) do
    callback.on_epoch_end(epoch, {val_loss = value, learning_rate = nn.viz.learning_rate(m)})
    rates[#rates + 1] = nn.viz.learning_rate(m)
    waits[#waits + 1] = callback.wait
  end
  return rates, waits
end

-- factor 0.5, patience 2, cooldown 1, min_lr 0.2, min_delta 0. Keras:
-- e1 best 1.0; e2 wait 1; e3 wait 2: lr 1 -> 0.5, cooldown 1, wait 0;
-- e4 cooldown 1 -> 0 and wait 0, then (no longer in cooldown) wait 1;
-- e5 wait 2: 0.25; e6 wait 1; e7 wait 2: max(0.125, 0.2) = 0.2; e8 cooldown
-- ends, 0.5 improves: wait 0; e9 wait 1; e10 wait 2, but 0.2 > float32(0.2)
-- is false: no reduction, so no cooldown and wait stays 2.
local rop = cb.ReduceLROnPlateau{factor = 0.5, patience = 2, cooldown = 1, min_lr = 0.2, min_delta = 0}
local rates, rop_waits = run_plateau(rop, linear_model(1.0), {1, 1, 1, 1, 1, 1, 1, 0.5, 0.5, 0.5})
t.is(rates, {1, 1, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2}, 'ReduceLROnPlateau: the learning rates, epoch by epoch')
t.is(rop_waits, {0, 1, 0, 1, 0, 1, 0, 0, 1, 2}, 'ReduceLROnPlateau: wait, with the cooldown epoch counted as Keras does')
-- Keras compares the rate with float32(min_lr): 0.7 > float32(0.7) =
-- 0.699999988, so a rate already at min_lr = 0.7 "reduces" to 0.7 and the
-- wait restarts every time (in doubles it would not)
rates, rop_waits = run_plateau(cb.ReduceLROnPlateau{factor = 0.5, patience = 1, min_lr = 0.7},
                               linear_model(0.7), {1, 1, 1})
t.is({rates, rop_waits}, {{0.7, 0.7, 0.7}, {0, 0, 0}}, 'ReduceLROnPlateau: min_lr compared in float32, as Keras')
-- the default min_delta is 1e-4: 0.99995 is no improvement on 1
rates = run_plateau(cb.ReduceLROnPlateau{patience = 1}, linear_model(0.1), {1, 0.99995, 0.5})
t.is(rates, {0.1, 0.1 * 0.1, 0.1 * 0.1}, 'ReduceLROnPlateau: min_delta 1e-4 by default, factor 0.1')
rates = run_plateau(cb.ReduceLROnPlateau{patience = 1, monitor = 'val_accuracy'}, linear_model(0.1), {0.5, 0.4})
t.is(rates, {0.1, 0.1}, 'ReduceLROnPlateau: a missing monitor changes nothing')

-- ---- end to end: the one-weight model ----
local x, y = nn.tensor{{1}}, nn.tensor{{1}}
local val = {nn.tensor{{1}}, nn.tensor{{0.5}}}
local function w(m) return m:get_weights()[1]:totable()[1][1] end
local function fit(m, epochs, callbacks, validation)  -- validation false: none
  if validation == nil then validation = val end
  return m:fit(x, y, {epochs = epochs, batch_size = 1, shuffle = false, verbose = 0,
                      validation_data = validation or nil, callbacks = callbacks})
end

-- EarlyStopping, patience 2: val_loss 0, 0.0625, 0.140625: stops at epoch 3
local m = linear_model(0.25)
local seen = {}  -- each epoch's weights, kept by a callback that runs first
local keep = {on_epoch_end = function(epoch) seen[epoch] = m:get_weights()[1]:clone() end}
local stopper = cb.EarlyStopping{patience = 2, restore_best_weights = true}
local h = fit(m, 20, {keep, stopper})
t.is(h.epochs, 3, 'fit with EarlyStopping: stops at the epoch Keras would (3)')
t.is(h.val_loss, {0, 0.0625, 0.140625}, 'fit: the val_loss the arithmetic gives')
t.is(w(m), seen[1]:totable()[1][1], 'fit: restore_best_weights gives the best epoch\'s weights')
t.is(w(m), 0.5, 'which are w = 0.5, bit for bit')
t.is(m.stop_training, true, 'm.stop_training says why fit stopped')
fit(m, 1, {})
t.is(m.stop_training, false, 'and fit clears it when it begins')

-- m.stop_training from a batch: the epoch is still validated and ended
local four_x, four_y = nn.ones(4, 1), nn.ones(4, 1)
m = linear_model(0.25)
local batches, ends = 0, {}
h = m:fit(four_x, four_y, {epochs = 3, batch_size = 1, verbose = 0, validation_data = val, callbacks = {
  {on_batch_end = function(batch) batches = batches + 1; if batch == 2 then m.stop_training = true end end,
   on_epoch_end = function(epoch, logs) ends[#ends + 1] = logs.val_loss ~= nil end}}})
t.is({batches, h.epochs, ends}, {2, 1, {true}}, 'm.stop_training in a batch: fit stops after it, validates and ends the epoch')
t.raises(function() m.stop_trainin = true end, 'model: cannot set m.stop_trainin; the fields a model takes are m.stop_training',
         'a misspelt model field is refused')
t.raises(function() m.stop_training = 1 end, 'model: m.stop_training should be true or false, got number', 'stop_training is a boolean')

-- the events, in Keras's order, with the epochs and batches counted from 1
local events = {}
local function log(name) return function(n) events[#events + 1] = name .. (type(n) == 'number' and n or '') end end
linear_model(0.1):fit(nn.ones(2, 1), nn.ones(2, 1), {epochs = 2, batch_size = 1, verbose = 0, callbacks = {{
  set_model = log('set_model'), on_train_begin = log('train_begin'), on_epoch_begin = log('epoch_begin'),
  on_batch_end = log('batch_end'), on_epoch_end = log('epoch_end'), on_train_end = log('train_end')}}})
t.is(events, {'set_model', 'train_begin', 'epoch_begin1', 'batch_end1', 'batch_end2', 'epoch_end1',
              'epoch_begin2', 'batch_end1', 'batch_end2', 'epoch_end2', 'train_end'}, 'fit calls the methods in Keras\'s order')

-- the learning rate in force: in the logs and the history
m = linear_model(0.25)
local logged
h = fit(m, 2, {function(_, logs) logged = logs.learning_rate end})
t.is({h.learning_rate, logged}, {{0.25, 0.25}, 0.25}, 'history.learning_rate and the logs hold the rate in force')
-- an epoch cut short by an infinity still records its rate
m = linear_model(0.25)
m:set_weights{nn.ones(1, 1)}
h = m:fit(nn.tensor{{1e30}}, nn.tensor{{0}}, {epochs = 3, verbose = 0})  -- prints where the infinity appeared
t.is({h.epochs, h.learning_rate, h.stopped ~= nil}, {1, {0.25}, true}, 'history.learning_rate of an epoch a NaN or infinity cut short')
-- callbacks share one logs table per event, as in Keras
local shared = {}
fit(m, 1, {function(_, logs) logs.note = 'from the first' end, function(_, logs) shared = logs.note end})
t.is(shared, 'from the first', 'what a callback adds to the logs, the next one sees')

-- ---- LearningRateScheduler: schedule(epoch from 0, lr) at each epoch's beginning ----
m = linear_model(0.25)
local asked = {}
local halve = cb.LearningRateScheduler(function(epoch, lr)
  asked[#asked + 1] = {epoch, lr}
  return 0.25 / 2 ^ epoch
end)
local ws = {}
h = fit(m, 3, {halve, function() ws[#ws + 1] = w(m) end})
t.is(asked, {{0, 0.25}, {1, 0.25}, {2, 0.125}}, 'LearningRateScheduler: schedule gets Keras\'s epoch (from 0) and the rate')
t.is(h.learning_rate, {0.25, 0.125, 0.0625}, 'LearningRateScheduler: history.learning_rate')
-- w -= lr * 2 (w - 1): 0 -> 0.5 (0.25), -> 0.625 (0.125), -> 0.671875 (0.0625)
t.is(ws, {0.5, 0.625, 0.671875}, 'LearningRateScheduler: each epoch trained with its rate (w -= lr * gradient)')
t.raises(function()
  fit(linear_model(0.25), 2, {keep, cb.LearningRateScheduler(function() return nil end)})
end, 'fit: a callback failed: callbacks%[2%], LearningRateScheduler, in on_epoch_begin: LearningRateScheduler: '
   .. 'schedule%(0, 0.25%) returned nil; it should return a positive number',
   'a schedule that returns no rate: the error names the callback, the method and the call')
t.raises(function()
  fit(linear_model(0.25), 1, {cb.LearningRateScheduler(function() error('my bug') end)})
end, 'fit: a callback failed: callbacks%[1%], LearningRateScheduler, in on_epoch_begin: .*my bug',
   'an error in the schedule names the callback')

-- ---- ModelCheckpoint ----
local dir = os.tmpname()
os.remove(dir)
local function exists(path) local f = io.open(path, 'r'); if f then f:close() end; return f ~= nil end

-- save_best_only: val_loss is best at epoch 1 only, so only ck-01 is written
m = linear_model(0.25)
fit(m, 3, {cb.ModelCheckpoint(dir .. '-ck-{epoch:02d}.nnm', {save_best_only = true})})
t.is({exists(dir .. '-ck-01.nnm'), exists(dir .. '-ck-02.nnm'), exists(dir .. '-ck-03.nnm')},
     {true, false, false}, 'ModelCheckpoint save_best_only: writes only when val_loss improves')
t.is(w(nn.load(dir .. '-ck-01.nnm')), 0.5, 'ModelCheckpoint: the file holds the best epoch\'s weights')
-- one name, improving every epoch (validation target 1): the last save wins
m = linear_model(0.25)
seen = {}
keep = {on_epoch_end = function(epoch) seen[epoch] = w(m) end}
fit(m, 3, {keep, cb.ModelCheckpoint(dir .. '-best.nnm', {save_best_only = true, monitor = 'loss'})}, {x, y})
t.is(w(nn.load(dir .. '-best.nnm')), seen[3], 'ModelCheckpoint: the best (last) epoch saved over the others')
-- without save_best_only every epoch is saved; {val_loss:.4f} in the name
m = linear_model(0.25)
fit(m, 2, {cb.ModelCheckpoint(dir .. '-{epoch}-{val_loss:.4f}.nnm')})
t.is({exists(dir .. '-1-0.0000.nnm'), exists(dir .. '-2-0.0625.nnm')}, {true, true},
     'ModelCheckpoint: every epoch, named with Python\'s formats')
t.raises(function() fit(linear_model(0.25), 1, {cb.ModelCheckpoint(dir .. '-{val_acc}.nnm')}) end,
         'fit: a callback failed: callbacks%[1%], ModelCheckpoint, in on_epoch_end: ModelCheckpoint: the file name ".*" '
         .. 'names {val_acc}, which is not in the logs %(epoch, learning_rate, loss, val_loss%)',
         'ModelCheckpoint: a name that is not in the logs')
for _, name in ipairs{'-ck-01.nnm', '-best.nnm', '-1-0.0000.nnm', '-2-0.0625.nnm'} do os.remove(dir .. name) end

-- ---- CSVLogger: the file Keras 3 writes (Python's csv: CR LF, floats as repr) ----
local function read(path)
  local f = assert(io.open(path, 'rb'))
  local text = f:read('a')
  f:close()
  return text
end
local crlf = string.char(13, 10)
local csv = dir .. '.csv'
fit(linear_model(0.25), 3, {cb.CSVLogger(csv)})
-- loss is the batch's loss before its update: (w - 1)^2 = 1, 0.25, 0.0625
t.is(read(csv), 'epoch,learning_rate,loss,val_loss' .. crlf .. '0,0.25,1.0,0.0' .. crlf
       .. '1,0.25,0.25,0.0625' .. crlf .. '2,0.25,0.0625,0.140625' .. crlf,
     'CSVLogger: epoch from 0, then the logs sorted, as Keras writes them')
-- no validation: Keras adds a val_ column for each, with NA; append adds
-- rows without a second header; separator
fit(linear_model(0.25), 1, {cb.CSVLogger(csv, {separator = ';'})}, false)
fit(linear_model(0.5), 1, {cb.CSVLogger(csv, {separator = ';', append = true})}, false)
t.is(read(csv), 'epoch;learning_rate;loss;val_learning_rate;val_loss' .. crlf .. '0;0.25;1.0;NA;NA' .. crlf
       .. '0;0.5;1.0;NA;NA' .. crlf, 'CSVLogger: no validation, separator, append')
-- a field with the separator or a quote is quoted, as Python's csv does
fit(linear_model(0.25), 1, {function(_, logs) logs.note = 'a "b", c' end, cb.CSVLogger(csv)})
t.is(read(csv), 'epoch,learning_rate,loss,note,val_loss' .. crlf .. '0,0.25,1.0,"a ""b"", c",0.0' .. crlf,
     'CSVLogger: quotes a field as Python\'s csv module does')
os.remove(csv)
t.is({cb.python_float(1e-05), cb.python_float(0.1 + 0.2), cb.python_float(1e16), cb.python_float(1e15),
      cb.python_float(-2.5), cb.python_float(0 / 0)},
     {'1e-05', '0.30000000000000004', '1e+16', '1000000000000000.0', '-2.5', 'nan'},
     'numbers as Python\'s repr writes them (the values python3 prints)')

-- ---- bad options: errors that name the callback and the option ----
for _, c in ipairs{
  {function() cb.EarlyStopping{patience = -1} end, 'EarlyStopping: patience should be 0 or more, got %-1'},
  {function() cb.EarlyStopping{patience = 1.5} end, 'EarlyStopping: patience should be a whole number, got 1.5'},
  {function() cb.EarlyStopping{patiense = 3} end, 'EarlyStopping: unknown option patiense; it takes baseline, min_delta, mode, monitor, patience'},
  {function() cb.EarlyStopping{mode = 'minimum'} end, "EarlyStopping: mode should be 'auto', 'min' or 'max', got minimum"},
  {function() cb.EarlyStopping{monitor = 'val_mae'} end, 'EarlyStopping: cannot tell whether monitor = "val_mae" should go down or up; pass mode'},
  {function() cb.EarlyStopping{restore_best_weights = 1} end, 'EarlyStopping: restore_best_weights should be a boolean, got number'},
  {function() cb.EarlyStopping('val_loss') end, 'EarlyStopping: the options should be a table'},
  {function() cb.ReduceLROnPlateau{factor = 1} end, 'ReduceLROnPlateau: factor should be between 0 and 1 %(Keras refuses >= 1%), got 1'},
  {function() cb.ReduceLROnPlateau{min_lr = -1} end, 'ReduceLROnPlateau: min_lr should be 0 or more'},
  {function() cb.LearningRateScheduler(0.1) end, 'LearningRateScheduler: schedule should be a function%(epoch, lr%)'},
  {function() cb.ModelCheckpoint() end, 'ModelCheckpoint: filepath should be a file name'},
  {function() cb.ModelCheckpoint('m.nnm', {save_weights_only = true}) end, 'ModelCheckpoint: unknown option save_weights_only'},
  {function() cb.CSVLogger('log.csv', {separator = ', '}) end, 'CSVLogger: separator should be one character'},
  {function() m:fit(x, y, {verbose = 0, callbacks = {5}}) end, 'fit: callbacks%[1%] is a number; give a function'},
  {function() m:fit(x, y, {verbose = 0, callbacks = cb.EarlyStopping{}}) end, 'fit: callbacks should be a list, such as {nn.callbacks.EarlyStopping{}}; got EarlyStopping itself %(put it in braces%)'},
} do
  t.raises(c[1], c[2], c[2]:gsub('%%', ''))
end
-- an unwritable CSV file: said at the start, naming the callback
t.raises(function() fit(linear_model(0.1), 1, {cb.CSVLogger(dir .. '/no/such/folder.csv')}) end,
         'fit: a callback failed: callbacks%[1%], CSVLogger, in on_train_begin: CSVLogger: cannot write',
         'CSVLogger: a file it cannot write')

-- a callback class where a callback belongs: {nn.callbacks.EarlyStopping}
do
  local cm = nn.Sequential{nn.Dense(1, {input_shape = {2}})}
  cm:compile{optimizer = 'sgd', loss = 'mean_squared_error'}
  t.raises(function()
    cm:fit(nn.rand(4, 2), nn.rand(4, 1), {verbose = 0, callbacks = {nn.callbacks.EarlyStopping}})
  end, 'fit: callbacks%[1%] is nn.callbacks.EarlyStopping itself, not a callback: call it '
       .. 'to make one, e.g. nn.callbacks.EarlyStopping{}',
     'a callback class in the list says to call it (it ran as a function and failed oddly)')
  t.raises(function()
    cm:fit(nn.rand(4, 2), nn.rand(4, 1), {verbose = 0, callbacks = {print, nn.callbacks.CSVLogger}})
  end, 'callbacks%[2%] is nn.callbacks.CSVLogger itself', '... any of them, at its position')
end

t.done_testing()
