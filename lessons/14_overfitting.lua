-- Lesson 14: overfitting and validation. A Dense network of 50,890 weights
-- trained on 100 Fashion-MNIST images, validated on 100 more held back by
-- validation_split = 0.5 (the test set is kept for one verdict at the end):
-- the training loss falls to nearly 0 while the validation loss turns up
-- after a dozen or so epochs, drawn per epoch on a scale that shows the rise.
-- The best epoch found by hand (early stopping), the test set's verdict, then
-- two remedies measured: more data, and Dropout.
return {
  title = 'Overfitting and validation',
  minutes = 12,
  group = 'practice',
  requires = {6},
  run = function(L)
    L:page [[
The point of training is to do well on examples the network has never
seen. The training loss cannot tell you that: a network with many weights
and few examples can learn the examples themselves, noise and all, instead
of what they have in common. That is overfitting.

So keep some labelled examples out of training, the validation set, and
measure the loss on them after every epoch. Keras's validation_split holds
back the LAST part of x and y (before any shuffling) and trains on the rest:

  history = model.fit(x, y, epochs=50, validation_split=0.5)      -- Keras
  history = m:fit(x, y, {epochs = 50, validation_split = 0.5})     -- here

history.loss is the training loss of each epoch, history.val_loss the
validation loss. Overfitting is when the first keeps falling and the
second turns up. Why not validate on the test set? Every choice made by
looking at val_loss (when to stop, how much dropout) fits the model a
little to those images; the test set is kept for one verdict at the end.]]

    L:try('train, test = nn.datasets.fashion_mnist()', 'The data.')
    L:run('if not (train and test) then train, test = nn.datasets.fashion_mnist() end')
    L:run([[
-- Flatten, Dense(64, relu), [Dropout], Dense(10, softmax), fit on the
-- first 2n training images with validation_split = 0.5: it trains on the
-- first n and checks the last n after every epoch. nn.seed makes every run
-- of it the same, number for number.
function train_model(n, epochs, dropout)
  if dropout ~= nil and not (type(dropout) == 'number' and dropout >= 0 and dropout < 1) then
    error('train_model: dropout is a rate from 0 to 1 (0.5 drops half the inputs), not ' .. tostring(dropout), 0)
  end
  nn.seed(14)
  local model = nn.Sequential()
  model:add(nn.Flatten({input_shape = {28, 28, 1}}))
  model:add(nn.Dense(64, {activation = 'relu'}))
  if dropout then model:add(nn.Dropout(dropout)) end
  model:add(nn.Dense(10, {activation = 'softmax'}))
  model:compile{optimizer = 'adam', loss = 'categorical_crossentropy', metrics = {'accuracy'}}
  local history = model:fit(train.x:slice(1, 2 * n), nn.utils.to_categorical(train.y:slice(1, 2 * n), 10),
                            {epochs = epochs, batch_size = 10, validation_split = 0.5, verbose = 0})
  return history, model
end
-- the 100 images train_model(100, ...) validates on: training images 101..200
x_val = train.x:slice(101, 200)
y_val = nn.utils.to_categorical(train.y:slice(101, 200), 10)
-- the test set, kept for the end
x_test = test.x:slice(1, 1000)
y_test = nn.utils.to_categorical(test.y:slice(1, 1000), 10)
-- every `every`-th epoch of a history, as a table
function show_history(h, every)
  print('epoch      loss  accuracy    val_loss  val_accuracy')
  for e = 1, #h.loss do
    if e == 1 or e % (every or 5) == 0 then
      -- nn.format: 4 decimals as the progress line, 1.05e+57 when a loss explodes
      print(string.format('%5d  %8s  %8s    %8s  %12s', e, nn.format(h.loss[e]),
                          nn.format(h.accuracy[e]), nn.format(h.val_loss[e]),
                          nn.format(h.val_accuracy[e])))
    end
  end
end
]])
    L:page [[
The lesson has written train_model(n, epochs), which builds

  Flatten -> Dense(64, relu) -> Dense(10, softmax)      (50,890 weights)

and trains it with Adam, batches of 10, on the first 2n training images
with validation_split = 0.5: it learns from the first n and validates on
the last n. It returns the history and the model, and calls nn.seed(14)
first, so each call gives the same numbers. (x_val, y_val are the 100
images train_model(100, ...) validates on; x_test, y_test 1000 test
images, for the end.)

50,890 weights and only 100 training images: a recipe for overfitting.]]
    L:try('h, m = train_model(100, 50)', 'Train on 100 images for 50 epochs (a second or so).')
    L:run('if not (h and h.val_loss and #h.val_loss == 50) then h, m = train_model(100, 50) end')
    L:try('show_history(h)', 'Every fifth epoch (show_history is the lesson\'s too).')
    L:try('h.loss[50], h.val_loss[50]', 'The last epoch: training loss, validation loss.')
    L:check(L:run('m:count_params()') == 784 * 64 + 64 + 64 * 10 + 10, 'the network has 50,890 weights')
    L:run([[
-- a history's list as a curve over epochs, for plot (epoch e: list[e])
function curve(list)
  return function(e) return list[math.max(1, math.min(#list, math.floor(e + 0.5)))] end
end
]])
    L.env.plot = function(...) return L:plot(...) end
    L:try("plot({{'T', curve(h.loss)}, {'V', curve(h.val_loss)}}, 1, 50, 0, 2)",
          'Per epoch, 1 to 50: T the training loss, V the validation loss (0 to 2).')
    do  -- the rise, in numbers: from the lowest val_loss to the last epoch
      local h = L.env.h
      local low = 1
      for e = 2, #h.val_loss do if h.val_loss[e] < h.val_loss[low] then low = e end end
      local top = -math.huge  -- the highest val_loss from the lowest on
      for e = low, 50 do top = math.max(top, h.val_loss[e]) end
      print('')
      print(string.format('After its lowest point the validation loss climbs from %.4f to %.4f at' ..
                          string.char(10) .. 'epoch 50 (+%.4f), while the training loss falls from %.4f to %.4f.',
                          h.val_loss[low], h.val_loss[50], h.val_loss[50] - h.val_loss[low],
                          h.loss[low], h.loss[50]))
      L:check(h.loss[50] < h.loss[low] / 3, 'the training loss keeps falling after the best validation epoch')
      L:check(h.val_loss[50] > h.val_loss[low] + 0.05, 'the validation loss turns up: overfitting')
      L:check(low > 1 and low < 45, 'the validation loss has its minimum in the middle of training')
      L:check(h.accuracy[50] == 1 and h.val_accuracy[50] < 0.85,
              'every training image right, far fewer validation images')
      L:check((h.val_loss[50] - h.val_loss[low]) / 2 * 14 < 2,
              'on the 0..2 scale the rise spans less than two rows: the zoom below is needed')
      L:check(h.val_loss[low] >= 0.7 and top <= 1,
              'from its lowest point on, the validation loss stays within the zoomed plot (0.7 to 1)')
    end
    L:try("plot({{'V', curve(h.val_loss)}}, 1, 50, 0.7, 1)",
          'The validation loss alone, its axis from 0.7 to 1: now the rise shows.')
    L:page [[
The training loss falls towards 0 and the training accuracy reaches 100%:
the network knows its 100 images by heart. The validation loss falls for a
while, reaches its lowest point, then climbs while the training loss goes
on falling. From there on, each epoch makes the network better at its 100
images and worse at new ones. On a scale that holds the first epochs (0 to
2) the climb is a row or so; a plot scaled to the validation loss shows it.

The loss view draws the training loss of every batch (dim), smoothed
(bright), and the validation loss of every epoch (dots), all on the scale
of the first batches' losses: there the climb is small. Its last line
gives the validation loss's last and lowest values.]]
    L:view('loss', {model = L.env.m})

    L:exercise{
      prompt = 'Find the epoch with the lowest validation loss; set best to\n' ..
               'its number. h.val_loss is a Lua list: h.val_loss[e] is epoch e,\n' ..
               '#h.val_loss their count.',
      answer = 'best = 1; for e = 2, #h.val_loss do if h.val_loss[e] < h.val_loss[best] then best = e end end',
      wrong = {'best = #h.val_loss',  -- the last epoch is not the best one
               'best = math.min(table.unpack(h.val_loss))',  -- the lowest value, not its epoch
               'best = 1; for e = 2, #h.val_loss do if h.val_loss[e] > h.val_loss[best] then best = e end end'},  -- > for <
      check = function(env)
        local h = env.h
        if not (h and h.val_loss) then return false, 'h is gone: h, m = train_model(100, 50) makes it again' end
        local vl, best = h.val_loss, env.best
        if best == nil then return false, 'still waiting for best = ... (an epoch number)' end
        if type(best) ~= 'number' then return false, 'best should be an epoch number, not a ' .. type(best) end
        local want = 1
        for e = 2, #vl do if vl[e] < vl[want] then want = e end end
        if best == want then return true end
        if best == vl[want] then
          return false, string.format('%.4f is the lowest val_loss itself; best should be its epoch number', best),
                 'Keep the epoch e, not h.val_loss[e]: compare h.val_loss[e] < h.val_loss[best], then best = e.'
        end
        if math.type(best) ~= 'integer' or best < 1 or best > #vl then
          return false, string.format('best should be a whole epoch number from 1 to %d, not %s', #vl, tostring(best))
        end
        local highest = 1
        for e = 2, #vl do if vl[e] > vl[highest] then highest = e end end
        if best == highest then
          return false, string.format('epoch %d has the HIGHEST val_loss, %.4f: is the comparison turned round?',
                                      best, vl[best]),
                 'Keep e when h.val_loss[e] is BELOW h.val_loss[best]: if h.val_loss[e] < h.val_loss[best] then best = e end'
        end
        if best == #vl then
          return false, string.format('epoch %d is the last one; its val_loss, %.4f, is %.4f above the lowest',
                                      best, vl[best], vl[best] - vl[want]),
                 'The validation loss turned up: its lowest point is earlier. Look through every epoch.'
        end
        local lowest_train = 1
        for e = 2, #h.loss do if h.loss[e] < h.loss[lowest_train] then lowest_train = e end end
        if best == lowest_train then
          return false, 'that is the epoch of the lowest TRAINING loss (h.loss); the validation loss is h.val_loss'
        end
        return false, string.format('epoch %d has val_loss %.4f, %.4f above the lowest', best, vl[best], vl[best] - vl[want])
      end,
      hints = {'Start with best = 1; go through e = 2 .. #h.val_loss and keep e whenever\n' ..
               'h.val_loss[e] is below h.val_loss[best].',
               'A Lua loop: for e = 2, #h.val_loss do ... end; a test: if a < b then best = e end',
               'best = 1; for e = 2, #h.val_loss do if h.val_loss[e] < h.val_loss[best] then best = e end end'},
    }
    L:try('best, h.val_loss[best], h.val_accuracy[best]', 'The best epoch, its validation loss and accuracy.')

    L:page [[
Stopping there is called early stopping: Keras's EarlyStopping callback
watches val_loss and stops when it has not improved for a few epochs. We
can do it by hand: train the same model again, from the same seed, for
exactly best epochs. Because every run of train_model is the same, number
for number, it ends exactly where the first run was at epoch best.]]
    L:try('h2, m2 = train_model(100, best)', 'Train again, stopping at the best epoch.')
    L:run('if not (h2 and #h2.loss == best) then h2, m2 = train_model(100, best) end')
    L:try('m2:evaluate(x_val, y_val)', 'Its validation loss and accuracy: those of epoch best.')
    L:check(math.abs(L:run('m2:evaluate(x_val, y_val)') - L:run('h.val_loss[best]')) < 1e-6,
            'a seeded run stopped at the best epoch has exactly that epoch\'s validation loss')

    L:page [[
m2 is the model to keep. One question is left: how well does it do on
images nobody has looked at, neither in training nor in picking the
epoch? That is the test set's job, once, at the end.]]
    L:try('m2:evaluate(x_test, y_test)', 'The verdict: loss and accuracy on 1000 test images.')
    do
      local test_loss, test_acc = L:run('m2:evaluate(x_test, y_test)')
      local val_loss, val_acc = L:run('h.val_loss[best]'), L:run('h.val_accuracy[best]')
      print(string.format('validation at epoch best: loss %.4f, accuracy %.3f\n' ..
                          'test:                     loss %.4f, accuracy %.3f', val_loss, val_acc, test_loss, test_acc))
      L:check(test_loss > val_loss, 'the test loss is above the lowest validation loss')
      L:check(math.abs(test_acc - val_acc) < 0.1, 'test and validation accuracy agree within 10 points')
    end
    L:page [[
The test loss is a little higher than the lowest validation loss. One
reason: best was picked BECAUSE its val_loss was the lowest of 50, and the
lowest of many noisy values tends to be a lucky one. The accuracies agree
to a few points. Had we picked the epoch on the test set, no number would
be left that we had not tuned to.]]

    L:page [[
Two remedies, measured. The first is more data: with more examples to fit,
memorizing them is harder than learning what they have in common.
(train_model(1000, ...) validates on the 1000 images after its 1000: a
larger sample of the same kind of images, so its val_loss is measured
the same way, on more images.)]]
    L:exercise{
      prompt = 'Train the same network on 1000 images for 20 epochs with\n' ..
               'train_model; keep its history in h3. Compare its lowest val_loss with\n' ..
               'the 100-image run\'s.',
      answer = 'h3 = train_model(1000, 20)',
      wrong = {'h3 = train_model(100, 20)',  -- the same 100 images
               '_, h3 = train_model(1000, 20)',  -- the model, not the history
               'h3 = train_model(1000, 10)'},  -- too few epochs
      check = function(env)
        local h3, h = env.h3, env.h
        if h3 == nil then return false, 'still waiting for h3 = train_model(...)' end
        if type(h3) ~= 'table' or not h3.val_loss then
          return false, 'h3 is not a history (it has no val_loss): train_model returns the history first, then the model',
                 'h3 = train_model(...) keeps the first thing it returns, the history.'
        end
        if not (h and h.val_loss) then return false, 'h is gone: h, m = train_model(100, 50) makes it again' end
        if #h3.val_loss == 1000 then
          return false, 'h3 has 1000 epochs: the arguments are swapped, train_model(n, epochs) takes the images first',
                 'h3 = train_model(1000, 20): 1000 images, 20 epochs.'
        end
        if #h3.val_loss ~= 20 then
          return false, string.format('h3 has %d epoch%s, not 20', #h3.val_loss, #h3.val_loss == 1 and '' or 's'),
                 'The second argument of train_model is the number of epochs.'
        end
        local same = true
        for e = 1, 20 do same = same and math.abs(h3.val_loss[e] - h.val_loss[e]) < 1e-9 end
        if same then
          return false, 'h3 is the 100-image run again (its val_loss is h\'s, epoch by epoch): n should be 1000',
                 'The first argument of train_model is the number of training images.'
        end
        local function lowest(t) local v = math.huge for _, x in ipairs(t) do v = math.min(v, x) end return v end
        if lowest(h3.val_loss) >= lowest(h.val_loss) - 0.1 then
          return false, string.format('its lowest val_loss is %.4f, not clearly below the 100-image run\'s %.4f: ' ..
                                      'train on 1000 images', lowest(h3.val_loss), lowest(h.val_loss))
        end
        return true
      end,
      hints = {'train_model(n, epochs) returns the history first.',
               'h3 = train_model(1000, 20)'},
    }
    L:try('show_history(h3)', 'More data: a lower validation loss, and a smaller gap to the training loss.')
    L:check(L:run('h3.val_loss[20] - h3.loss[20]') < L:run('h.val_loss[20] - h.loss[20]'),
            'with more data the gap between validation and training loss is smaller')

    L:page [[
The second is Dropout: during training, a Dropout(0.5) layer sets a random
half of its inputs to zero at every step (and scales the rest up to make
up for it); at prediction time it does nothing. No unit can rely on any
one other unit being there, which makes memorizing harder.
train_model(n, epochs, 0.5) puts Dropout(0.5) after the Dense(64) layer.]]
    L:exercise{
      prompt = 'Train on the same 100 images for 50 epochs, with\n' ..
               'Dropout(0.5); keep the history in h4.',
      answer = 'h4 = train_model(100, 50, 0.5)',
      wrong = {'h4 = train_model(100, 50)',  -- no dropout
               'h4 = train_model(100, 50, 50)',  -- 50 for 50%
               'h4 = train_model(100, 20, 0.5)'},  -- 20 epochs, not 50
      check = function(env)
        local h4, h = env.h4, env.h
        if h4 == nil then return false, 'still waiting for h4 = train_model(...)' end
        if type(h4) ~= 'table' or not h4.val_loss then
          return false, 'h4 is not a history (it has no val_loss): train_model returns the history first'
        end
        if not (h and h.val_loss) then return false, 'h is gone: h, m = train_model(100, 50) makes it again' end
        if #h4.val_loss ~= 50 then
          return false, string.format('h4 has %d epoch%s, not 50', #h4.val_loss, #h4.val_loss == 1 and '' or 's')
        end
        if math.abs(h4.val_loss[50] - h.val_loss[50]) < 1e-9 and math.abs(h4.loss[50] - h.loss[50]) < 1e-9 then
          return false, 'h4 is h again, number for number: there is no Dropout in it',
                 'The third argument of train_model is the dropout rate: train_model(100, 50, 0.5).'
        end
        if not (h4.val_loss[50] < h.val_loss[50] - 0.03 and h4.loss[50] > h.loss[50]) then
          return false, string.format('epoch 50: training loss %.4f (without dropout %.4f), val_loss %.4f (%.4f); ' ..
                                      'Dropout(0.5) should give a higher training and a lower validation loss',
                                      h4.loss[50], h.loss[50], h4.val_loss[50], h.val_loss[50])
        end
        return true
      end,
      hints = {'The third argument of train_model is the dropout rate.',
               'h4 = train_model(100, 50, 0.5)'},
    }
    L:try('h.loss[50], h4.loss[50]', 'Training loss after 50 epochs, without and with dropout ...')
    L:try('h.val_loss[50], h4.val_loss[50]', '... and validation loss.')
    do
      local function lowest(t) local v = math.huge for _, x in ipairs(t) do v = math.min(v, x) end return v end
      L:check(lowest(L.env.h4.val_loss) > lowest(L.env.h3.val_loss),
              'dropout on 100 images does not reach what 1000 images give')
    end
    L:page [[
With dropout the training loss stays higher (the network cannot simply
memorize) and the validation loss ends lower. Neither remedy makes 100
images as good as 1000: more data is the surest cure.

  - overfitting: training loss falls, validation loss turns up;
  - always keep validation data out of training, and watch val_loss;
    keep the test set for one verdict at the end;
  - early stopping keeps the epoch where val_loss was lowest;
  - more data, and regularization such as Dropout, push overfitting back.

Lesson 17 goes further (an L2 penalty, the EarlyStopping callback);
lessons 15 and 16 write a layer of your own and add batch normalization.
scripts/fashion_cnn.lua and
scripts/fashion_lstm.lua are the reference models to experiment with;
:debug and :viz work on any model you build at the REPL.]]
  end,
}
