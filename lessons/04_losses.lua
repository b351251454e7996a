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
    L:run('y_true = nn.tensor{{0, 1, 0}}; y_pred = nn.tensor{{0.2, 0.7, 0.1}}')

    L:exercise{
      prompt = 'Work out the MSE of this prediction by hand: the mean of the three\n' ..
               'squared differences (0 - 0.2, 1 - 0.7, 0 - 0.1). Store it in mse.\n' ..
               '(x^2 is x squared in Lua.)',
      answer = 'mse = ((0 - 0.2)^2 + (1 - 0.7)^2 + (0 - 0.1)^2) / 3',
      wrong = 'mse = (0 - 0.2)^2 + (1 - 0.7)^2 + (0 - 0.1)^2',
      check = function(env)
        local engine = loss('mean_squared_error', {{0, 1, 0}}, {{0.2, 0.7, 0.1}})
        return type(env.mse) == 'number' and math.abs(env.mse - engine) < 1e-6
      end,
      hints = {'Square each difference, add them, divide by how many there are.',
               'mse = ((0 - 0.2)^2 + (1 - 0.7)^2 + (0 - 0.1)^2) / 3'},
    }
    L:try('mse, nn.losses.mean_squared_error(y_true, y_pred).value', 'Yours and the engine\'s.')
    L:exercise{
      prompt = 'Now the cross-entropy by hand: -log of the probability the network\n' ..
               'gave to the true class. math.log is the natural logarithm. Store it\n' ..
               'in ce.',
      answer = 'ce = -math.log(0.7)',
      wrong = 'ce = -math.log(0.2)',
      check = function(env)
        local engine = loss('categorical_crossentropy', {{0, 1, 0}}, {{0.2, 0.7, 0.1}})
        return type(env.ce) == 'number' and math.abs(env.ce - engine) < 1e-6
      end,
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
    L:check(mse_at(-4) < 1 and mse_at(-8) < 1, 'MSE of a probability never exceeds 1')
    L:check(ce_at(-8) > 7.9 and ce_at(-4) > 4, 'cross-entropy grows without bound for confident mistakes')
    L:check(hinge_at(1) == 0 and hinge_at(3) == 0 and hinge_at(0.5) > 0, 'hinge is 0 once z >= 1')
    L:check(ce_at(4) > 0, 'cross-entropy is never exactly 0')
    L:check((mse_at(-6.1) - mse_at(-5.9)) / 0.2 < 0.01 and (ce_at(-6.1) - ce_at(-5.9)) / 0.2 > 0.99,
            'far on the wrong side MSE (after a sigmoid) goes flat, cross-entropy keeps a slope of about 1')

    L:page [[
Read the table and the plot from left (wrong) to right (right):

  MSE is bounded: even a certain mistake costs at most 1, and the curve
  goes flat on the left. A confident mistake is barely worse than an
  unsure one, so MSE with a sigmoid learns slowly from its worst errors
  (the saturation of lesson 3).

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
      wrong = 'z_margin = 0',
      check = function(env)
        local z = env.z_margin
        if type(z) ~= 'number' then return false end
        local at = nn.losses.hinge(nn.tensor{{1}}, nn.tensor{{z}}).value
        local just_below = nn.losses.hinge(nn.tensor{{1}}, nn.tensor{{z - 0.01}}).value
        return at == 0 and just_below > 0
      end,
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
    L:run('y3 = nn.tensor{{1}, {1}, {1}}; pa = nn.tensor{{0.3}, {0.3}, {0.3}}')
    L:try('y3 = nn.tensor{{1}, {1}, {1}}; pa = nn.tensor{{0.3}, {0.3}, {0.3}}', 'Model A.')
    L:try('nn.losses.mean_squared_error(y3, pa).value, nn.losses.binary_crossentropy(y3, pa).value',
          'Model A\'s MSE and cross-entropy.')

    L:exercise{
      prompt = 'Give model B predictions pb (a 3x1 tensor of probabilities) that MSE\n' ..
               'likes better than model A\'s but cross-entropy likes worse. Think of a\n' ..
               'model that is nearly always sure and right, but once sure and wrong.',
      answer = 'pb = nn.tensor{{0.999}, {0.999}, {0.02}}',
      wrong = 'pb = nn.tensor{{0.5}, {0.5}, {0.5}}',
      check = function(env)
        local pb = env.pb
        local has_shape, shape = pcall(function() return pb.shape end)
        if not has_shape or type(shape) ~= 'table' then return false end  -- not a tensor
        if #pb.shape ~= 2 or pb.shape[1] ~= 3 or pb.shape[2] ~= 1 then return false end
        if pb:min() < 0 or pb:max() > 1 then return false end
        local y, pa = nn.tensor{{1}, {1}, {1}}, nn.tensor{{0.3}, {0.3}, {0.3}}
        local mse = nn.losses.mean_squared_error
        local ce = nn.losses.binary_crossentropy
        return mse(y, pb).value < mse(y, pa).value and ce(y, pb).value > ce(y, pa).value
      end,
      hints = {'Two predictions near 1 cost almost nothing under both losses.',
               'Make the third one tiny, like 0.02: MSE charges at most 1 for it,\n' ..
               'cross-entropy charges -log(0.02), about 3.9.',
               'pb = nn.tensor{{0.999}, {0.999}, {0.02}}'},
    }
    L:try('nn.losses.mean_squared_error(y3, pb).value, nn.losses.binary_crossentropy(y3, pb).value',
          'Model B: a lower MSE than A, a higher cross-entropy.')

    L:page [[
What you have seen:

  loss            per example                   punishes
  MSE             mean of (y - p)^2             every difference; bounded
  cross-entropy   -log(p of the true class)     confident mistakes, hard
  hinge           max(0, 1 - y*z), y = +-1      being short of the margin

Keras names: 'mean_squared_error' (or 'mse'), 'categorical_crossentropy'
(one-hot targets), 'sparse_categorical_crossentropy' (class numbers),
'binary_crossentropy' (yes/no), 'hinge', 'categorical_hinge'.

Lua: math.log, string.format('%.3f', x).

Next lesson: backpropagation. How the loss's slope reaches every weight.]]
  end,
}
