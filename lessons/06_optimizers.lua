-- Lesson 6: gradient descent and optimizers. SGD, momentum and Adam race
-- on the same small regression from the same starting weights (history.loss
-- side by side, and a text chart on a log scale); momentum worked by hand
-- on one weight and checked against the engine; the learning rate too
-- small, right, too large, and so large that fit stops on an infinity.

-- Functions the lesson puts into the learner's session.
local HELPERS = [[
-- 64 examples of y = 3*x1 - 2*x2 + 1: one Dense unit can fit them exactly.
nn.seed(6)
x = nn.randn(64, 2)
y = nn.zeros(64, 1)
for i = 1, 64 do y[i][1] = 3 * x[i][1] - 2 * x[i][2] + 1 end

-- The same model from the same starting weights, trained with `optimizer`.
function train_with(optimizer, epochs)
  if optimizer == nil then
    error('train_with: the optimizer is nil. nn.optimizers has SGD, Adam and RMSprop, with ' ..
          'capitals (Lua names are case-sensitive), and settings in braces: ' ..
          'nn.optimizers.Adam{learning_rate = 0.1}', 2)
  end
  nn.seed(42)
  local model = nn.Sequential{nn.Dense(1, {input_shape = {2}})}
  model:compile{optimizer = optimizer, loss = 'mse'}
  return model:fit(x, y, {epochs = epochs or 20, batch_size = 16, verbose = 0}), model
end

-- Loss tables side by side, at some epochs.
function side_by_side(series, epochs)
  local line = string.format('%6s', 'epoch')
  for _, s in ipairs(series) do line = line .. string.format('%14s', s[1]) end
  print(line)
  for _, e in ipairs(epochs) do
    line = string.format('%6d', e)
    for _, s in ipairs(series) do line = line .. string.format('%14.6g', s[2][e] or 0 / 0) end
    print(line)
  end
end

-- Loss curves, one letter each, on a log scale (each row is a factor of 10^k).
function chart(series)
  local height, lo, hi, n = 12, math.huge, -math.huge, 0
  for _, s in ipairs(series) do
    for _, v in ipairs(s[2]) do
      if v > 0 and v < math.huge then lo, hi = math.min(lo, v), math.max(hi, v) end
    end
    n = math.max(n, #s[2])
  end
  local top, bottom = math.log(hi, 10), math.log(lo, 10)
  if top - bottom < 1 then bottom = top - 1 end
  local grid = {}
  for r = 1, height do grid[r] = {} for c = 1, 3 * n do grid[r][c] = ' ' end end
  for _, s in ipairs(series) do
    for i, v in ipairs(s[2]) do
      if v > 0 and v < math.huge then
        local r = math.floor((top - math.log(v, 10)) / (top - bottom) * (height - 1) + 0.5) + 1
        grid[r][3 * i - 1] = s[1]:sub(1, 1)
      end
    end
  end
  for r = 1, height do
    local label = ''
    if r == 1 then label = string.format('%.3g', 10 ^ top)
    elseif r == height then label = string.format('%.3g', 10 ^ bottom) end
    print(string.format('%9s |%s', label, table.concat(grid[r])))
  end
  print(string.format('%9s +%s', '', string.rep('-', 3 * n)))
  print(string.format('%9s  epoch 1%s%d', '', string.rep(' ', 3 * n - 9), n))
end

-- One weight, input 1, target 1, hinge loss: while w < 1 the gradient of w is
-- exactly -1, so every optimizer's steps can be followed by hand.
function one_weight(optimizer, steps)
  local model = nn.Sequential{nn.Dense(1, {input_shape = {1}, use_bias = false})}
  model:compile{optimizer = optimizer, loss = 'hinge'}
  model.layers[1].kernel[1][1] = 0
  local path = {}
  for i = 1, steps do
    model:train_on_batch(nn.tensor{{1}}, nn.tensor{{1}})
    path[i] = model.layers[1].kernel[1][1]
  end
  return path
end
]]

-- The lesson's own copy of the helpers, for its checks (made when it runs).
local own

local function close(a, b, tolerance)
  return type(a) == 'number' and math.abs(a - b) <= (tolerance or 1e-6) * math.max(1, math.abs(b))
end

-- The lesson's own training runs, in its checks: a fit that stops on an
-- infinity does not offer the debugger there (that offer is for the
-- learner's own runs, l_fit.c asks nn.debugger.after_nan).
local function quietly(f, ...)
  local offer = nn.debugger.after_nan
  nn.debugger.after_nan = nil
  local results = table.pack(pcall(f, ...))
  nn.debugger.after_nan = offer
  if not results[1] then error(results[2], 0) end
  return table.unpack(results, 2, results.n)
end

-- Exercise 1: w after three momentum steps (learning rate 0.1, momentum 0.9,
-- gradient -1): each typical slip, and what it gives.
local function check_w3(env)
  local w3 = env.w3
  if w3 == nil then return false, 'still waiting for w3 = ...' end
  if type(w3) ~= 'number' then
    return false, 'w3 should be a number, not a ' .. (type(w3) == 'userdata' and 'tensor' or type(w3))
  end
  local engine = quietly(own.one_weight, nn.optimizers.SGD{learning_rate = 0.1, momentum = 0.9}, 3)[3]
  if close(w3, engine, 1e-5) then return true end
  local v2, v3 = 0.19, 0.9 * 0.19 + 0.1
  local mistakes = {
    {0, 'w3 is 0: was it a decimal comma? In Lua 0,5 is two values, 0 and 5, and w3 gets the ' ..
        'first; decimals take a point: 0.5',
     'Write decimals with a point; w3 = 0.29 + (0.9 * 0.19 + 0.1) lets Lua do the arithmetic.'},
    {0.29 + 0.1, 'that is a plain SGD step from 0.29; with momentum step 3 also keeps 90% of ' ..
                 'step 2\'s velocity 0.19',
     'Velocity first: v = 0.9 * 0.19 + 0.1; then w3 = 0.29 + v.'},
    {v3, string.format('%.3g is v, the velocity of step 3; the weight moves by it: w3 = 0.29 + v', v3),
     'w3 = 0.29 + (0.9 * 0.19 + 0.1)'},
    {0.29 + v2, 'that adds step 2\'s velocity 0.19 again; step 3\'s is 0.9 * 0.19 + 0.1',
     'Velocity first: v = 0.9 * 0.19 + 0.1; then w3 = 0.29 + v.'},
    {0.29 + 0.9 * v2, 'the gradient\'s part of the velocity is missing: - learning_rate * ' ..
                      'gradient = -0.1 * -1 = +0.1', 'v = 0.9 * 0.19 + 0.1'},
    {0.29 + 0.9 * v2 - 0.1, 'the sign of the gradient\'s part is flipped: - 0.1 * (-1) is +0.1, ' ..
                            'downhill is towards larger w here', 'v = 0.9 * 0.19 + 0.1'},
    {0.3, '0.3 is plain SGD after three steps of 0.1; momentum makes the steps grow',
     'Step 3: v = 0.9 * 0.19 + 0.1; then w = 0.29 + v.'},
  }
  for _, m in ipairs(mistakes) do
    if close(w3, m[1], 1e-5) then return false, m[2], m[3] end
  end
  return false, string.format('w3 = %.6g is off by %.3g', w3, w3 - engine)
end

-- Exercise 2: a learning rate that brings the loss below 0.01 in 20 epochs.
local function check_lr(env)
  local lr = env.lr
  if lr == nil then
    return false, 'still waiting for lr = ... (look at as many rates as you like first)'
  end
  if type(lr) == 'table' and lr.learning_rate then
    return false, 'lr holds an optimizer; lr should be the learning rate itself, a number',
           'lr = 0.05, say: the check makes the SGD optimizer with it.'
  end
  if type(lr) ~= 'number' or lr ~= lr then
    return false, 'lr should be a number, not ' .. (lr ~= lr and 'NaN' or 'a ' .. type(lr))
  end
  if lr <= 0 then
    return false, 'a learning rate is positive: w - lr * gradient with lr <= 0 never goes downhill'
  end
  local ok, h = pcall(quietly, own.train_with, nn.optimizers.SGD{learning_rate = lr})
  if not ok then return false, 'that rate would not train: ' .. tostring(h) end
  if h.stopped then
    return false, string.format('so large that fit stopped on an infinity in epoch %d; ' ..
                                'far smaller', h.epochs),
           'Rates around 1 already make the loss grow; try ten times smaller.'
  end
  local first, last = h.loss[1], h.loss[20]
  if last < 0.01 then return true end
  if last > first then
    return false, string.format('too large: the loss grows from %.3g to %.3g, each step jumps ' ..
                                'past the bottom of the valley; smaller', first, last),
           'Try half of it, or less.'
  end
  return false, string.format('too small: after 20 epochs the loss is still %.3g (it started at ' ..
                              '%.3g); larger', last, first),
         'Try a rate a few times larger.'
end

-- Exercise 3: h_bad is the history of a fit that stopped on an infinity.
local function check_h_bad(env)
  local h = env.h_bad
  if h == nil then return false, 'still waiting for h_bad = train_with(...)' end
  if type(h) == 'string' then
    return false, 'h_bad is a text; keep the whole history train_with returns (its .stopped ' ..
                  'says why it stopped)', 'h_bad = train_with(nn.optimizers.SGD{learning_rate = ...})'
  end
  if type(h) == 'table' and h.loss == nil and h.learning_rate then
    return false, 'h_bad holds an optimizer; train with it and keep what train_with returns',
           'h_bad = train_with(nn.optimizers.SGD{learning_rate = ...})'
  end
  if type(h) ~= 'table' or type(h.loss) ~= 'table' then
    return false, 'h_bad should be what train_with returns (a history: h_bad.loss, h_bad.stopped)'
  end
  if type(h.stopped) == 'string' and (h.stopped:find('Inf') or h.stopped:find('NaN')) then return true end
  local rate = h.learning_rate and h.learning_rate[1] or 0
  local last = h.loss[#h.loss] or 0
  if last > (h.loss[1] or 0) then
    return false, string.format('at learning rate %g the loss grows to %.3g, but stays a finite ' ..
                                'number for all %d epochs: larger still', rate, last, #h.loss),
           'Try a few times larger.'
  end
  return false, string.format('at learning rate %g fit trains fine (the loss ends at %.3g): ' ..
                              'far larger', rate, last),
         '1.0 already makes the loss grow. Go well past it.'
end

return {
  title = 'Gradient descent and optimizers: SGD, momentum, Adam',
  minutes = 12,
  group = 'basics',
  requires = {5},
  run = function(L)
    own = setmetatable({}, {__index = _G})
    assert(load(HELPERS, '=helpers', 't', own))()
    L:page [[
Backprop gives every weight its gradient: which way is uphill for the loss,
and how steep. An optimizer decides how far to step, downhill. The oldest
rule is plain gradient descent (SGD):

    w = w - learning_rate * gradient

This lesson races three optimizers on the same problem, then turns the
learning rate up and down.

The problem: 64 examples of y = 3*x1 - 2*x2 + 1, learned by one Dense unit
with mean squared error. x and y are in your session, with a few helpers:
train_with(optimizer) trains a fresh model for 20 epochs from the same
starting weights each time and returns Keras's history (h.loss[e] is the
loss of epoch e) and the model.]]
    L:run(HELPERS)
    L:try('x.shape, y.shape, y[1][1], 3 * x[1][1] - 2 * x[1][2] + 1', 'The data: y is exactly 3*x1 - 2*x2 + 1.')

    L:try('h_sgd = train_with(nn.optimizers.SGD{learning_rate = 0.01})', 'Plain SGD. (Keras: keras.optimizers.SGD(learning_rate=0.01).)')
    L:run('h_sgd = train_with(nn.optimizers.SGD{learning_rate = 0.01})')
    L:try('#h_sgd.loss, h_sgd.loss[1], h_sgd.loss[20]',
          'h_sgd.loss is a Lua list of 20 losses, one per epoch (# counts them).\n' ..
          'The first and the last: steady progress, but slow.')

    L:page [[
Momentum. Imagine a ball rolling downhill: it gathers speed while the
slope keeps pointing the same way, and its inertia smooths out zig-zags.
SGD with momentum keeps a velocity v for every weight:

    v = momentum * v - learning_rate * gradient
    w = w + v

With momentum = 0.9 a step keeps 90% of the one before. The same
learning rate now covers far more ground; the ball can also overshoot and
roll back.

Adam goes further: it keeps, for every weight, running averages of the
gradient and of its square, and divides one by the square root of the
other. Each weight gets its own step size, about learning_rate whatever the
scale of its gradient. Its usual learning rate is 0.001; here 0.1.]]
    L:try('h_mom = train_with(nn.optimizers.SGD{learning_rate = 0.01, momentum = 0.9})', 'SGD with momentum.')
    L:try('h_adam = train_with(nn.optimizers.Adam{learning_rate = 0.1})', 'Adam.')
    L:run('h_mom = train_with(nn.optimizers.SGD{learning_rate = 0.01, momentum = 0.9})')
    L:run('h_adam = train_with(nn.optimizers.Adam{learning_rate = 0.1})')
    L:try("side_by_side({{'sgd', h_sgd.loss}, {'momentum', h_mom.loss}, {'adam', h_adam.loss}}, {1, 2, 3, 5, 8, 12, 16, 20})",
          'The three loss tables side by side.')
    L:try("chart({{'S', h_sgd.loss}, {'M', h_mom.loss}, {'A', h_adam.loss}})",
          'The race as curves, on a log scale: each letter is one epoch\'s loss\n' ..
          '(S sgd, M momentum, A adam). Lower is better.')
    do
      local sgd = own.train_with(nn.optimizers.SGD{learning_rate = 0.01}).loss
      local mom = own.train_with(nn.optimizers.SGD{learning_rate = 0.01, momentum = 0.9}).loss
      local adam = own.train_with(nn.optimizers.Adam{learning_rate = 0.1}).loss
      L:check(mom[20] < sgd[20] / 10 and adam[20] < sgd[20] / 10,
              'momentum and Adam end far below plain SGD at the same number of epochs')
      local went_up = false
      for e = 2, 20 do if mom[e] > mom[e - 1] then went_up = true end end
      L:check(went_up, 'momentum overshoots: its loss goes up for a while')
      local steady, jitters = true, false
      for e = 2, 10 do if adam[e] >= adam[e - 1] then steady = false end end
      for e = 11, 20 do if adam[e] > adam[e - 1] then jitters = true end end
      L:check(steady and jitters, 'Adam falls steadily for 10 epochs, then jitters near the bottom')
    end

    L:page [[
Look at M in the chart: it plunges, climbs back for a few epochs (the ball
overshot the bottom of the valley and rolled up the other side), then
settles far below S. A falls steadily, then jitters near the bottom: its
steps stay large (about the learning rate) even close to the minimum. Both
end far below plain SGD. (Lower learning rates make Adam smoother but
slower: try train_with(nn.optimizers.Adam{learning_rate = 0.02}).)

To see momentum's arithmetic, take a single weight w starting at 0, whose
gradient is -1 at every step (one_weight(optimizer, steps), in your
session, sets that up and returns w after each step). Plain SGD with
learning rate 0.1 moves it by 0.1 each time: 0.1, 0.2, 0.3.]]
    L:try('one_weight(nn.optimizers.SGD{learning_rate = 0.1}, 3)', 'Plain SGD: 0.1, 0.2, 0.3.')
    L:check(close(own.one_weight(nn.optimizers.SGD{learning_rate = 0.1}, 3)[3], 0.3), 'SGD steps by learning_rate * gradient')

    L:exercise{
      prompt = 'With momentum = 0.9 (learning rate 0.1, the gradient always -1), v\n' ..
               'starts at 0. Step 1: v = 0.9*0 + 0.1 = 0.1, w = 0.1. Step 2: v = 0.9*0.1\n' ..
               '+ 0.1 = 0.19, w = 0.29. Work out w after step 3 and store it in w3.',
      answer = 'w3 = 0.29 + (0.9 * 0.19 + 0.1)',
      wrong = {'w3 = 0.29 + 0.1', 'w3 = 0.9 * 0.19 + 0.1', 'w3 = 0,561'},
      check = check_w3,
      hints = {'Step 3: v = 0.9 * 0.19 + 0.1; then w = 0.29 + v.',
               'w3 = 0.29 + (0.9 * 0.19 + 0.1)'},
    }
    L:try('one_weight(nn.optimizers.SGD{learning_rate = 0.1, momentum = 0.9}, 3)', 'The engine agrees: 0.1, 0.29, 0.561.')
    L:try('one_weight(nn.optimizers.Adam{learning_rate = 0.1}, 3)',
          'Adam: steps of about the learning rate, 0.1, however big the gradient.')
    L:check(close(own.one_weight(nn.optimizers.Adam{learning_rate = 0.1}, 3)[3], 0.3, 1e-4),
            'with a steady gradient Adam steps by about the learning rate')

    L:page [[
The learning rate matters more than the choice of optimizer. Too small,
and training crawls. Too large, and each step jumps past the bottom of the
valley to a point higher up the other side: the loss grows, then explodes.
Let us try plain SGD with three learning rates.]]
    L:run([[
h_tiny = train_with(nn.optimizers.SGD{learning_rate = 0.0001})
h_good = train_with(nn.optimizers.SGD{learning_rate = 0.1})
h_big = train_with(nn.optimizers.SGD{learning_rate = 1.0})
]])
    L:try('h_tiny = train_with(nn.optimizers.SGD{learning_rate = 0.0001})', 'Too small.')
    L:try('h_good = train_with(nn.optimizers.SGD{learning_rate = 0.1})', 'About right.')
    L:try('h_big = train_with(nn.optimizers.SGD{learning_rate = 1.0})', 'Too large.')
    L:try("side_by_side({{'lr 0.0001', h_tiny.loss}, {'lr 0.1', h_good.loss}, {'lr 1.0', h_big.loss}}, {1, 2, 5, 10, 20})",
          'Side by side.')
    L:try("chart({{'t', h_tiny.loss}, {'g', h_good.loss}, {'b', h_big.loss}})",
          'Tiny (t) hardly moves; good (g) dives; big (b) climbs and climbs.')
    do
      local tiny = own.train_with(nn.optimizers.SGD{learning_rate = 0.0001}).loss
      local good = own.train_with(nn.optimizers.SGD{learning_rate = 0.1}).loss
      local big = own.train_with(nn.optimizers.SGD{learning_rate = 1.0}).loss
      L:check(tiny[20] > 0.9 * tiny[1], 'a tiny learning rate barely lowers the loss')
      L:check(good[20] < 1e-6, 'learning rate 0.1 solves the problem')
      L:check(big[20] > 1e6 * big[1], 'learning rate 1.0 makes the loss grow')
    end

    L:exercise{
      prompt = 'Find a learning rate for plain SGD that brings this loss below 0.01\n' ..
               'within the 20 epochs. Store it in lr. (Check first, with print at\n' ..
               'this prompt: print(train_with(nn.optimizers.SGD{learning_rate = 0.01}).loss[20]).)',
      answer = 'lr = 0.2',
      wrong = {'print(train_with(nn.optimizers.SGD{learning_rate = 0.01}).loss[20])',  -- a look
               'lr = 0.01', 'lr = 1.0', 'lr = nn.optimizers.SGD{learning_rate = 0.2}'},
      check = check_lr,
      hints = {'0.01 was too slow and 1.0 too wild. Try values between.',
               'Anything from about 0.03 to 0.7 works here.',
               'lr = 0.2'},
    }
    do  -- the hint's range: 0.03 and 0.7 work, 0.02 and 0.8 do not
      local function last(rate) return quietly(own.train_with, nn.optimizers.SGD{learning_rate = rate}).loss[20] end
      L:check(last(0.03) < 0.01 and last(0.7) < 0.01 and last(0.02) > 0.01 and last(0.8) > 0.01,
              'learning rates from about 0.03 to 0.7 bring the loss below 0.01 in 20 epochs')
    end

    L:page [[
Push the learning rate further and the numbers outgrow what a float can
hold: they become infinity, then NaN ("not a number"). nnstep's fit
checks every step and stops at the first one that makes an infinity or a
NaN. As Keras's fit does with its TerminateOnNaN callback, it returns the
history of the epochs it ran; nnstep also prints which step of which
layer made the bad number, and keeps that in h.stopped. The weights stay
as they were before the batch that went wrong. (On a terminal, fit also
offers to open the debugger on that batch, stopped at that step.)]]
    L:try('h_huge = train_with(nn.optimizers.SGD{learning_rate = 5})', 'Far too large.')
    L:try('h_huge.epochs, h_huge.stopped', 'How many epochs it ran, and why it stopped.')
    L:try('h_good.stopped', 'A run that ends well has no h.stopped: nil.')

    L:exercise{
      prompt = 'Find a learning rate for plain SGD so large that fit stops on an\n' ..
               'infinity or a NaN; put what train_with returns in h_bad.',
      answer = 'h_bad = train_with(nn.optimizers.SGD{learning_rate = 5})',
      wrong = {'h_bad = train_with(nn.optimizers.SGD{learning_rate = 0.5})',
               'h_bad = train_with(nn.optimizers.SGD{learning_rate = 1.0})',
               'h_bad = nn.optimizers.SGD{learning_rate = 5}',
               'h_bad = train_with(nn.optimizers.SGD{learning_rate = 5}).stopped',
               'h_bad = train_with(nn.optimizers.adam)'},  -- a Python habit: nil in Lua
      check = check_h_bad,
      hints = {'1.0 made the loss grow for 20 epochs without stopping. Go bigger.',
               'h_bad = train_with(nn.optimizers.SGD{learning_rate = 5})'},
    }
    if L.auto then  -- on a terminal this fit would offer the learner the debugger again
      local h = own.train_with(nn.optimizers.SGD{learning_rate = 5})
      L:check(type(h.stopped) == 'string' and h.stopped:find('dense_1') ~= nil and h.epochs < 20,
              'fit stops at the layer that made an infinity, and returns the epochs run')
    end

    L:page [[
What you have seen:

  SGD        w = w - lr * g                       slow, steady
  momentum   v = m*v - lr * g;  w = w + v          faster, can overshoot
  Adam       per-weight steps of about lr          fast, little tuning

  learning rate too small: the loss crawls; too large: it grows; far too
  large: infinity, and fit stops there (h.stopped says where).

In Keras and here: nn.optimizers.SGD{learning_rate = ..., momentum = ...},
nn.optimizers.Adam{learning_rate = ...}, or just optimizer = 'adam'.

Next lesson: convolution, the layer that looks at images.]]
  end,
}
