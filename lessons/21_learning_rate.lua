-- Lesson 21: learning rate, batch size and schedules. One small network
-- (Flatten, Dense(32, relu), Dense(10, softmax), plain SGD) on 500
-- Fashion-MNIST images, seeded, trained at three learning rates side by
-- side; a straight line fitted by gradient descent, where the largest
-- stable rate can be worked out by hand and a larger one overflows (fit
-- stops and says so); batch sizes (steps per epoch, the noise of the batch
-- loss, the linear-scaling rule of thumb); and Keras's schedules:
-- LearningRateScheduler and ReduceLROnPlateau, read back from
-- history.learning_rate. Every run takes a few hundredths of a second.
return {
  title = 'Learning rate, batch size and schedules',
  minutes = 15,
  group = 'practice',
  requires = {6},
  run = function(L)
    -- L:exercise with more typical wrong answers (also_wrong): unattended
    -- it tries each, prints the reply and requires a reason for every one
    local function exercise(ex)
      ex.wrong = {ex.wrong, table.unpack(ex.also_wrong or {})}
      ex.also_wrong = nil
      L:exercise(ex)
    end
    L:page [[
Every optimizer step moves each weight against its gradient:

  w = w - learning_rate * dL/dw

The learning rate is the knob every Keras user turns first. Too small and
training barely moves; too large and each step overshoots, the loss jumps
about or blows up. This lesson measures that on one small network, then
looks at the batch size (how many examples each step averages over) and at
schedules: rates that change while training runs.]]

    L:try('train = nn.datasets.fashion_mnist()', 'The data.')
    L:run('if not train then train = nn.datasets.fashion_mnist() end')
    L:run([[
x = train.x:slice(1, 500)
y = nn.utils.to_categorical(train.y:slice(1, 500), 10)
-- Flatten, Dense(32, relu), Dense(10, softmax), plain SGD at `rate`, on
-- the 500 images x, y; nn.seed(21) first, so every call with the same
-- arguments gives the same numbers. options: epochs (10), batch_size
-- (50), callbacks, validation_split.
function train_model(rate, options)
  options = options or {}
  nn.seed(21)
  local model = nn.Sequential()
  model:add(nn.Flatten({input_shape = {28, 28, 1}}))
  model:add(nn.Dense(32, {activation = 'relu'}))
  model:add(nn.Dense(10, {activation = 'softmax'}))
  model:compile{optimizer = nn.optimizers.SGD{learning_rate = rate},
                loss = 'categorical_crossentropy', metrics = {'accuracy'}}
  local history = model:fit(x, y, {epochs = options.epochs or 10,
                                   batch_size = options.batch_size or 50, verbose = 0,
                                   callbacks = options.callbacks,
                                   validation_split = options.validation_split})
  return history, model
end
-- the loss of every epoch of several histories, side by side:
-- show_losses{{'rate 0.1', h1}, {'rate 3', h2}}
function show_losses(runs)
  local line = 'epoch'
  for _, run in ipairs(runs) do line = line .. string.format('  %12s', run[1]) end
  print(line)
  local epochs = 0
  for _, run in ipairs(runs) do epochs = math.max(epochs, #run[2].loss) end
  for e = 1, epochs do
    line = string.format('%5d', e)
    for _, run in ipairs(runs) do
      line = line .. string.format('  %12s', run[2].loss[e] and nn.format(run[2].loss[e]) or '')
    end
    print(line)
  end
end
-- the curves as letters, one column of 6 characters per epoch, the loss
-- from `top` down to 0 (a loss above top goes in the top row, with a ^):
-- chart{{'S', h1}, {'G', h2}}
function chart(runs, top)
  local rows, epochs = 12, #runs[1][2].loss
  for r = 1, rows do
    local high = top * (rows - r + 1) / rows  -- this row holds losses in (low, high]
    local low = top * (rows - r) / rows
    local line = string.format('%6.2f |', high)
    for e = 1, epochs do
      local letters = ''  -- every run whose loss falls in this cell
      for _, run in ipairs(runs) do
        local v = run[2].loss[e]
        if v and v > low and (v <= high or r == 1) then
          letters = letters .. run[1] .. (v > high and '^' or '')
        end
      end
      line = line .. string.format('  %-4s', letters)
    end
    print(line)
  end
  local axis, numbers = '       +', '  epoch '
  for e = 1, epochs do axis, numbers = axis .. '------', numbers .. string.format('  %-4d', e) end
  print(axis)
  print(numbers)
end
]])
    L:page [[
The lesson has written train_model(rate, options): a small network
(Flatten, Dense(32, relu), Dense(10, softmax)) trained with plain SGD at
the given rate on 500 Fashion-MNIST images, 10 epochs of batches of 50,
after nn.seed(21), so each call gives the same numbers. show_losses prints
histories side by side; chart draws them.

Three rates, a hundred times apart: 0.001, 0.1 and 3.]]
    L:try('h_small, m_small = train_model(0.001)', 'Too small?')
    L:try('h_good, m_good = train_model(0.1)', 'About right?')
    L:try('h_large, m_large = train_model(3)', 'Too large?')
    L:run([[
if not (h_small and #h_small.loss == 10) then h_small, m_small = train_model(0.001) end
if not (h_good and #h_good.loss == 10) then h_good, m_good = train_model(0.1) end
if not (h_large and #h_large.loss == 10) then h_large, m_large = train_model(3) end
]])
    L:try("show_losses{{'0.001', h_small}, {'0.1', h_good}, {'3', h_large}}", 'The loss of every epoch.')
    L:try("chart({{'S', h_small}, {'G', h_good}, {'L', h_large}}, 3)",
          'S: rate 0.001, G: 0.1, L: 3; the row labelled 0.75 holds losses above 0.5\n' ..
          'up to 0.75 (L^: above the top).')
    local chance = math.log(10)  -- the loss of probability 1/10 for every class
    do
      local env = L.env
      local small, good, large = env.h_small.loss, env.h_good.loss, env.h_large.loss
      L:check(small[10] > 2 and small[1] - small[10] < 0.4, 'rate 0.001 barely moves: still above 2')
      local first = nn.viz.history(env.m_small).loss[1]  -- the first batch's loss
      L:check(math.abs(first - chance) < 0.15, 'the untrained network\'s loss is near ln 10')
      L:check(good[10] < 0.7 and good[10] < small[10] and good[10] < large[10],
              'rate 0.1 ends lowest, below 0.7')
      L:check(large[1] > 5, 'rate 3: the first epoch\'s loss is above 5')
      for e = 3, 10 do
        L:check(math.abs(large[e] - chance) < 0.05, 'rate 3 sits near ln 10 from epoch 3 on')
      end
      L:check(env.h_large.stopped == nil, 'no NaN stopped rate 3: its loss stays finite')
    end
    L:page(string.format([[
Rate 0.001 barely moves: after 10 epochs the loss is still %s (it started
near ln 10 = 2.3026, the loss of a network that gives each of the 10
classes probability 1/10). Rate 0.1 gets to %s. Rate 3 first overshoots
(epoch 1's mean loss is %s, far above where it started), then settles
at about 2.30 and stays there: no NaN, training did not stop, but the
network has stopped learning.]], nn.format(L.env.h_small.loss[10]), nn.format(L.env.h_good.loss[10]),
      nn.format(L.env.h_large.loss[1])))
    L:try('m_large:predict(x:slice(1, 3))', 'Rate 3\'s probabilities for three different images.')
    do
      local p = L.env.m_large:predict(L.env.x):totable()  -- 500 rows of 10
      local spread = 0  -- every row against the first
      for i = 2, #p do
        for c = 1, 10 do spread = math.max(spread, math.abs(p[i][c] - p[1][c])) end
      end
      L:check(spread < 1e-6, 'rate 3 gives every image the same probabilities')
      -- the hidden layer's inputs z = x W + b, (500, 32): none above 0
      local dense = L.env.m_large.layers[2]
      local z, bias = L.env.x:reshape(500, 784):matmul(dense.kernel):totable(), dense.bias:totable()
      local highest = -math.huge
      for i = 1, 500 do
        for u = 1, 32 do highest = math.max(highest, z[i][u] + bias[u]) end
      end
      L:check(highest <= 0, 'every ReLU of rate 3\'s hidden layer has a negative input for every image')
    end
    L:page [[
Every image gets the same ten probabilities, a shirt the same as a shoe:
the first huge steps pushed every one of the 32 ReLU units to a negative
input for every image, so they all output 0, their gradient is 0, and
nothing flows back to the first layer again ("dead ReLUs"). The last
layer sees only zeros, so only its biases still get a gradient.
A too-large rate does not always give a NaN; here it breaks the network
quietly. Watching the loss is how you notice.

The loss view of rate 3's run: the loss of every batch (dim), smoothed
(bright). The first batches jump up; then the line goes flat.]]
    do
      local losses = nn.viz.history(L.env.m_large).loss  -- 100 batches
      local early, late = 0, 0
      for i = 1, 10 do early = math.max(early, losses[i]) end
      for i = 51, 100 do late = math.max(late, math.abs(losses[i] - math.log(10))) end
      L:check(early > 10 and late < 0.2, 'rate 3\'s batch losses jump above 10 early, then stay near ln 10')
    end
    L:view('loss', {model = L.env.m_large})

    L:page [[
How large is too large? For a straight line fitted by gradient descent it
can be worked out. The lesson has made 20 points on y = 2x + 1 for x from
-3 to 3 (x_line, y_line) and fit_line(rate), which fits Dense(1) to all 20
at once (one batch, so each step is exact gradient descent) for 100 epochs.

With the MSE loss L = mean((w*x + b - y)^2), a step on w multiplies w's
error by (1 - rate * 2 * mean(x^2)) (mean(x) = 0 here, so w and b do not
interfere, and b's error by (1 - rate * 2)). A factor between -1 and 1
shrinks the error; below -1 each step overshoots by more than it corrects,
and the error grows without bound.]]
    L:run([[
local points, targets = {}, {}
for i = 1, 20 do
  local v = -3 + 6 * (i - 1) / 19
  points[i], targets[i] = {v}, {2 * v + 1}
end
x_line, y_line = nn.tensor(points), nn.tensor(targets)  -- (20, 1) each
mean_square = (x_line * x_line):mean()  -- mean(x^2)
function fit_line(rate)
  nn.seed(21)
  local model = nn.Sequential()
  model:add(nn.Dense(1, {input_shape = {1}}))
  model:compile{optimizer = nn.optimizers.SGD{learning_rate = rate}, loss = 'mse'}
  return model:fit(x_line, y_line, {epochs = 100, batch_size = 20, verbose = 0}), model
end
]])
    L:try('mean_square', 'mean(x^2) of the 20 points.')
    L:check(math.abs(L:run('return x_line:mean()')) < 1e-6, 'the points\' mean is 0')
    exercise{
      prompt = 'The error of w shrinks while |1 - rate * 2 * mean_square| < 1. Set\n' ..
               'limit to the largest rate for which that holds (use mean_square).',
      answer = 'limit = 1 / mean_square',
      wrong = 'limit = 2 / mean_square',  -- the 2 of the square's derivative forgotten
      also_wrong = {'limit = 0.5 / mean_square', 'limit = 0.3'},
      check = function(env)
        local want = 1 / env.mean_square
        if env.limit == nil then return false, 'still waiting for limit = ...' end
        if type(env.limit) ~= 'number' then return false, 'limit should be a number' end
        if math.abs(env.limit - 2 * want) < 1e-9 then
          return false, 'that is twice too large: 1 - rate * 2 * mean_square = -1 gives ' ..
                        'rate = 2 / (2 * mean_square); the 2 of the square\'s derivative cancels'
        end
        if math.abs(env.limit - want / 2) < 1e-9 then
          return false, 'that is half the limit: the factor may go down to -1, not just to 0'
        end
        if math.abs(env.limit - want) > 5e-4 then  -- 0.3016 typed by hand is right
          return false, string.format('off by %.3g: solve 1 - rate * 2 * mean_square = -1',
                                      env.limit - want)
        end
        return true
      end,
      hints = {'The factor reaches -1 when rate * 2 * mean_square = 2.',
               'limit = 1 / mean_square'},
    }
    L:run('limit = 1 / mean_square')
    L:try('h_below = fit_line(0.95 * limit); h_above = fit_line(1.05 * limit)',
          '5% below the limit, and 5% above it.')
    L:try('h_below.loss[1], h_below.loss[100], h_above.loss[100]',
          'The first loss, and after 100 steps: below and above the limit.')
    L:try('h_huge = fit_line(1)', 'And rate 1, three times the limit. (On a terminal, fit offers the\n' ..
          'debugger on the batch that overflowed: y opens it, where\n' ..
          ':print dense_1.output shows it.)')
    L:run('if not (h_huge and h_huge.loss) then h_huge = fit_line(1) end')
    L:try('h_huge.epochs, h_huge.stopped', 'How far it got, and why it stopped.')
    do
      local env = L.env
      local below, above, huge = env.fit_line(0.95 * env.limit), env.fit_line(1.05 * env.limit),
                                 env.h_huge
      L:check(below.loss[100] < 1e-6 and below.stopped == nil, 'just below the limit it converges')
      L:check(above.loss[100] > 1e3 * above.loss[1] and above.stopped == nil,
              'just above it the loss grows a thousand times and more')
      L:check(type(huge.stopped) == 'string' and huge.epochs < 100,
              'rate 1 overflows and fit stops before epoch 100')
      L:check(huge.loss[huge.epochs] ~= huge.loss[huge.epochs], 'its last epoch\'s loss is NaN')
    end
    L:page(string.format([[
5%% below the limit the loss goes to 0. 5%% above it, each step multiplies
w's error by 1 - (1.05 * limit) * 2 * mean_square = 1 - 2.1 = -1.1: it
overshoots and grows a tenth, so the loss (a square) grows by 1.21 a
step. At rate 1 each step multiplies the error by about
|1 - 2 * %s| = %.2f, and after %d epochs a number grew past the largest
float32 (3.4e38; nnstep's tensors are float32): fit stopped,
printed where (the message is also in history.stopped), and returned the
history so far, its last loss NaN. Keras does the same with its
TerminateOnNaN callback. On a terminal, fit offers to open the debugger
on the batch that made it.

A network's loss is not a quadratic, but near a minimum it is close to
one, and the same thing happens: the largest stable rate is set by the
steepest direction (2 / the largest curvature). That is why a rate that
works for one model or one loss can blow up another.]], nn.format(L.env.mean_square),
      math.abs(1 - 2 * L.env.mean_square), L.env.h_huge.epochs))
    do
      local env = L.env
      local above = env.fit_line(1.05 * env.limit).loss
      L:check(math.abs(above[100] / above[99] - 1.21) < 0.01, 'above the limit the loss grows by 1.21 a step')
      -- the output's largest error, |x| = 3 times w's error, when it overflowed
      local factor, h = math.abs(1 - 2 * env.mean_square), env.h_huge
      local error = 3 * math.sqrt(h.loss[1]) * factor ^ (h.epochs - 1)
      L:check(error > 3.4e38 and error / factor < 3.4e38, 'the error passes float32\'s largest at that epoch')
    end

    L:page [[
The batch size. fit splits the 500 images into batches of batch_size and
takes one step per batch: 500 / 50 = 10 steps an epoch. Each step's
gradient is the mean over its batch: a smaller batch gives a noisier
estimate of the gradient over all the data, and more steps per epoch.

The loss view records the loss of every batch (nn.viz.history(m).loss);
batch_noise(m, steps) below is the standard deviation of the batch losses of
the last epoch (its last steps batches) around their mean.]]
    L:run([[
function batch_noise(model, steps_per_epoch)
  local losses = nn.viz.history(model).loss
  local n, sum, squares = steps_per_epoch, 0, 0
  for i = #losses - n + 1, #losses do sum = sum + losses[i] end
  local mean = sum / n
  for i = #losses - n + 1, #losses do squares = squares + (losses[i] - mean) ^ 2 end
  return math.sqrt(squares / n)
end
]])
    L:check(#nn.viz.history(L.env.m_good).loss == 100, 'batches of 50: 10 steps an epoch, 100 in 10 epochs')
    exercise{
      prompt = 'How many steps does one epoch of the 500 images take with\n' ..
               'batch_size = 64? Set steps to it (fit keeps the last, smaller batch).',
      answer = 'steps = math.ceil(500 / 64)',
      wrong = 'steps = 500 // 64',  -- drops the last 52 images
      also_wrong = {'steps = 500 / 64', 'steps = 9'},
      check = function(env)
        local _, model = env.train_model(0.1, {epochs = 1, batch_size = 64})
        local ran = #nn.viz.history(model).loss
        if env.steps == nil then return false, 'still waiting for steps = ...' end
        if type(env.steps) ~= 'number' then return false, 'steps should be a number' end
        if env.steps % 1 ~= 0 then
          return false, string.format('%g is not a whole number of batches: 7 batches of 64 hold 448' ..
                                      ' images, and the 52 left make an 8th, smaller one', env.steps)
        end
        if env.steps == ran - 1 then
          return false, 'one short: 7 batches of 64 are 448 images; the last 52 make one more batch'
        end
        if env.steps == ran + 1 then return false, 'one too many: 8 batches already hold all 500' end
        return env.steps == ran, string.format('fit took %d steps, not %s', ran, tostring(env.steps))
      end,
      hints = {'500 / 64 = 7.8: seven full batches and a smaller one.',
               'steps = math.ceil(500 / 64)'},
    }
    L:try("h_b10, m_b10 = train_model(0.1, {batch_size = 10}); h_b250, m_b250 = train_model(0.1, {batch_size = 250})",
          'Rate 0.1 with batches of 10 (50 steps an epoch) and of 250 (2 steps).')
    L:run([[
if not (h_b10 and m_b10) then h_b10, m_b10 = train_model(0.1, {batch_size = 10}) end
if not (h_b250 and m_b250) then h_b250, m_b250 = train_model(0.1, {batch_size = 250}) end
]])
    L:try("show_losses{{'batch 10', h_b10}, {'batch 50', h_good}, {'batch 250', h_b250}}",
          'The same rate, the same 10 epochs.')
    L:try('batch_noise(m_b10, 50), batch_noise(m_good, 10)', 'The batch losses\' spread: batches of 10, of 50.')
    do
      local env = L.env
      local b10, b50, b250 = env.h_b10.loss[10], env.h_good.loss[10], env.h_b250.loss[10]
      L:check(b10 < b50 and b50 < b250, 'with the same rate and epochs, smaller batches end lower')
      L:check(b250 > 1, 'batches of 250 end above 1')
      L:check(env.batch_noise(env.m_b10, 50) > 1.5 * env.batch_noise(env.m_good, 10),
              'the batch losses of batches of 10 scatter more than those of batches of 50')
    end
    L:page [[
With the same rate, batches of 250 take 2 steps an epoch, 20 in all,
and end far behind; batches of 10 take 50 an epoch and end lowest. But
each small batch's loss (and gradient) scatters more around the mean.

A rule of thumb (Goyal et al., 2017, for large image networks): when you
multiply the batch size by k, multiply the learning rate by k too, so
that an epoch moves the weights about as far. It is a rule of thumb, not
a law: it holds for moderate rates, and breaks when the scaled rate
gets too large. Both, measured: batches of 10 at 0.1 / 5 = 0.02, and
batches of 250 at 0.1 * 5 = 0.5, against batches of 50 at 0.1.]]
    L:try('h_b10s = train_model(0.02, {batch_size = 10}); h_b250s = train_model(0.5, {batch_size = 250})',
          'The rate scaled with the batch size.')
    L:run([[
if not (h_b10s and h_b10s.loss) then h_b10s = train_model(0.02, {batch_size = 10}) end
if not (h_b250s and h_b250s.loss) then h_b250s = train_model(0.5, {batch_size = 250}) end
]])
    L:try("show_losses{{'10 at 0.02', h_b10s}, {'50 at 0.1', h_good}, {'250 at 0.5', h_b250s}}",
          'Scaled down, and scaled up.')
    do
      local env = L.env
      local down, base, up = env.h_b10s.loss, env.h_good.loss, env.h_b250s.loss
      L:check(math.abs(down[10] - base[10]) < 0.05, 'batch 10 at 0.02 ends within 0.05 of batch 50 at 0.1')
      L:check(up[10] > base[10] + 0.5 and up[2] > up[1], 'batch 250 at 0.5 jumps up in epoch 2 and ends far behind')
    end
    L:page [[
Scaled down, the rule works here: batches of 10 at 0.02 end within a few
hundredths of batches of 50 at 0.1. Scaled up, it fails: 0.5 is too
large a rate for this network early on (the loss jumps up in epoch 2),
whatever the batch size. Large-batch training in practice adds a
"warm-up": a small rate at first, raised over the first epochs. That is
a schedule.]]

    L:page [[
A schedule changes the rate while training runs. Keras's
LearningRateScheduler calls your function at the beginning of every
epoch with the epoch number and the current rate, and uses what it
returns:

  nn.callbacks.LearningRateScheduler(function(epoch, lr) ... return rate end)

As in Keras, epoch counts from 0: the first epoch is 0, the tenth is 9
(the progress lines and history count from 1). history.learning_rate
holds the rate each epoch used. rates_of(schedule, epochs) below trains
on 50 images with the schedule from rate 0.1 and returns that list.]]
    L:run([[
function rates_of(schedule, epochs)
  nn.seed(21)
  local model = nn.Sequential()
  model:add(nn.Flatten({input_shape = {28, 28, 1}}))
  model:add(nn.Dense(10, {activation = 'softmax'}))
  model:compile{optimizer = nn.optimizers.SGD{learning_rate = 0.1}, loss = 'categorical_crossentropy'}
  local h = model:fit(x:slice(1, 50), y:slice(1, 50), {epochs = epochs or 6, batch_size = 50, verbose = 0,
                      callbacks = {nn.callbacks.LearningRateScheduler(schedule)}})
  return h.learning_rate
end
]])
    L:try('rates_of(function(epoch, lr) return 0.1 / (epoch + 1) end)', '0.1, 0.1/2, 0.1/3, ...: epoch 0 is the first.')
    do
      local rates = L:run('return rates_of(function(epoch, lr) return 0.1 / (epoch + 1) end)')
      for e = 1, 6 do
        L:check(math.abs(rates[e] - 0.1 / e) < 1e-12, 'the first epoch gets epoch = 0, the e-th e - 1')
      end
    end
    -- does the learner's schedule give the wanted rates? false and why if not
    local function check_schedule(env, wanted, name)
      if type(env.schedule) ~= 'function' then return false, 'schedule should be a function(epoch, lr)' end
      local ok, rates = pcall(env.rates_of, env.schedule, #wanted)
      if not ok then  -- fit's message, without the line in rates_of it came through
        return false, 'fit with your schedule stopped: ' .. tostring(rates):gsub('^lesson:%d+: ', '')
      end
      for e = 1, #wanted do
        if math.abs(rates[e] - wanted[e]) > 1e-12 then
          local shown = {}
          for i = 1, #wanted do shown[i] = nn.format(rates[i]) end
          return false, string.format('history.learning_rate is {%s}; epoch %d (epoch = %d in the ' ..
                                      'schedule) should use %s%s', table.concat(shown, ', '), e, e - 1,
                                      nn.format(wanted[e]), name(rates, wanted) or '')
        end
      end
      return true
    end
    exercise{
      prompt = 'Write schedule: rate 0.1 for the first 3 epochs, then 0.01.\n' ..
               'schedule = function(epoch, lr) ... end (remember: epoch counts from 0).',
      answer = 'schedule = function(epoch, lr) if epoch < 3 then return 0.1 end return 0.01 end',
      wrong = 'schedule = function(epoch, lr) if epoch <= 3 then return 0.1 end return 0.01 end',
      also_wrong = {'schedule = function(epoch, lr) if epoch < 2 then return 0.1 end return 0.01 end',
                    'schedule = function(epoch, lr) if epoch < 3 then return lr end return lr * 0.1 end',
                    'schedule = function(epoch, lr) if epoch < 3 then return 0.1 end end'},
      check = function(env)
        return check_schedule(env, {0.1, 0.1, 0.1, 0.01, 0.01, 0.01}, function(rates)
          if rates[4] == 0.1 and rates[5] == 0.01 then
            return ': that is 4 epochs at 0.1; the first 3 are epoch = 0, 1, 2 (it counts from 0)'
          end
          if rates[3] == 0.01 and rates[2] == 0.1 then
            return ': that is 2 epochs at 0.1; epoch 2 is the third'
          end
          if math.abs(rates[4] - 0.01) < 1e-12 and rates[5] < 0.01 then
            return ': lr * 0.1 divides the current rate again at every epoch from 3 on; return 0.01 itself'
          end
        end)
      end,
      hints = {'The first three epochs are epoch = 0, 1 and 2.',
               'schedule = function(epoch, lr) if epoch < 3 then return 0.1 end return 0.01 end'},
    }
    exercise{
      prompt = 'A step decay: halve the current rate lr every 2 epochs (keep it at\n' ..
               'epochs 0 and 1, halve at 2, 4, ...). schedule = function(epoch, lr) ... end',
      answer = 'schedule = function(epoch, lr) if epoch > 0 and epoch % 2 == 0 then return lr / 2 end return lr end',
      wrong = 'schedule = function(epoch, lr) if epoch > 0 and epoch % 2 == 0 then return lr * 2 end return lr end',
      also_wrong = {'schedule = function(epoch, lr) if epoch % 2 == 0 then return lr / 2 end return lr end',
                    'schedule = function(epoch, lr) return lr / 2 end',
                    'schedule = function(epoch, lr) if epoch >= 2 then return lr / 2 end return lr end'},
      check = function(env)
        return check_schedule(env, {0.1, 0.1, 0.05, 0.05, 0.025, 0.025}, function(rates)
          if rates[3] > rates[2] then return ': the rate grows; halving divides by 2 (or multiplies by 0.5)' end
          if math.abs(rates[1] - 0.05) < 1e-12 and math.abs(rates[2] - 0.025) < 1e-12 then
            return ': it halves at every epoch, epoch = 0 included; halve only at epoch = 2, 4, ...'
          end
          if rates[1] < 0.1 then return ': it halved already at epoch = 0, the first epoch (0 % 2 == 0 too)' end
          if rates[2] < rates[1] then return ': it changed at epoch = 1; the first change is at epoch = 2' end
          if rates[3] == 0.05 and rates[4] == 0.025 then
            return ': it halves every epoch from epoch 2 on; only every second one (epoch % 2 == 0)'
          end
        end)
      end,
      hints = {'epoch % 2 == 0 is true at 0, 2, 4, ...; skip epoch 0. The current rate is lr.',
               'schedule = function(epoch, lr) if epoch > 0 and epoch % 2 == 0 then return lr / 2 end return lr end'},
    }
    L:try('rates_of(schedule)', 'Your step decay, read back from history.learning_rate.')

    L:page [[
A schedule fixed in advance has to guess when the rate should drop.
ReduceLROnPlateau watches instead: when the monitored value (val_loss by
default) has not improved by more than min_delta (1e-4) for patience
epochs, it multiplies the rate by factor (between 0 and 1), then waits
cooldown epochs before watching again:

  nn.callbacks.ReduceLROnPlateau{monitor = 'val_loss', factor = 0.5,
                                 patience = 2}

help('ReduceLROnPlateau') has every option.]]
    exercise{
      prompt = 'Make a ReduceLROnPlateau that watches val_loss and halves the rate\n' ..
               'after 2 epochs without improvement; call it reducer.',
      answer = "reducer = nn.callbacks.ReduceLROnPlateau{monitor = 'val_loss', factor = 0.5, patience = 2}",
      wrong = "reducer = nn.callbacks.ReduceLROnPlateau{monitor = 'val_loss', factor = 2, patience = 2}",
      also_wrong = {"reducer = nn.callbacks.ReduceLROnPlateau{monitor = 'loss', factor = 0.5, patience = 2}",
                    'reducer = nn.callbacks.ReduceLROnPlateau{factor = 0.5}',
                    'reducer = nn.callbacks.ReduceLROnPlateau{factor = 0.2, patience = 2}'},
      check = function(env)
        local r = env.reducer
        local meta = type(r) == 'table' and getmetatable(r)
        if not (meta and meta.__name == 'ReduceLROnPlateau') then
          return false, 'reducer should be made by nn.callbacks.ReduceLROnPlateau{...}'
        end
        if r.monitor ~= 'val_loss' then
          return false, 'it watches ' .. r.monitor .. ', not val_loss (the loss on the held-out images)'
        end
        if r.factor == 2 then return false, 'factor 2 would double the rate' end
        if r.factor ~= 0.5 then
          return false, 'its factor is ' .. r.factor .. ': halving is factor = 0.5'
        end
        if r.patience ~= 2 then
          return false, 'its patience is ' .. r.patience .. (r.patience == 10 and ' (the default)' or '') .. ', not 2'
        end
        return true
      end,
      hints = {'factor multiplies the rate: halving is 0.5.',
               "reducer = nn.callbacks.ReduceLROnPlateau{monitor = 'val_loss', factor = 0.5, patience = 2}"},
    }
    L:try('h_plateau, m_plateau = train_model(0.1, {epochs = 20, validation_split = 0.2, callbacks = {reducer}})',
          '20 epochs at 0.1, validating on the last 100 images, with reducer watching.')
    L:run([[
if not (h_plateau and h_plateau.epochs == 20) then
  reducer = nn.callbacks.ReduceLROnPlateau{monitor = 'val_loss', factor = 0.5, patience = 2}
  h_plateau, m_plateau = train_model(0.1, {epochs = 20, validation_split = 0.2, callbacks = {reducer}})
end
]])
    L:try('for e = 1, 20 do print(e, nn.format(h_plateau.val_loss[e]), h_plateau.learning_rate[e]) end',
          'Each epoch: val_loss, and the rate it trained with.')
    do
      -- the rule, computed again from val_loss: a drop after patience
      -- epochs without a new best (by more than 1e-4), then the count restarts
      local h = L.env.h_plateau
      local rate, best, wait, drops = 0.1, math.huge, 0, 0
      for e = 1, 20 do
        L:check(math.abs(h.learning_rate[e] - rate) < 1e-12,
                'history.learning_rate follows the ReduceLROnPlateau rule, epoch ' .. e)
        if h.val_loss[e] < best - 1e-4 then best, wait = h.val_loss[e], 0
        else
          wait = wait + 1
          if wait >= 2 then rate, wait, drops = rate * 0.5, 0, drops + 1 end
        end
      end
      L:check(drops >= 1 and h.learning_rate[20] < 0.1, 'the rate was halved at least once')
      L:check(math.abs(nn.viz.learning_rate(L.env.m_plateau) - rate) < 1e-12,
              'the model\'s rate now is the rule\'s, after epoch 20 too')
      L:check(h.loss[20] < L.env.h_good.loss[10], 'and training went on lowering the loss')
    end
    L:page [[
The rate stays at 0.1 while val_loss keeps making new lows; after two
epochs without one it is halved, and the count starts again. (Check it
against the table: each drop comes right after the second epoch that
did not beat the best val_loss.) The loss view marks each change of the
rate on the curve (the ▼ marks). A drop decided at the end of the last
epoch is marked too, but no epoch trained with that rate.]]
    L:view('loss', {model = L.env.m_plateau})
    L:page [[
What to take away:

  - too small a rate barely moves; too large overshoots: the loss jumps,
    blows up to NaN (fit stops and says so, as Keras's TerminateOnNaN), or,
    quietly, kills the ReLUs (here: the loss sat at ln 10, a blind guess);
  - for a quadratic, gradient descent is stable for rate < 2 / (largest
    curvature); networks behave alike near a minimum;
  - smaller batches: more steps per epoch, noisier steps; the
    linear-scaling rule (batch * k, rate * k) is a rule of thumb that
    breaks when the rate gets too large;
  - LearningRateScheduler(function(epoch, lr) ... end), epoch from 0;
    ReduceLROnPlateau{factor < 1, patience = p}; history.learning_rate
    shows what each epoch used. In the visualizer, + and - change the
    rate by hand while fit runs.]]
  end,
}
