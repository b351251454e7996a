-- Lesson 4: loss functions. Mean squared error and cross-entropy computed by
-- hand and by the engine (nn.losses.<name>(y_true, y_pred).value); then
-- MSE, cross-entropy and hinge on the same predictions, as a table and a
-- text plot (L:plot), to see what each one punishes.

-- The losses of one positive example whose output layer computed the score z.
local SWEEP = [[
function sigmoid(z) return 1 / (1 + math.exp(-z)) end
function mse_at(z) return nn.losses.mean_squared_error(nn.tensor{{1}}, nn.tensor{{sigmoid(z)}}).value end
function ce_at(z) return nn.losses.binary_crossentropy(nn.tensor{{1}}, nn.tensor{{sigmoid(z)}}).value end
function hinge_at(z) return nn.losses.hinge(nn.tensor{{1}}, nn.tensor{{z}}).value end
]]

local function loss(name, y, p) return nn.losses[name](nn.tensor(y), nn.tensor(p)).value end
local function sigmoid(z) return 1 / (1 + math.exp(-z)) end
local function mse_at(z) return loss('mean_squared_error', {{1}}, {{sigmoid(z)}}) end
local function ce_at(z) return loss('binary_crossentropy', {{1}}, {{sigmoid(z)}}) end
local function hinge_at(z) return loss('hinge', {{1}}, {{z}}) end

local function near(a, b) return math.abs(a - b) < 1e-6 end

-- Does the tensor v hold the numbers of the list (in row order)?
local function same(v, list)
  if type(v) ~= 'userdata' or v:numel() ~= #list then return false end
  local flat = v:reshape(#list)
  for i, x in ipairs(list) do if not near(flat[i], x) then return false end end
  return true
end

-- What a number the learner stored is: nil (nothing stored yet: a probe
-- such as print(...) is no answer), a number, or something else.
local function not_a_number(name, v)
  if v == nil then return 'still waiting for ' .. name .. ' = ... (a number)' end
  if type(v) ~= 'number' then
    return name .. ' is a ' .. type(v) .. ', not a number' ..
           (type(v) == 'userdata' and ' (a tensor? work it out with plain numbers)' or '') ..
           (type(v) == 'table' and ' (the engine\'s loss? work it out by hand, with plain numbers)' or '')
  end
end

-- Exercise: the MSE of y_true = (0, 1, 0), y_pred = (0.2, 0.7, 0.1) by hand.
local function check_mse(env)
  local why = not_a_number('mse', env.mse)
  if why then return false, why end
  local want = loss('mean_squared_error', {{0, 1, 0}}, {{0.2, 0.7, 0.1}})
  local v = env.mse
  if near(v, want) then return true end
  if near(v, 3 * want) then
    return false, string.format('%.4g is the sum of the squares, 3 times the mean (%.4g): divide by 3', v, want),
           'Mean: add the three squares, then divide by how many there are, 3.'
  end
  if near(v, 1.5 * want) then
    return false, string.format('%.4g divides by 2; there are 3 squared differences: divide by 3', v),
           'The mean of three numbers is their sum divided by 3.'
  end
  if near(v, 0) then
    return false, 'without squaring, the differences -0.2, 0.3 and -0.1 cancel out to 0',
           'Square each difference first: (0 - 0.2)^2, ...'
  end
  if near(v, math.sqrt(want)) then
    return false, string.format('%.4g is the square root of the mean, the RMSE; MSE stops at the mean (%.4g)', v, want),
           'Leave out math.sqrt.'
  end
  return false, string.format('%.4g is off by %.3g', v, v - want)
end

-- Exercise: the cross-entropy of the same prediction by hand.
local function check_ce(env)
  local why = not_a_number('ce', env.ce)
  if why then return false, why end
  local want = loss('categorical_crossentropy', {{0, 1, 0}}, {{0.2, 0.7, 0.1}})
  local v = env.ce
  if near(v, want) then return true end
  if near(v, -want) then
    return false, string.format('%.4g is negative: log(0.7) is below 0, and the loss is minus it', v),
           'Put a minus sign in front: -math.log(...).'
  end
  if near(v, want / 3) then
    return false, string.format('%.4g is -log(0.7) / 3: cross-entropy takes no mean over the classes, only the true class\'s -log(p)', v),
           'One example, one term: -math.log(0.7).'
  end
  if near(v, -math.log(0.2)) or near(v, -math.log(0.1)) then
    return false, string.format('%.4g is -log of a wrong class\'s probability; the true class is where y_true has its 1', v),
           'y_true = {0, 1, 0}: the true class is the second, and the network gave it 0.7.'
  end
  if near(v, -(math.log(0.2) + math.log(0.7) + math.log(0.1))) then
    return false, 'that adds -log of every probability; cross-entropy takes only the true class\'s (y_true is 0 elsewhere)',
           'Only the term where y_true is 1 counts: -1 * log(0.7).'
  end
  if near(v, -math.log(0.7, 10)) then
    return false, 'that is the base-10 log; math.log(x) with one argument is the natural log'
  end
  return false, string.format('%.4g is off by %.3g', v, v - want)
end

-- Exercise: the smallest score z at which hinge (y = +1) is 0. A probe such
-- as print(hinge_at(0.5)), which the exercise suggests, is no answer yet.
local function check_margin(env)
  local why = not_a_number('z_margin', env.z_margin)
  if why then return false, why end
  local z = env.z_margin
  if near(z, 1) then return true end
  local at = hinge_at(z)
  if at > 0 then
    return false, string.format('hinge_at(%g) is %.4g, not 0: there 1 - z is still above 0', z, at),
           z < 0 and 'z = -1 is the margin for a negative example (y = -1); here y = +1.'
             or 'max(0, 1 - z) is 0 once 1 - z <= 0.'
  end
  return false, string.format('hinge_at(%g) is 0, but it is 0 already at smaller z: find where it starts', z),
         'Try print(hinge_at(0.9), hinge_at(1), hinge_at(1.1)).'
end

-- Exercise: predictions pb that MSE likes better than A's (0.3, 0.3, 0.3)
-- and cross-entropy worse.
local function check_pb(env)
  local pb = env.pb
  if pb == nil then return false, 'still waiting for pb = nn.tensor{...}' end
  if type(pb) == 'table' then
    return false, 'pb is a Lua table; make it a tensor: pb = nn.tensor{{...}, {...}, {...}}'
  end
  local is_tensor, shape = pcall(function() return pb.shape end)
  if not is_tensor or type(shape) ~= 'table' then return false, 'pb should be a tensor, not a ' .. type(pb) end
  if #shape ~= 2 or shape[1] ~= 3 or shape[2] ~= 1 then
    return false, 'pb has shape (' .. table.concat(shape, ', ') .. (#shape == 1 and ',' or '') ..
                  '), not (3, 1): one row per example, {{a}, {b}, {c}}'
  end
  if pb:min() < 0 or pb:max() > 1 then return false, 'probabilities lie between 0 and 1' end
  local y, pa = nn.tensor{{1}, {1}, {1}}, nn.tensor{{0.3}, {0.3}, {0.3}}
  local mse, ce = nn.losses.mean_squared_error, nn.losses.binary_crossentropy
  local mse_a, mse_b, ce_a, ce_b = mse(y, pa).value, mse(y, pb).value, ce(y, pa).value, ce(y, pb).value
  local numbers = string.format('MSE %.3g (A: %.3g), cross-entropy %.3g (A: %.3g)', mse_b, mse_a, ce_b, ce_a)
  if mse_b < mse_a and ce_b > ce_a then return true end
  if mse_b < mse_a then
    return false, numbers .. ': both prefer B. Cross-entropy must find B worse',
           'Make one prediction a confident mistake, near 0 (like 0.02): -log(0.02) is 3.9.'
  end
  if ce_b > ce_a then
    return false, numbers .. ': both find B worse. MSE must find it better',
           'Keep only one mistake; put the other two near 1 (0.999).'
  end
  return false, numbers .. ': MSE finds B worse, cross-entropy better: the other way round'
end

return {
  title = 'Loss functions: MSE, cross-entropy, hinge',
  minutes = 12,
  group = 'basics',
  requires = {2},
  run = function(L)
    L:page [[
A loss turns "how wrong is the network on this batch" into one number.
Training changes the weights to make that number smaller, so the loss
decides which mistakes matter: the network learns to avoid whatever the
loss punishes most.

nnstep has Keras's losses, and each can be called on its own:

    nn.losses.mean_squared_error(y_true, y_pred).value

y_true holds the right answers and y_pred the network's outputs, one row
per example; .value is the loss, averaged over the examples, as the loss
Keras prints during fit.]]

    L:page [[
A three-class problem: is the picture a shirt, a shoe or a bag? The
network's last layer (a softmax) gives three probabilities adding up to 1.
The right answer is written one-hot: a 1 for the true class, 0 elsewhere.

    y_true = {{0, 1, 0}}          it is a shoe
    y_pred = {{0.2, 0.7, 0.1}}    the network says: 70% shoe

Mean squared error averages the squared differences of all the numbers.
Cross-entropy looks only at the probability given to the true class, p,
and is -log(p): 0 when p = 1, large when p is near 0.]]

    L:try('y_true = nn.tensor{{0, 1, 0}}; y_pred = nn.tensor{{0.2, 0.7, 0.1}}', 'One example.')
    L:settle(function(env) return same(env.y_true, {0, 1, 0}) and same(env.y_pred, {0.2, 0.7, 0.1}) end,
           'y_true = nn.tensor{{0, 1, 0}}; y_pred = nn.tensor{{0.2, 0.7, 0.1}}',
           'The next lines need y_true and y_pred, the example above.')

    L:exercise{
      prompt = 'Work out the MSE of this prediction by hand: the mean of the three\n' ..
               'squared differences (0 - 0.2, 1 - 0.7, 0 - 0.1). Store it in mse.\n' ..
               '(x^2 is x squared in Lua.)',
      answer = 'mse = ((0 - 0.2)^2 + (1 - 0.7)^2 + (0 - 0.1)^2) / 3',
      wrong = {'mse = (0 - 0.2)^2 + (1 - 0.7)^2 + (0 - 0.1)^2', 'mse = (0.2^2 + 0.3^2 + 0.1^2) / 2',
               'mse = ((0 - 0.2) + (1 - 0.7) + (0 - 0.1)) / 3',
               'mse = math.sqrt(((0 - 0.2)^2 + (1 - 0.7)^2 + (0 - 0.1)^2) / 3)'},
      check = check_mse,
      hints = {'Square each difference, add them, divide by how many there are.',
               'mse = ((0 - 0.2)^2 + (1 - 0.7)^2 + (0 - 0.1)^2) / 3'},
    }
    L:try('mse, nn.losses.mean_squared_error(y_true, y_pred).value', 'Yours and the engine\'s.')
    L:exercise{
      prompt = 'Now the cross-entropy by hand: -log of the probability the network\n' ..
               'gave to the true class. math.log is the natural logarithm. Store it\n' ..
               'in ce.',
      answer = 'ce = -math.log(0.7)',
      wrong = {'ce = -math.log(0.2)', 'ce = math.log(0.7)', 'ce = -log(0.7)',
               'ce = -(math.log(0.2) + math.log(0.7) + math.log(0.1))'},
      check = check_ce,
      hints = {'The true class is the one where y_true has its 1: the second.',
               'ce = -math.log(0.7)'},
    }
    L:try('ce, nn.losses.categorical_crossentropy(y_true, y_pred).value', 'Yours and the engine\'s.')
    L:check(math.abs(loss('categorical_crossentropy', {{0, 1, 0}}, {{0.2, 0.7, 0.1}}) + math.log(0.7)) < 1e-6,
            'cross-entropy is -log(p of the true class)')
    L:check(loss('categorical_crossentropy', {{0, 1, 0}}, {{0, 1, 0}}) < 1e-6,
            'a perfect prediction costs (almost) nothing')
    L:check(math.abs(loss('categorical_crossentropy', {{0, 1, 0}}, {{1, 0, 0}}) + math.log(1e-7)) < 1e-4,
            'probabilities are clipped to 1e-7, as in Keras, so a certain mistake costs 16.1')

    L:page [[
What does each loss punish? Take one example of a yes/no question whose
answer is yes (y = 1). The network's last neuron computes a score z; a
sigmoid turns it into a probability p = sigmoid(z). Large positive z:
confidently right. Large negative z: confidently wrong.

Three losses on the same predictions:

  MSE            (1 - p)^2
  cross-entropy  -log(p)                      (binary_crossentropy)
  hinge          max(0, 1 - y*z), y = +1/-1   (on the score itself)

Hinge (from support vector machines) wants the labels as -1 and +1 (as
in Keras, labels that are all 0 or 1 are read as -1 and +1), and the raw
score rather than a probability.

mse_at(z), ce_at(z) and hinge_at(z), now in your session, ask the engine
for each loss of that one example at the score z.]]
    L:run(SWEEP)
    L.env.plot = function(...) return L:plot(...) end  -- lesson 3's plot, several curves at once
    L:try("for z = -4, 4 do print(z, string.format('p=%.3f  mse=%.3f  ce=%.3f  hinge=%.3f', sigmoid(z), mse_at(z), ce_at(z), hinge_at(z))) end",
          'From confidently wrong (z = -4) to confidently right (z = 4).\n' ..
          'string.format is Python\'s "%.3f" % x: numbers with 3 decimals.')
    L:try("plot({{'M', mse_at}, {'C', ce_at}, {'H', hinge_at}}, -4, 4, 0, 5)",
          'The same, drawn with lesson 3\'s plot, given a list of curves: M for MSE,\n' ..
          'C for cross-entropy, H for hinge.')
    L:check(mse_at(-4) < 1 and mse_at(-8) < 1 and mse_at(-30) <= 1, 'MSE of a probability never exceeds 1')
    L:check(loss('mean_squared_error', {{1}}, {{5}}) == 16, 'MSE of a raw output has no bound: (1 - 5)^2 = 16')
    L:check(ce_at(-8) > 7.9 and ce_at(-4) > 4, 'cross-entropy grows without bound for confident mistakes')
    L:check(hinge_at(1) == 0 and hinge_at(3) == 0 and hinge_at(0.5) > 0, 'hinge is 0 once z >= 1')
    L:check(ce_at(4) > 0, 'cross-entropy is never exactly 0')
    L:check((mse_at(-6.1) - mse_at(-5.9)) / 0.2 < 0.01 and (ce_at(-6.1) - ce_at(-5.9)) / 0.2 > 0.99,
            'far on the wrong side MSE (after a sigmoid) goes flat, cross-entropy keeps a slope of about 1')

    L:page [[
Read the table and the plot from left (wrong) to right (right):

  MSE of a probability is bounded: with outputs between 0 and 1 (after a
  sigmoid or a softmax), even a certain mistake costs at most 1, and the
  curve goes flat on the left. A confident mistake is barely worse than
  an unsure one, so MSE with a sigmoid learns slowly from its worst
  errors (the saturation of lesson 3). On raw outputs, as in regression,
  MSE has no bound: predicting 5 for a 1 costs (1 - 5)^2 = 16.

  Cross-entropy keeps climbing, about |z| for large mistakes: a confident
  mistake is expensive, and its slope never fades. On the right it keeps
  nudging already-right answers towards certainty. That is why Keras
  classifiers use it.

  Hinge is exactly 0 once the answer is right by a margin (z >= 1): it
  ignores the examples it already gets right and spends everything on the
  others. Where it is wrong, it grows in a straight line.]]

    L:exercise{
      prompt = 'For a positive example (y = +1), find the smallest score z at which\n' ..
               'the hinge loss is exactly 0 (the margin). hinge_at(z) tells you the\n' ..
               'loss; at this prompt show it with print: print(hinge_at(0.5)).\n' ..
               'Store your z in z_margin.',
      answer = 'z_margin = 1',
      wrong = {'print(hinge_at(0.5))', 'z_margin = 0', 'z_margin = 2', 'z_margin = -1'},
      check = check_margin,
      hints = {'Try print(hinge_at(0), hinge_at(0.5), hinge_at(2)).',
               'max(0, 1 - z) is 0 as soon as 1 - z <= 0.',
               'z_margin = 1'},
    }

    L:page [[
The losses can disagree about which model is better. Three examples, all
with the answer yes (y = 1), and the probabilities two models gave:

  model A: 0.3, 0.3, 0.3      unsure, and a little wrong, every time
  model B: ?, ?, ?            your turn

pa holds model A's predictions and y3 the answers.]]
    L:try('y3 = nn.tensor{{1}, {1}, {1}}; pa = nn.tensor{{0.3}, {0.3}, {0.3}}', 'Model A.')
    L:settle(function(env) return same(env.y3, {1, 1, 1}) and same(env.pa, {0.3, 0.3, 0.3}) end,
           'y3 = nn.tensor{{1}, {1}, {1}}; pa = nn.tensor{{0.3}, {0.3}, {0.3}}',
           'The next lines need y3 and pa, model A above.')
    L:try('nn.losses.mean_squared_error(y3, pa).value, nn.losses.binary_crossentropy(y3, pa).value',
          'Model A\'s MSE and cross-entropy.')

    L:exercise{
      prompt = 'Give model B predictions pb (a 3x1 tensor of probabilities) that MSE\n' ..
               'likes better than model A\'s but cross-entropy likes worse. Think of a\n' ..
               'model that is nearly always sure and right, but once sure and wrong.',
      answer = 'pb = nn.tensor{{0.999}, {0.999}, {0.02}}',
      wrong = {'pb = nn.tensor{{0.5}, {0.5}, {0.5}}', 'pb = nn.tensor{{0.9}, {0.9}, {0.2}}',
               'pb = nn.tensor{0.999, 0.999, 0.02}', 'pb = {{0.999}, {0.999}, {0.02}}'},
      check = check_pb,
      hints = {'Two predictions near 1 cost almost nothing under both losses.',
               'Make the third one tiny, like 0.02: MSE charges at most 1 for it,\n' ..
               'cross-entropy charges -log(0.02), about 3.9.',
               'pb = nn.tensor{{0.999}, {0.999}, {0.02}}'},
    }
    L:check(math.abs(-math.log(0.02) - 3.9) < 0.05, 'the hints\' -log(0.02) is about 3.9')
    L:try('nn.losses.mean_squared_error(y3, pb).value, nn.losses.binary_crossentropy(y3, pb).value',
          'Model B: a lower MSE than A, a higher cross-entropy.')

    L:page [[
What you have seen:

  loss            per example                   punishes
  MSE             mean of (y - p)^2             every difference; at most 1
                                                for outputs in [0, 1]
  cross-entropy   -log(p of the true class)     confident mistakes, hard
  hinge           max(0, 1 - y*z), y = +-1      being short of the margin

Keras names: 'mean_squared_error' (or 'mse'), 'categorical_crossentropy'
(one-hot targets), 'sparse_categorical_crossentropy' (class numbers),
'binary_crossentropy' (yes/no), 'hinge', 'categorical_hinge'.

Lua: math.log, string.format('%.3f', x).

Next lesson: backpropagation. How the loss's slope reaches every weight.]]
  end,
}
