-- Lesson 14: overfitting and validation. A Dense network of 50,890 weights
-- trained on 100 Fashion-MNIST images, with 500 test images as validation
-- data: the training loss falls to nearly 0 while the validation loss turns
-- up after a dozen or so epochs. The best epoch found by hand (early
-- stopping), then two remedies measured: more data, and Dropout.
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
measure the loss on them after every epoch. In Keras (Python):

  history = model.fit(x, y, epochs=..., validation_data=(x_val, y_val))

and here (Lua):

  history = m:fit(x, y, {epochs = ..., validation_data = {x_val, y_val}})

history.loss is the training loss of each epoch, history.val_loss the
validation loss. Overfitting is when the first keeps falling and the
second turns up.]]

    L:try('train, test = nn.datasets.fashion_mnist()', 'The data.')
    L:run('if not (train and test) then train, test = nn.datasets.fashion_mnist() end')
    L:run([[
x_val = test.x:slice(1, 500)
y_val = nn.utils.to_categorical(test.y:slice(1, 500), 10)
-- Flatten, Dense(64, relu), [Dropout], Dense(10, softmax), trained on the
-- first n training images for some epochs, checked on x_val after each.
-- nn.seed makes every run of it the same, number for number.
function train_model(n, epochs, dropout)
  nn.seed(14)
  local model = nn.Sequential()
  model:add(nn.Flatten({input_shape = {28, 28, 1}}))
  model:add(nn.Dense(64, {activation = 'relu'}))
  if dropout then model:add(nn.Dropout(dropout)) end
  model:add(nn.Dense(10, {activation = 'softmax'}))
  model:compile{optimizer = 'adam', loss = 'categorical_crossentropy', metrics = {'accuracy'}}
  local history = model:fit(train.x:slice(1, n), nn.utils.to_categorical(train.y:slice(1, n), 10),
                            {epochs = epochs, batch_size = 10, validation_data = {x_val, y_val}, verbose = 0})
  return history, model
end
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
The lesson has set aside 500 test images as validation data (x_val, y_val)
and written train_model(n, epochs), which builds

  Flatten -> Dense(64, relu) -> Dense(10, softmax)      (50,890 weights)

trains it with Adam on the first n training images, batches of 10, with
validation_data = {x_val, y_val}, and returns the history and the model.
It calls nn.seed(14) first, so each call gives the same numbers.

50,890 weights and only 100 training images: a recipe for overfitting.]]
    L:try('h, m = train_model(100, 50)', 'Train on 100 images for 50 epochs (a second or so).')
    L:run('if not (h and h.val_loss and #h.val_loss == 50) then h, m = train_model(100, 50) end')
    L:try('show_history(h)', 'Every fifth epoch (show_history is the lesson\'s too).')
    L:try('h.loss[50], h.val_loss[50]', 'The last epoch: training loss, validation loss.')
    do
      local h = L.env.h
      local best = 1
      for e = 2, #h.val_loss do if h.val_loss[e] < h.val_loss[best] then best = e end end
      L:check(h.loss[50] < h.loss[best] / 3, 'the training loss keeps falling after the best validation epoch')
      L:check(h.val_loss[50] > h.val_loss[best] + 0.05, 'the validation loss turns up: overfitting')
      L:check(best > 1 and best < 45, 'the validation loss has its minimum in the middle of training')
      L:check(h.accuracy[50] > 0.95 and h.val_accuracy[50] < 0.85,
              'nearly every training image right, far fewer validation images')
    end
    L:page [[
The training loss falls towards 0 and the training accuracy reaches 100%:
the network knows its 100 images by heart. The validation loss falls for a
while, reaches its lowest point, then climbs while the training loss goes
on falling. From there on, each epoch makes the network better at its 100
images and worse at new ones.

The loss view draws the training loss of every batch (dim), smoothed
(bright), and the validation loss of every epoch (dots).]]
    L:view('loss', {model = L.env.m})

    L:exercise{
      prompt = 'Find the epoch with the lowest validation loss; set best to\n' ..
               'its number. h.val_loss is a Lua list: h.val_loss[e] is epoch e,\n' ..
               '#h.val_loss their count.',
      answer = 'best = 1; for e = 2, #h.val_loss do if h.val_loss[e] < h.val_loss[best] then best = e end end',
      wrong = 'best = #h.val_loss',  -- the last epoch is not the best one
      check = function(env)
        local h = env.h
        if not (h and h.val_loss) or math.type(env.best) ~= 'integer' then return false end
        local want = 1
        for e = 2, #h.val_loss do if h.val_loss[e] < h.val_loss[want] then want = e end end
        return env.best == want
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
Two remedies, measured. The first is more data: with more examples to fit,
memorizing them is harder than learning what they have in common.]]
    L:exercise{
      prompt = 'Train the same network on 1000 images for 20 epochs with\n' ..
               'train_model; keep its history in h3. Compare its lowest val_loss with\n' ..
               'the 100-image run\'s.',
      answer = 'h3 = train_model(1000, 20)',
      wrong = 'h3 = train_model(100, 20)',
      check = function(env)
        local h3, h = env.h3, env.h
        if not (h3 and h3.val_loss and h and h.val_loss) or #h3.val_loss ~= 20 then return false end
        local function lowest(t) local v = math.huge for _, x in ipairs(t) do v = math.min(v, x) end return v end
        return lowest(h3.val_loss) < lowest(h.val_loss) - 0.1
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
      wrong = 'h4 = train_model(100, 50)',  -- no dropout
      check = function(env)
        local h4, h = env.h4, env.h
        if not (h4 and h4.val_loss and h and h.val_loss) or #h4.val_loss ~= 50 then return false end
        return h4.val_loss[50] < h.val_loss[50] - 0.03 and h4.loss[50] > h.loss[50]
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
  - early stopping keeps the epoch where val_loss was lowest;
  - more data, and regularization such as Dropout, push overfitting back.

Lesson 17 fights overfitting properly (validation_split, Dropout, an L2
penalty, EarlyStopping); lessons 15 and 16 write a layer of your own and
add batch normalization. scripts/fashion_cnn.lua and
scripts/fashion_lstm.lua are the reference models to experiment with;
:debug and :viz work on any model you build at the REPL.]]
  end,
}
