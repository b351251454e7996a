-- Lesson 16: batch normalization. What BatchNormalization computes in its
-- two modes, shown on a layer alone with four examples (the same input,
-- two different outputs, and why); its moving statistics as Keras updates
-- them (an exercise that PyTorch's convention fails); then a small CNN on
-- 1024 Fashion-MNIST images, with and without it, loss curves side by side;
-- and the lag of the moving statistics after a short training, fixed with
-- a smaller momentum. Every claim is checked (L:check) against the engine.
return {
  title = 'Batch normalization',
  minutes = 15,
  group = 'practice',
  requires = {7, 14},
  run = function(L)
    L:page [[
A layer deep in a network sees inputs whose scale depends on every layer
below it, and that scale changes at every step as those layers learn.
BatchNormalization (Ioffe and Szegedy, 2015) takes the scale out: for each
channel (the last axis: a Dense unit, a Conv2D filter) it subtracts the
mean and divides by the standard deviation of that channel over the batch,

  xhat = (x - mean) / sqrt(var + epsilon)       epsilon = 0.001

and then gives the network back the freedom to choose a scale and shift,
two trainable weights per channel, gamma (starts at 1) and beta (starts at 0):

  y = gamma * xhat + beta

In Keras (Python): layers.BatchNormalization(); here: nn.BatchNormalization().]]

    L:try([[
bn_model = nn.Sequential{nn.BatchNormalization{input_shape = {3}}}
bn_model:compile{optimizer = 'sgd', loss = 'mse'}
bn = bn_model.layers[1]
x = nn.tensor{{10, 0.1, -5}, {20, 0.3, -5}, {30, 0.2, -4}, {40, 0.4, -6}}]],
          'A BatchNormalization alone, and 4 examples of 3 features on very\n' ..
          'different scales (tens, tenths, around -5).')
    L:try('bn_model:train_on_batch(x, x)',
          'One training step (the target x only nudges gamma and beta). train_on_batch,\n' ..
          'like fit, runs the layer in TRAINING mode.')
    L:try('bn.output', 'What the layer gave in that step: every column now has mean 0 and\n' ..
          'variance 1 (to within epsilon), whatever its scale was.')
    L:try('bn.output:mean(1)', 'The mean of each column, over the 4 examples.')
    L:try('train_out = bn.output:clone()',
          'A copy of that output (the layer\'s output is overwritten by its next pass).')
    L:run('if not train_out then train_out = bn.output:clone() end')
    do
      local out, x = L.env.bn.output, L.env.x
      for c = 1, 3 do
        local mean, sq, var = 0, 0, 0
        for r = 1, 4 do mean = mean + x[r][c] / 4 end
        for r = 1, 4 do var = var + (x[r][c] - mean) ^ 2 / 4 end
        for r = 1, 4 do sq = sq + out[r][c] ^ 2 / 4 end
        L:check(math.abs(out:mean(1)[c]) < 1e-5, 'training mode: each channel has mean 0')
        L:check(math.abs(sq - var / (var + 0.001)) < 1e-4,
                'training mode: each channel has variance var / (var + epsilon)')
      end
    end

    L:page [[
That was training mode. At prediction time there may be one example, or a
batch of examples that have nothing to do with each other; a prediction
must not depend on which other examples happen to share its batch. So in
INFERENCE mode (predict, evaluate) the layer does not use the batch: it
uses two running averages it keeps for that, the moving statistics,

  moving_mean      starts at 0
  moving_variance  starts at 1

Each training step moves them a little towards the batch's statistics:

  moving_mean = moving_mean * momentum + batch_mean * (1 - momentum)

(and moving_variance the same with the batch variance), momentum = 0.99 by
default. They are weights that no optimizer trains (Keras calls them
non-trainable): get_weights returns them, summary counts them, save and
load keep them, and the debugger's :back restores them.]]
    L:try('bn.moving_mean, bn.moving_variance',
          'After one step: 1% of the way from 0 towards the batch means (25, 0.25, -5).')
    L:check(math.abs(L.env.bn.moving_mean[1] - 0.25) < 1e-5, 'moving_mean = 0.99 * 0 + 0.01 * 25')
    L:try('bn_model:predict(x)',
          'The same x in inference mode: close to x (the first column divided by\n' ..
          'about 1.4), far from mean 0 and variance 1, because the moving statistics\n' ..
          'are still near 0 and 1. (gamma * (x - moving_mean) / sqrt(moving_variance\n' ..
          '+ epsilon) + beta, with the gamma and beta that step trained: bn.gamma, bn.beta.)')
    do
      local bn = L.env.bn
      local want = bn.gamma[1] * (40 - bn.moving_mean[1]) / math.sqrt(bn.moving_variance[1] + 0.001) + bn.beta[1]
      L:check(math.abs(L:run('bn_model:predict(x)')[4][1] - want) < 1e-3,
              'predict uses gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta')
      local ratio = 40 / L:run('bn_model:predict(x)')[4][1]
      L:check(ratio > 1.35 and ratio < 1.45, 'inference mode: the first column is x divided by about 1.4')
    end
    L:try('train_out[4][1], bn_model:predict(x)[4][1]',
          'The 4th example\'s first feature (40): training mode, then inference mode.')
    L:check(math.abs(L:run('bn_model:predict(x)')[4][1] - L.env.train_out[4][1]) > 10,
            'the same input gives very different outputs in the two modes')

    L:exercise{
      prompt = 'One more train_on_batch(x, x) will move the moving mean again. Set\n' ..
               'moving to what bn.moving_mean will be after it (a tensor of 3).\n' ..
               'x:mean(1) is the mean of each column; tensors add and scale as numbers do.',
      answer = 'moving = bn.moving_mean * 0.99 + x:mean(1) * 0.01',
      wrong = 'moving = bn.moving_mean * 0.01 + x:mean(1) * 0.99',  -- PyTorch's convention
      check = function(env)
        local m = env.moving
        if type(m) ~= 'userdata' or #m.shape ~= 1 or m.shape[1] ~= 3 then
          return false, 'moving should be a tensor of 3 numbers, one per column'
        end
        local mean = env.x:mean(1)
        local worst, swapped = 0, 0
        for c = 1, 3 do
          worst = math.max(worst, math.abs(m[c] - (env.bn.moving_mean[c] * 0.99 + mean[c] * 0.01)))
          swapped = math.max(swapped, math.abs(m[c] - (env.bn.moving_mean[c] * 0.01 + mean[c] * 0.99)))
        end
        if worst < 1e-4 then return true end
        if swapped < 1e-4 then
          return false, 'that is PyTorch\'s convention, where momentum (0.1 there) is the weight\n' ..
                        'of the NEW batch; in Keras momentum = 0.99 is the weight of the old value'
        end
        return false, string.format('moving is off by up to %.4g', worst)
      end,
      hints = {'moving_mean * momentum + batch_mean * (1 - momentum), momentum = 0.99.',
               'moving = bn.moving_mean * 0.99 + x:mean(1) * 0.01'},
    }
    L:try('bn_model:train_on_batch(x, x); print(bn.moving_mean, moving)', 'The engine agrees.')
    for c = 1, 3 do
      L:check(math.abs(L.env.bn.moving_mean[c] - L.env.moving[c]) < 1e-4,
              'the moving mean after the step is the learner\'s prediction')
    end

    L:page [[
Starting from 0 and seeing the same batch mean m every step, after k steps
the moving mean is m * (1 - 0.99^k): it closes 1% of the remaining gap per
step. A momentum of 0.99 averages over roughly the last 100 batches: smooth,
but slow to get going.]]
    L:exercise{
      prompt = 'How many training steps (on one batch, from the start) until the\n' ..
               'moving mean reaches 90% of the batch mean, i.e. 0.99^k <= 0.1? Set\n' ..
               'steps to that smallest whole k (math.log and math.ceil help).',
      answer = 'steps = math.ceil(math.log(0.1) / math.log(0.99))',
      wrong = 'steps = 10',
      check = function(env)
        local k = env.steps
        if math.type(k) ~= 'integer' and not (type(k) == 'number' and k == math.floor(k)) then
          return false, 'steps should be a whole number'
        end
        if k < 1 or k > 1e6 then return false, 'steps should be between 1 and a million' end
        if 0.99 ^ k > 0.1 then return false, string.format('after %d steps 0.99^k is still %.3f', k, 0.99 ^ k) end
        if 0.99 ^ (k - 1) <= 0.1 then return false, string.format('%d steps already do it: find the smallest', k - 1) end
        return true
      end,
      hints = {'0.99^k <= 0.1 means k >= log(0.1) / log(0.99) (both logs are negative).',
               'steps = math.ceil(math.log(0.1) / math.log(0.99))'},
    }
    L:run([[
fresh = nn.Sequential{nn.BatchNormalization{input_shape = {3}}}
fresh:compile{optimizer = 'sgd', loss = 'mse'}
for k = 1, steps do fresh:train_on_batch(x, x) end]])
    L:try('fresh.layers[1].moving_mean[1] / 25',
          'A fresh layer trained that many steps on x: the fraction of the way to\n' ..
          'the batch mean 25 of the first column.')
    L:check(L:run('fresh.layers[1].moving_mean[1]') >= 0.9 * 25 - 1e-3,
            'after that many steps the moving mean has reached 90% of the batch mean')

    L:page [[
Why does this help training? Without it, a change in the weights of one
layer changes the scale of every layer's input above it, and a learning
rate that suits one scale is too small or too large for another. With it,
every normalized channel enters the next layer at mean 0 and variance 1
whatever happened below, so a larger learning rate stays stable and the
network learns in fewer steps. (A bias right before a BatchNormalization
does nothing: the batch mean takes it away, and beta does its job. So the
layer before it is usually built with use_bias = false.)

The lesson has written train_cnn(bn, momentum), which builds a small CNN

  Conv2D(8, 3) -> [BatchNormalization] -> relu -> MaxPooling2D
  Conv2D(16, 3) -> [BatchNormalization] -> relu -> MaxPooling2D
  Flatten -> Dense(10, softmax)

and trains it with plain SGD (learning rate 0.1) on the first 1024
Fashion-MNIST training images, 2 passes in batches of 32 (64 steps), the
same seed either way. It returns the loss of each batch and the model.]]
    L:try('train, test = nn.datasets.fashion_mnist()', 'The data.')
    L:run('if not (train and test) then train, test = nn.datasets.fashion_mnist() end')
    L:run([[
x_train = train.x:slice(1, 1024)
y_train = nn.utils.to_categorical(train.y:slice(1, 1024), 10)
x_val = test.x:slice(1, 500)
y_val = nn.utils.to_categorical(test.y:slice(1, 500), 10)
function train_cnn(bn, momentum)
  nn.seed(16)
  local model = nn.Sequential()
  model:add(nn.Conv2D(8, 3, {input_shape = {28, 28, 1}, use_bias = not bn}))
  if bn then model:add(nn.BatchNormalization{momentum = momentum}) end
  model:add(nn.Activation('relu'))
  model:add(nn.MaxPooling2D(2))
  model:add(nn.Conv2D(16, 3, {use_bias = not bn}))
  if bn then model:add(nn.BatchNormalization{momentum = momentum}) end
  model:add(nn.Activation('relu'))
  model:add(nn.MaxPooling2D(2))
  model:add(nn.Flatten())
  model:add(nn.Dense(10, {activation = 'softmax'}))
  model:compile{optimizer = nn.optimizers.SGD{learning_rate = 0.1},
                loss = 'categorical_crossentropy', metrics = {'accuracy'}}
  local losses = {}
  for pass = 1, 2 do
    for b = 1, 32 do
      local from = (b - 1) * 32 + 1
      losses[#losses + 1] = model:train_on_batch(x_train:slice(from, from + 31),
                                                 y_train:slice(from, from + 31))
    end
  end
  return losses, model
end
-- the loss around step t, averaged over 4 batches (a single batch is noisy)
function curve(losses)
  return function(t)
    local k = math.max(4, math.min(#losses, math.floor(t + 0.5)))
    return (losses[k] + losses[k - 1] + losses[k - 2] + losses[k - 3]) / 4
  end
end
-- the mean loss of the last 16 steps (the last quarter of training)
function last_quarter(losses)
  local sum = 0
  for k = #losses - 15, #losses do sum = sum + losses[k] end
  return sum / 16
end]])
    L.env.plot = function(...) return L:plot(...) end
    L:try('plain, m_plain = train_cnn(false)', 'Without batch normalization (a second or so).')
    L:try('with_bn, m_bn = train_cnn(true, 0.99)', 'With it, Keras\'s default momentum.')
    L:run('if not (plain and with_bn) then plain, m_plain = train_cnn(false); with_bn, m_bn = train_cnn(true, 0.99) end')
    L:try("plot({{'N', curve(plain)}, {'B', curve(with_bn)}}, 1, 64, 0, 3)",
          'The training loss, step by step: N without, B with batch normalization.')
    local plain_tail, bn_tail = L:run('last_quarter(plain)'), L:run('last_quarter(with_bn)')
    L:try('last_quarter(plain), last_quarter(with_bn)',
          'The mean loss of the last 16 steps, without and with (last_quarter is the\n' ..
          'lesson\'s too).')
    L:check(bn_tail < 0.7 * plain_tail, 'with batch normalization the training loss is far lower after 64 steps')

    L:page [[
Same data, same seed, same learning rate: the network with batch
normalization is much further along after the same 64 steps.

Now the test. evaluate runs in inference mode, with the moving statistics.]]
    L:try('m_plain:evaluate(x_val, y_val)', 'Without: loss and accuracy on 500 test images.')
    L:try('m_bn:evaluate(x_val, y_val)', 'With batch normalization, momentum 0.99.')
    do
      local plain_val = L:run('m_plain:evaluate(x_val, y_val)')
      local bn_val = L:run('m_bn:evaluate(x_val, y_val)')
      L:check(bn_val > bn_tail + 0.5,
              'after 64 steps with momentum 0.99 the test loss is far above the training loss')
      L.env.bn_val, L.env.plain_val = bn_val, plain_val
    end
    L:page [[
The network that trained far better does worse on the test images than
its training loss promised. Its moving statistics are the reason: after 64
steps with momentum 0.99 they have closed only 1 - 0.99^64 = 47% of the gap
between where they started (0 and 1) and the real statistics of the
channels, so at inference every channel is shifted and scaled wrongly.
Over a real training run (thousands of steps) 0.99 is fine; on a short
one, a smaller momentum lets the moving statistics catch up.]]
    L:check(math.abs((1 - 0.99 ^ 64) - 0.47) < 0.005, '1 - 0.99^64 is 47%')
    L:exercise{
      prompt = 'Train the CNN with batch normalization again with momentum 0.9;\n' ..
               'keep its losses and model in bn_losses, m_bn9. Then compare\n' ..
               'm_bn9:evaluate(x_val, y_val) with m_bn\'s.',
      answer = 'bn_losses, m_bn9 = train_cnn(true, 0.9)',
      wrong = 'bn_losses, m_bn9 = train_cnn(true, 0.99)',
      check = function(env)
        if not (env.m_bn9 and env.bn_losses) then return false, 'm_bn9 is not set yet' end
        local val = env.m_bn9:evaluate(env.x_val, env.y_val)
        if val > env.bn_val - 0.3 then
          return false, string.format('its test loss %.3f is no better than momentum 0.99\'s %.3f: ' ..
                                      'which momentum did you give?', val, env.bn_val)
        end
        return true
      end,
      hints = {'train_cnn\'s second argument is the momentum.',
               'bn_losses, m_bn9 = train_cnn(true, 0.9)'},
    }
    L:try('m_bn9:evaluate(x_val, y_val)', 'Momentum 0.9: test loss and accuracy.')
    do
      local val9, acc9 = L:run('m_bn9:evaluate(x_val, y_val)')
      local _, acc_plain = L:run('m_plain:evaluate(x_val, y_val)')
      L:check(val9 < L.env.plain_val and acc9 > acc_plain,
              'with caught-up moving statistics the BN network also tests better than the plain one')
      local same = true
      for k = 1, 64 do
        if L.env.bn_losses[k] ~= L.env.with_bn[k] then same = false end
      end
      L:check(same, 'the momentum changes nothing in training: only the moving statistics')
    end
    L:page [[
The training losses with momentum 0.9 and 0.99 are identical, step for
step: in training mode the layer normalizes with the batch's statistics,
and the moving ones are only bookkeeping for inference. Only predict and
evaluate see the difference.

  - BatchNormalization normalizes each channel by the batch's mean and
    (biased) variance while training, then scales by gamma, shifts by beta;
  - predict and evaluate use the moving statistics instead, updated at each
    training step: moving = moving * momentum + batch * (1 - momentum);
  - it lets a network train faster at the same learning rate;
  - after a short training, the moving statistics may lag behind: a
    smaller momentum (or more steps) fixes it;
  - PyTorch's BatchNorm writes momentum the other way round (0.1 there is
    0.9 here) and keeps the unbiased variance in running_var.

Try :debug on m_bn: stepping over a BatchNormalization's forward moves its
moving statistics, and :back puts them back exactly.]]
  end,
}
