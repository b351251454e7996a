-- Lesson 17: regularization and early stopping. Lesson 14's overfitting
-- network (Flatten, Dense(64, relu), Dense(10, softmax): 50,890 weights),
-- now on 200 Fashion-MNIST training images with validation_split = 0.5:
-- it trains on the first 100 and validates on the last 100, and the test
-- set is kept for one verdict at the end. Then Dropout, an L2 penalty on
-- the weights (kernel_regularizer), then Keras's EarlyStopping callback
-- with restore_best_weights, and the curves.
return {
  title = 'Regularization and early stopping',
  minutes = 12,
  group = 'practice',
  requires = {14},
  run = function(L)
    L:page [[
Lesson 14 watched a network overfit: with 50,890 weights and 100 images,
the training loss falls to nearly 0 while the validation loss turns up.
This lesson fights it with the tools Keras users reach for: Dropout, and
the EarlyStopping callback, which stops training when the validation loss
stops improving and goes back to the best weights.

First, where the validation data comes from. Lesson 14 borrowed test
images. But every choice made by looking at the validation loss (which
epoch to stop at, how much dropout) fits the model to those images a
little, and a score on them is then a little too kind. So keep the test
set for one final verdict, and validate on part of the training data.
Keras's validation_split does that:

  history = model.fit(x, y, epochs=50, validation_split=0.5)      -- Keras
  history = m:fit(x, y, {epochs = 50, validation_split = 0.5})     -- here

It holds back the LAST half of x and y (before any shuffling) and trains
on the first half only.]]

    L:try('train, test = nn.datasets.fashion_mnist()', 'The data.')
    L:run('if not (train and test) then train, test = nn.datasets.fashion_mnist() end')
    L:run([[
-- 200 training images: fit's validation_split = 0.5 trains on the first
-- 100 and validates on the last 100 (x_val, y_val below are those 100).
x = train.x:slice(1, 200)
y = nn.utils.to_categorical(train.y:slice(1, 200), 10)
x_val, y_val = x:slice(101, 200), y:slice(101, 200)
-- Flatten, Dense(64, relu), [Dropout], Dense(10, softmax), Adam, batches
-- of 10; nn.seed(17) makes every run the same, number for number.
-- options: dropout = rate, l2 = factor (an L2 kernel_regularizer on both
-- Dense layers), callbacks = {...}
function train_model(epochs, options)
  options = options or {}
  nn.seed(17)
  local l2 = options.l2 and nn.regularizers.l2(options.l2) or nil
  local model = nn.Sequential()
  model:add(nn.Flatten({input_shape = {28, 28, 1}}))
  model:add(nn.Dense(64, {activation = 'relu', kernel_regularizer = l2}))
  if options.dropout then model:add(nn.Dropout(options.dropout)) end
  model:add(nn.Dense(10, {activation = 'softmax', kernel_regularizer = l2}))
  model:compile{optimizer = 'adam', loss = 'categorical_crossentropy', metrics = {'accuracy'}}
  local history = model:fit(x, y, {epochs = epochs, batch_size = 10, validation_split = 0.5,
                                   verbose = 0, callbacks = options.callbacks})
  return history, model
end
-- the epoch with the lowest val_loss
function best_epoch(h)
  local best = 1
  for e = 2, #h.val_loss do if h.val_loss[e] < h.val_loss[best] then best = e end end
  return best
end
-- the validation loss without the L2 penalty: evaluate's loss is the
-- cross-entropy plus model.penalty (the penalty at the current weights)
function val_data_loss(model)
  return model:evaluate(x_val, y_val) - model.penalty
end
-- the sum of the squares of every kernel's weights
function kernel_squares(model)
  local total = 0
  for _, layer in ipairs(model.layers) do
    if layer.kernel then total = total + (layer.kernel * layer.kernel):sum() end
  end
  return total
end
-- every `every`-th epoch of a history, as a table
function show_history(h, every)
  print('epoch      loss  accuracy    val_loss  val_accuracy')
  for e = 1, #h.loss do
    if e == 1 or e % (every or 5) == 0 or e == #h.loss then
      print(string.format('%5d  %8s  %8s    %8s  %12s', e, nn.format(h.loss[e]),
                          nn.format(h.accuracy[e]), nn.format(h.val_loss[e]),
                          nn.format(h.val_accuracy[e])))
    end
  end
end
]])
    L:page [[
The lesson has written train_model(epochs, options): lesson 14's network,
trained with Adam on x (200 images) with validation_split = 0.5, after
nn.seed(17), so each call gives the same numbers. options.dropout adds a
Dropout layer, options.l2 an L2 penalty (below), options.callbacks goes
to fit. best_epoch(h) finds the
epoch with the lowest val_loss; show_history(h) prints a history.]]
    L:try('h, m = train_model(50)', 'No remedy yet: 50 epochs.')
    L:run('if not (h and h.val_loss and #h.val_loss == 50) then h, m = train_model(50) end')
    L:try('show_history(h)', 'The training loss falls to nearly 0; the validation loss turns up.')
    L:try('best_epoch(h), h.val_loss[best_epoch(h)], h.val_loss[50]', 'The best epoch, its val_loss, and the last.')
    do
      local h = L.env.h
      local best = L.env.best_epoch(h)
      L:check(best > 3 and best < 40, 'the validation loss has its minimum in the middle of training')
      L:check(h.val_loss[50] > h.val_loss[best] + 0.05, 'and turns up after it: overfitting')
      L:check(h.loss[50] < h.loss[best] / 3, 'while the training loss keeps falling')
    end

    L:page [[
Regularization makes memorizing harder. Dropout(0.5), between the two
Dense layers, zeroes a random half of the 64 hidden values at every
training step (and doubles the rest, to keep their sum's scale); when
predicting or validating it does nothing. No hidden unit can count on
any other being there.]]
    L:try('h_drop, m_drop = train_model(50, {dropout = 0.5})', 'The same network with Dropout(0.5).')
    L:run('if not (h_drop and #h_drop.val_loss == 50) then h_drop, m_drop = train_model(50, {dropout = 0.5}) end')
    L:try('h.loss[50], h_drop.loss[50]', 'Training loss after 50 epochs, without and with dropout ...')
    L:try('h.val_loss[best_epoch(h)], h_drop.val_loss[best_epoch(h_drop)]', '... and the lowest validation loss of each.')
    do
      local h, hd, best = L.env.h, L.env.h_drop, L.env.best_epoch
      L:check(hd.loss[50] > 3 * h.loss[50], 'with dropout the training loss stays higher')
      L:check(hd.val_loss[best(hd)] < h.val_loss[best(h)], 'and the validation loss gets lower')
      L:check(best(hd) > best(h), 'its best epoch comes later')
    end
    L:page [[
With dropout the network cannot simply memorize: its training loss stays
higher, and its validation loss gets lower, later. But on 100 images it
still overfits in the end (compare h_drop.val_loss[50] with its best):
dropout pushes overfitting back, it does not abolish it. Something still
has to choose when to stop.]]
    L:page [[
A second remedy works on the weights themselves. An L2 regularizer adds
a penalty to the loss that training minimizes,

  loss = cross-entropy + l2 * (sum of the squares of the kernel's weights)

so every weight also feels a pull towards 0 (the penalty's gradient is
2 * l2 * w: "weight decay"). Large weights, which memorizing needs, now
cost something. In Keras and here it is an option of the layer:

  nn.Dense(64, {activation = 'relu', kernel_regularizer = nn.regularizers.l2(0.003)})

One thing to know when reading the numbers: Keras adds the penalty to
every loss it reports, val_loss included (history.penalty holds that
part). To compare with the network without it, take the penalty out:
val_data_loss(model) is model:evaluate(x_val, y_val) - model.penalty.]]
    L:try('h_l2, m_l2 = train_model(50, {l2 = 0.003})', 'The same network with an L2 penalty of 0.003 on both kernels.')
    L:run('if not (h_l2 and #h_l2.val_loss == 50) then h_l2, m_l2 = train_model(50, {l2 = 0.003}) end')
    L:try('h_l2.penalty[50], h_l2.val_loss[50]', 'The penalty after 50 epochs, and val_loss (which includes it).')
    L:try('val_data_loss(m), val_data_loss(m_l2)', 'The cross-entropy on the validation images: without and with L2.')
    L:try('kernel_squares(m), kernel_squares(m_l2)', 'The sum of the squared weights: without and with L2.')
    do
      local env = L.env
      L:check(env.val_data_loss(env.m_l2) < env.val_data_loss(env.m) - 0.05,
              'with L2 the validation cross-entropy after 50 epochs is clearly lower')
      L:check(env.kernel_squares(env.m_l2) < env.kernel_squares(env.m) / 2,
              'and the weights are much smaller')
      L:check(math.abs(env.h_l2.val_loss[50] - env.val_data_loss(env.m_l2) - env.m_l2.penalty) < 1e-6,
              'val_loss is the cross-entropy plus the penalty')
    end
    L:page [[
With L2 the weights stay less than half as large (in sum of squares) and
the validation cross-entropy no longer climbs as far: the network had to
pay for every large weight it wanted. Too large a factor (try 0.03)
and it cannot fit even the training images: the penalty is a knob to
tune on the validation data, like the dropout rate.]]

    L:page [[
Early stopping chooses. Keras's EarlyStopping callback watches a value in
the logs after every epoch (monitor = 'val_loss') and, as Keras 3 does it:

  - each epoch, wait = wait + 1;
  - if val_loss beats the best so far (by more than min_delta, default 0),
    it becomes the best and wait = 0;
  - otherwise, once wait >= patience, it sets m.stop_training = true and
    fit stops after this epoch.

With restore_best_weights = true it keeps a copy of the weights of the
best epoch and puts them back when training ends: without it, the model
keeps the weights of the last epoch, patience epochs past the best.

  nn.callbacks.EarlyStopping{monitor = 'val_loss', patience = 5,
                             restore_best_weights = true}

help('EarlyStopping') has every option.]]
    L:exercise{
      prompt = 'Make an EarlyStopping that watches val_loss, waits 5 epochs\n' ..
               'without improvement, and restores the best weights; call it stopper.',
      answer = "stopper = nn.callbacks.EarlyStopping{monitor = 'val_loss', patience = 5, restore_best_weights = true}",
      wrong = 'stopper = nn.callbacks.EarlyStopping{patience = 5}',  -- keeps the last weights
      check = function(env)
        local s = env.stopper
        local meta = type(s) == 'table' and getmetatable(s)
        if not (meta and meta.__name == 'EarlyStopping') then
          return false, 'stopper should be made by nn.callbacks.EarlyStopping{...}'
        end
        if s.monitor ~= 'val_loss' then return false, "it watches " .. s.monitor .. ", not 'val_loss'" end
        if s.patience ~= 5 then return false, 'its patience is ' .. s.patience .. ', not 5' end
        if not s.restore_best_weights then
          return false, 'restore_best_weights is false: the model would keep the weights of the last epoch' ..
                        ' (Lua writes true in lower case: True, as in Python, is an unset name, nil)'
        end
        return true
      end,
      hints = {'The options go in a table: nn.callbacks.EarlyStopping{patience = ..., ...}',
               "stopper = nn.callbacks.EarlyStopping{monitor = 'val_loss', patience = 5, restore_best_weights = true}"},
    }
    L:try('h_es, m_es = train_model(100, {callbacks = {stopper}})', 'Up to 100 epochs, with stopper watching.')
    L:run('if not (h_es and h_es.epochs and h_es.epochs < 100) then h_es, m_es = train_model(100, {callbacks = {stopper}}) end')
    L:try('h_es.epochs, stopper.best_epoch, stopper.stopped_epoch', 'Epochs run, the best one, where it stopped.')
    do
      local env = L.env
      local s, h_es = env.stopper, env.h_es
      L:check(s.stopped_epoch == s.best_epoch + 5 and h_es.epochs == s.stopped_epoch,
              'it stopped patience = 5 epochs after the best one')
      L:check(s.best_epoch == env.best_epoch(env.h),
              'the same seed, the same run: the best epoch is the one we found by hand')
      local loss = env.m_es:evaluate(env.x_val, env.y_val)
      L:check(math.abs(loss - h_es.val_loss[s.best_epoch]) < 1e-6,
              'the restored model has exactly the best epoch\'s validation loss')
    end
    L:exercise{
      prompt = 'm_es ran for h_es.epochs epochs. Which epoch\'s weights does it hold\n' ..
               'now? Set best to that epoch\'s number.',
      answer = 'best = stopper.best_epoch',
      wrong = 'best = h_es.epochs',  -- where it stopped, not what it kept
      check = function(env)
        local s, h_es = env.stopper, env.h_es
        if math.type(env.best) ~= 'integer' then return false, 'best should be an epoch number' end
        if h_es and env.best == h_es.epochs then
          return false, 'that is where training stopped; restore_best_weights went back from there'
        end
        return env.best == s.best_epoch, 'check m_es:evaluate(x_val, y_val) against h_es.val_loss[best]'
      end,
      hints = {'restore_best_weights put back the weights of the epoch with the lowest val_loss.',
               'stopper.best_epoch says which; so does best_epoch(h_es).',
               'best = stopper.best_epoch'},
    }
    L:try('m_es:evaluate(x_val, y_val), h_es.val_loss[best]', 'The model now: exactly that epoch\'s validation loss.')
    L:page [[
The curves: the training loss of every batch (dim), smoothed (bright), and
the validation loss of every epoch (dots), up to where training stopped.
The best epoch is the lowest dot; the last five dots are the patience.]]
    L:view('loss', {model = L.env.m_es})

    L:exercise{
      prompt = 'Both remedies at once: train for up to 100 epochs with\n' ..
               'Dropout(0.5) and a new EarlyStopping (patience 5, restoring the best\n' ..
               'weights); keep the history and model in h_both, m_both.',
      answer = 'h_both, m_both = train_model(100, {dropout = 0.5, callbacks = {' ..
               'nn.callbacks.EarlyStopping{patience = 5, restore_best_weights = true}}})',
      wrong = 'h_both, m_both = train_model(100, {callbacks = {' ..
              'nn.callbacks.EarlyStopping{patience = 5, restore_best_weights = true}}})',
      check = function(env)
        local h, m = env.h_both, env.m_both
        if not (h and h.val_loss and m and m.layers) then
          return false, 'h_both, m_both = train_model(...) keeps both'
        end
        local dropout = false
        for _, layer in ipairs(m.layers) do dropout = dropout or layer.class == 'Dropout' end
        if not dropout then return false, 'm_both has no Dropout layer: pass dropout = 0.5' end
        if h.epochs >= 100 then return false, 'it ran all 100 epochs: give it the EarlyStopping callback' end
        local loss = m:evaluate(env.x_val, env.y_val)
        local lowest = h.val_loss[env.best_epoch(h)]
        if math.abs(loss - lowest) > 1e-6 then
          return false, 'm_both does not hold its best epoch\'s weights: restore_best_weights = true'
        end
        return true
      end,
      hints = {'train_model takes both options in one table: {dropout = ..., callbacks = {...}}',
               'h_both, m_both = train_model(100, {dropout = 0.5, callbacks = {' ..
               'nn.callbacks.EarlyStopping{patience = 5, restore_best_weights = true}}})'},
    }
    L:try('h_both.epochs, h_both.val_loss[best_epoch(h_both)]', 'Epochs run, and the validation loss it kept.')

    L:page [[
Now, and only now, the test set: 1000 images no choice was made with.
Compare the network trained 50 epochs with no remedy (m, overfit) with
the two early-stopped ones.]]
    L:run([[
x_test = test.x:slice(1, 1000)
y_test = nn.utils.to_categorical(test.y:slice(1, 1000), 10)
-- on the test images a model gets wrong: the mean probability it gives
-- its (wrong) top class
function confidence_when_wrong(model)
  local p, labels = model:predict(x_test):totable(), test.y:slice(1, 1000):totable()
  local total, wrong = 0, 0
  for i, row in ipairs(p) do
    local top = 1
    for c = 2, 10 do if row[c] > row[top] then top = c end end
    if top - 1 ~= labels[i] then total, wrong = total + row[top], wrong + 1 end
  end
  return total / wrong
end
]])
    L:try('m:evaluate(x_test, y_test)', 'No remedy, 50 epochs: test loss and accuracy.')
    L:try('m_es:evaluate(x_test, y_test)', 'Early stopping.')
    L:try('m_both:evaluate(x_test, y_test)', 'Dropout and early stopping.')
    do
      local env = L.env
      local overfit, overfit_accuracy = env.m:evaluate(env.x_test, env.y_test)
      for _, name in ipairs{'m_es', 'm_both'} do
        local loss, accuracy = env[name]:evaluate(env.x_test, env.y_test)
        L:check(loss < overfit - 0.05, name .. ' has a clearly lower test loss than the overfit network')
        L:check(math.abs(accuracy - overfit_accuracy) < 0.03, name .. '\'s test accuracy is about the same')
      end
    end
    L:page [[
The early-stopped networks have a clearly lower test loss, and their
accuracy is about the same: the overfit network picks the right class
about as often. Where does its higher loss come from? Cross-entropy
punishes a confident mistake hard, so look at how sure each network is
when it is wrong (confidence_when_wrong, the lesson's: the mean
probability given to the wrong top class).]]
    L:try('confidence_when_wrong(m), confidence_when_wrong(m_es)', 'Overfit, and early-stopped.')
    L:check(L:run('return confidence_when_wrong(m)') > L:run('return confidence_when_wrong(m_es)') + 0.05,
            'the overfit network is more sure of its mistakes')
    L:page [[
Training on made the network surer of its answers, wrong ones included:
its probabilities can be trusted less. These test numbers are honest,
because the test set chose nothing.

  - validate on data held out of training (validation_split), and keep
    the test set for the end;
  - Dropout makes memorizing harder: the training loss stays higher, the
    validation loss gets lower, later;
  - kernel_regularizer = nn.regularizers.l2(f) adds f * sum(w^2) to the
    loss (and to every loss Keras reports): smaller weights, less room to
    memorize;
  - EarlyStopping{patience = p, restore_best_weights = true} stops p epochs
    after the best val_loss and goes back to the best weights;
  - nn.callbacks also has ModelCheckpoint (save the best model to a file),
    CSVLogger (each epoch's logs to a CSV file), ReduceLROnPlateau and
    LearningRateScheduler (the learning rate; history.learning_rate shows
    it): help('callbacks').]]
  end,
}
