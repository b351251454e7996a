-- Lesson 20: "Why did it predict that?" Saliency maps: |dL/dx| with
-- L = -log p(c), the loss with class c as the target. First a linear
-- softmax model of 4 inputs and 3 classes, whose saliency is computed by
-- hand with plain Lua loops (dL/dx_i = sum_k (p_k - [k = c]) W[i][k]) and
-- checked against nn.viz.saliency; Simonyan et al.'s class-score gradient
-- beside it. Then the pretrained reference CNN on its mistakes among the
-- first 300 Fashion-MNIST test images: the saliency of the class it
-- predicted beside that of the true class, a nudge of one pixel that moves
-- the loss as the gradient says, and the saliency view.

-- The tiny model's weights and input, and the plain-Lua helpers the
-- learner sees (the lesson's checks use its own copy, `own`).
local HELPERS = [[
-- W[i][k]: the weight from input i into class k (classes 0, 1, 2 are
-- columns 1, 2, 3: Lua counts from 1), bias 0.
W = {{ 1.0, -2.0,  0.5},
     { 0.5,  1.0, -1.0},
     {-1.0,  0.5,  2.0},
     { 2.0,  0.0, -0.5}}
-- p = softmax(x W): the 3 class probabilities of an input x (4 numbers)
function probabilities(x)
  local z, total = {}, 0
  for k = 1, 3 do
    z[k] = 0
    for i = 1, 4 do z[k] = z[k] + x[i] * W[i][k] end
  end
  local top = math.max(z[1], z[2], z[3])  -- subtracted: exp never overflows
  for k = 1, 3 do z[k] = math.exp(z[k] - top); total = total + z[k] end
  for k = 1, 3 do z[k] = z[k] / total end
  return z
end
-- dL/dx for L = -log p(c), c a label 0..2: sum_k (p_k - [k = c]) W[i][k]
function gradient_by_hand(x, c)
  local p, g = probabilities(x), {}
  for i = 1, 4 do
    g[i] = 0
    for k = 1, 3 do
      local target = (k == c + 1) and 1 or 0
      g[i] = g[i] + (p[k] - target) * W[i][k]
    end
  end
  return g
end
]]

local X = {0.5, -1, 0.5, 0.5}  -- the tiny model's input x, as a Lua list
local own = {}  -- the lesson's copy of the helpers
load(HELPERS, 'helpers', 't', setmetatable(own, {__index = _G}))()

-- a Lua list or a tensor of 4 numbers, as a Lua list (nil if neither)
local function four_numbers(v)
  if type(v) == 'table' and #v == 4 then
    for i = 1, 4 do if type(v[i]) ~= 'number' then return nil end end
    return v
  end
  if type(v) == 'userdata' and pcall(function() return v:numel() end) and v:numel() == 4 then
    local flat = v:reshape(4)
    return {flat[1], flat[2], flat[3], flat[4]}
  end
  return nil
end

local function largest_gap(a, b)
  local off = 0
  for i = 1, 4 do off = math.max(off, math.abs(a[i] - b[i])) end
  return off
end

-- Is g the gradient for class c at x? True, or false and which mistake.
-- engine: the engine's gradient for class c (a list), to catch a copy of it
local function check_gradient(name, g, x, c, engine)
  if g == nil then return false, 'still waiting for ' .. name .. ' = ...' end
  local v = four_numbers(g)
  if not v then return false, name .. ' should be 4 numbers (a Lua list {...} or a tensor)' end
  local right = own.gradient_by_hand(x, c)
  -- the engine computes in single precision: its numbers differ from the
  -- loops' (double) by about 1e-8, so an exact copy of them shows
  if engine and largest_gap(v, engine) < 1e-12 and largest_gap(v, right) > 1e-10 then
    return false, 'those are the engine\'s numbers (nn.viz.saliency), copied: the exercise ' ..
                  'is to compute them with loops over W and p = probabilities(x)'
  end
  if largest_gap(v, right) < 1e-5 then return true end
  local negated, without_target, plain_p, only_c = {}, {}, own.probabilities(x), {}
  for i = 1, 4 do
    negated[i] = -right[i]
    only_c[i] = (plain_p[c + 1] - 1) * own.W[i][c + 1]
    without_target[i] = 0
    for k = 1, 3 do without_target[i] = without_target[i] + plain_p[k] * own.W[i][k] end
  end
  if largest_gap(v, negated) < 1e-5 then
    return false, 'that is minus the gradient: a sign error. The factor is p_k - [k = c] ' ..
                  '(p_c - 1 for the class c), not [k = c] - p_k'
  end
  if largest_gap(v, without_target) < 1e-5 then
    return false, 'that uses p_c where it needs p_c - 1: the target [k = c] is missing. ' ..
                  'L = -log p(c) pulls class c up, so its term is (p_c - 1) W[i][c]'
  end
  if largest_gap(v, only_c) < 1e-5 then
    return false, string.format('that is only class %d\'s term, (p_c - 1) W[i][c]. Every class\'s score' ..
                                ' depends on x and enters the softmax: add p_k W[i][k] for the other two', c),
           'dL/dx_i = sum over k = 1..3 of (p[k] - [k = c]) * W[i][k]: three terms for each i.'
  end
  for other = 0, 2 do
    if other ~= c and largest_gap(v, own.gradient_by_hand(x, other)) < 1e-5 then
      return false, string.format('that is the gradient for class %d; the exercise asks for class %d ' ..
                                  '(column %d of W)', other, c, c + 1)
    end
  end
  return false, string.format('%s is off by up to %.3g from dL/dx', name, largest_gap(v, right))
end

return {
  title = 'Why did it predict that? Saliency maps',
  minutes = 15,
  group = 'CNN',
  requires = {9},
  run = function(L)
    L:page [[
A classifier says "Shirt". Why? One answer a network can give about
itself: which input values, changed a little, would change its verdict
the most. That is a saliency map.

nnstep's saliency of an input x for a class c is |dL/dx|, where
    L = -log p(c)
is the cross-entropy loss with c as the target (p = the softmax's
probabilities). dL/dx_i says how fast the loss would change if pixel i
were brighter: where |dL/dx_i| is large, a small change of that pixel
moves p(c) a lot; where it is 0, the pixel does not matter (at this x).

Before the CNN, a model small enough to do by hand.]]

    L:run(HELPERS)
    L:page [[
A linear softmax model: 4 inputs, 3 classes, p = softmax(x W), no hidden
layer. The lesson has put its weights W (4x3) into your session, and
probabilities(x), plain Lua loops:
    z_k = sum_i x_i W[i][k],   p_k = exp(z_k) / sum_j exp(z_j)
The same model in nnstep: a Dense(3) with a softmax, its kernel set to W.]]
    L:try('W', 'The weights, a Lua table: W[i][k] from input i into class k.')
    L:run([[
m = nn.Sequential()
m:add(nn.Dense(3, {activation = 'softmax', input_shape = {4}}))
for i = 1, 4 do for k = 1, 3 do m.layers[1].kernel[i][k] = W[i][k] end end
x = nn.tensor{0.5, -1, 0.5, 0.5}
]])
    L:try('x = nn.tensor{0.5, -1, 0.5, 0.5}', 'An input of 4 numbers.')
    L:try('probabilities(x)', 'Its class probabilities by hand ...')
    L:try('m:predict(x:reshape(1, 4))', '... and by the engine: the same.')
    do
      local by_hand, engine = own.probabilities(X), L:run('m:predict(x:reshape(1, 4))')
      for k = 1, 3 do
        L:check(math.abs(by_hand[k] - engine[1][k]) < 1e-6, 'probabilities(x) is what the engine predicts')
      end
    end

    L:page [[
The gradient of L = -log p(c) by the chain rule. Through the softmax,
dL/dz_k = p_k - [k = c]   ([k = c] is 1 for the class c, else 0):
every class's score is pushed down by its probability, and class c's is
pulled up by 1. Through z_k = sum_i x_i W[i][k], dz_k/dx_i = W[i][k]. So
    dL/dx_i = sum_k (p_k - [k = c]) W[i][k]
The lesson's gradient_by_hand(x, c) is that formula in plain loops (c is a
label 0..2; its code is with the other helpers, at the top of
lessons/20_saliency.lua).
nn.viz.saliency(m, x, {class = c}) asks the engine: it backpropagates
through the model and returns {gradient, predicted, class, probability,
loss}. Without class =, c is the predicted class.]]
    L:try('gradient_by_hand(x, 2)', 'dL/dx for class 2, by hand ...')
    L:try('s = nn.viz.saliency(m, x, {class = 2})', '... and by the engine.')
    L:run('s = nn.viz.saliency(m, x, {class = 2})')
    L:try('s.gradient', 'The same four numbers.')
    do
      local s, hand = L.env.s, own.gradient_by_hand(X, 2)
      for i = 1, 4 do
        L:check(math.abs(s.gradient[i] - hand[i]) < 1e-6, 'the engine\'s saliency gradient is the formula\'s')
      end
      local p = own.probabilities(X)
      L:check(math.abs(s.probability - p[3]) < 1e-6 and math.abs(s.loss + math.log(p[3])) < 1e-6,
              's.probability is p(2) and s.loss is -log p(2)')
      L:check(s.predicted == 2 and p[3] > p[1] and p[3] > p[2], 'the model predicts class 2 for x')
    end
    L:try('s.predicted, s.probability, s.loss', 'It predicts class 2, with p(2) and L = -log p(2).')

    local engine_g0 = four_numbers(L:run('nn.viz.saliency(m, x, {class = 0}).gradient'))
    L:exercise{
      prompt = 'Compute dL/dx for class 0 (the first column of W) at this x,\n' ..
               'by hand: set g0 to its 4 numbers (a Lua list or a tensor). Use\n' ..
               'probabilities(x) and W, not gradient_by_hand.',
      answer = 'p = probabilities(x); g0 = {}; for i = 1, 4 do g0[i] = 0; ' ..
               'for k = 1, 3 do g0[i] = g0[i] + (p[k] - (k == 1 and 1 or 0)) * W[i][k] end end',
      wrong = {'p = probabilities(x); g0 = {}; for i = 1, 4 do g0[i] = 0; ' ..
               'for k = 1, 3 do g0[i] = g0[i] + p[k] * W[i][k] end end',
               -- only the class's own term
               'p = probabilities(x); g0 = {}; for i = 1, 4 do g0[i] = (p[1] - 1) * W[i][1] end'},
      check = function(env) return check_gradient('g0', env.g0, X, 0, engine_g0) end,
      hints = {'For each input i: sum over k = 1..3 of (p[k] - target) * W[i][k].',
               'The target is 1 for class 0, which is k = 1 (Lua counts from 1), else 0.',
               'print(nn.viz.saliency(m, x, {class = 0}).gradient) shows the numbers to reach.'},
    }

    L:page [[
The saliency map is the size of that gradient, |dL/dx|: which inputs
matter, whichever way. The sign says in which direction: dL/dx_i < 0 means
a brighter pixel i lowers the loss, so it raises p(c).]]
    L:exercise{
      prompt = 'Set sal to the saliency map of x for class 0: |dL/dx|, 4 numbers\n' ..
               '(a tensor: nn.viz.saliency(...).gradient and t:abs() help).',
      answer = 'sal = nn.viz.saliency(m, x, {class = 0}).gradient:abs()',
      wrong = 'sal = nn.viz.saliency(m, x, {class = 0}).gradient',
      check = function(env)
        if env.sal == nil then return false, 'still waiting for sal = ...' end
        local v = four_numbers(env.sal)
        if not v then return false, 'sal should be 4 numbers (a tensor or a Lua list)' end
        local g = own.gradient_by_hand(X, 0)
        local size, predicted = {}, {}
        local gp = own.gradient_by_hand(X, 2)
        for i = 1, 4 do size[i], predicted[i] = math.abs(g[i]), math.abs(gp[i]) end
        if largest_gap(v, size) < 1e-5 then return true end
        for i = 1, 4 do
          if v[i] < 0 then
            return false, string.format('sal[%d] is %.4g, below 0: a saliency is a size, |dL/dx|; ' ..
                                        'the absolute value is missing (t:abs())', i, v[i])
          end
        end
        if largest_gap(v, predicted) < 1e-5 then
          return false, 'that is the saliency for the predicted class 2: pass {class = 0}'
        end
        return false, string.format('sal is off by up to %.3g from |dL/dx| for class 0',
                                    largest_gap(v, size))
      end,
      hints = {'nn.viz.saliency(m, x, {class = 0}).gradient is dL/dx, signed.',
               'The saliency is its absolute value: t:abs().'},
    }

    L:page [[
Simonyan, Vedaldi and Zisserman (2013), whose paper made gradient
saliency maps of CNNs known, take the gradient of the class SCORE z_c
(before the softmax) instead:
    S_c = dz_c/dx
nnstep's -dL/dx = dz_c/dx - sum_k p_k dz_k/dx: the score gradient minus
the probability-weighted mean of every class's. They differ because
raising z_c is not enough to raise p(c) if it raises the other scores as
much. For this linear model dz_k/dx_i = W[i][k], so Simonyan's map of
class c is just column c of W: the same for every input x. nnstep's
depends on x through p, and shrinks as p(c) nears 1: when the model is
sure, no small change moves its loss much.]]
    L:run([[
-- Simonyan's class-score gradient of class c (0..2) for this linear model
function score_gradient(c)
  local g = {}
  for i = 1, 4 do g[i] = W[i][c + 1] end
  return g
end
-- -dL/dx = dz_c/dx - sum_k p_k dz_k/dx, at input x
function minus_gradient_from_scores(x, c)
  local p, g = probabilities(x), {}
  for i = 1, 4 do
    g[i] = W[i][c + 1]
    for k = 1, 3 do g[i] = g[i] - p[k] * W[i][k] end
  end
  return g
end
]])
    L:try('score_gradient(2), minus_gradient_from_scores(x, 2)',
          "Class 2's score gradient (W's column 3), and -dL/dx built from the scores ...")
    L:try('s.gradient', '... which is minus the engine\'s dL/dx.')
    L:try('nn.viz.saliency(m, x * 3, {class = 2}).probability, nn.viz.saliency(m, x * 3, {class = 2}).gradient',
          'Three times x: p(2) nearer 1, and a smaller gradient; the score gradient\n' ..
          'stays W\'s column.')
    do
      local x3 = {}
      for i = 1, 4 do x3[i] = 3 * X[i] end
      local minus = L.env.minus_gradient_from_scores(X, 2)
      for i = 1, 4 do
        L:check(math.abs(minus[i] + L.env.s.gradient[i]) < 1e-6, '-dL/dx is the score gradient minus the weighted mean')
      end
      local g1, g3 = own.gradient_by_hand(X, 2), own.gradient_by_hand(x3, 2)
      local n1, n3 = 0, 0
      for i = 1, 4 do n1, n3 = n1 + math.abs(g1[i]), n3 + math.abs(g3[i]) end
      L:check(own.probabilities(x3)[3] > own.probabilities(X)[3] and n3 < n1,
              'at 3x, p(2) is larger and the saliency smaller')
    end

    -- ---- the CNN ----
    L:page [[
Now the reference CNN of lesson 9 (Conv2D, MaxPool, Conv2D, MaxPool,
Flatten, Dense, Dense softmax), pretrained on all of Fashion-MNIST. The
formula is the same chain rule, through every layer: the engine's
backward pass gives dL/dx for each of the 28x28 pixels. The lesson looks
at the first 300 test images, finds the ones the CNN gets wrong, and
asks each time: what did it look at?]]
    if not pcall(nn.pretrained, 'fashion_cnn') then
      print('(the trained models are not installed here, so the rest is skipped;')
      print(' scripts/pretrain.lua makes them)')
      return
    end
    L:try('train, test = nn.datasets.fashion_mnist()', 'The data, as in lesson 9.')
    L:run('if not (train and test) then train, test = nn.datasets.fashion_mnist() end')
    L:try("cnn = nn.pretrained('fashion_cnn')", 'The trained CNN.')
    L:run("if not cnn then cnn = nn.pretrained('fashion_cnn') end")
    L:try('cnn.class_names', 'Its class names, for labels 0..9 (name = class_names[label + 1]).')
    L:run([[
images, labels = test.x:slice(1, 300), test.y:slice(1, 300)
names = cnn.class_names
]])
    L:try('probs = cnn:predict(images)', '300 test images through it: (300, 10) probabilities.')
    L:run('probs = cnn:predict(images)')
    L:check(L:run('probs.shape[1] == 300 and probs.shape[2] == 10 and math.abs(probs[1]:sum() - 1) < 1e-5'),
            'predict gives (300, 10) probabilities, each row summing to 1')
    L:try('predicted = probs:argmax(2)', 'The most probable class of each: a position 1..10, so label + 1.')
    L:run([[
predicted = probs:argmax(2)
-- the images it gets wrong: their numbers in images (1..300)
mistakes = {}
for i = 1, 300 do
  if predicted[i] - 1 ~= labels[i] then mistakes[#mistakes + 1] = i end
end
-- one line per mistake: what it is and what the CNN called it
function show_mistakes()
  for _, i in ipairs(mistakes) do
    local truth, guess = labels[i], predicted[i] - 1
    print(string.format('image %3d: %-11s called %-11s p = %.3f', i, names[truth + 1],
                        names[guess + 1], probs[i][guess + 1]))
  end
end
]])
    L:try('#mistakes', 'How many of the 300 it gets wrong (the lesson collected them in mistakes).')
    L:try('show_mistakes()', 'What each is, and what the CNN called it.')
    local count = L:run('#mistakes')
    L:check(count >= 3 and count <= 60, 'the CNN gets a few of 300 wrong, about 1 in 10')
    -- the mistake to study: a shirt called a T-shirt if there is one, else the first
    local pick = L:run([[
for _, i in ipairs(mistakes) do
  if labels[i] == 6 and predicted[i] - 1 == 0 then return i end
end
return mistakes[1]
]])
    L:run('i = ' .. pick)
    local truth, guess = L:run('labels[i]'), L:run('predicted[i] - 1')
    local names = L.env.names
    L:page(string.format([[
Take image %d: a %s (label %d) the CNN calls a %s (label %d).
Two saliency maps ask two questions:
  class = %d (the predicted one, the default): which pixels would most
    change its confidence in "%s"?
  class = %d (the true one): which pixels would most change p(%s), that
    is, what would it take to see a %s?]],
      pick, names[truth + 1], truth, names[guess + 1], guess, guess, names[guess + 1],
      truth, names[truth + 1], names[truth + 1]))
    L:try('s_pred = nn.viz.saliency(cnn, images, {example = i})', 'The predicted class (default).')
    L:try('s_true = nn.viz.saliency(cnn, images, {example = i, class = labels[i]})', 'The true class.')
    L:run([[
s_pred = nn.viz.saliency(cnn, images, {example = i})
s_true = nn.viz.saliency(cnn, images, {example = i, class = labels[i]})
]])
    L:try('s_pred.class, s_pred.probability, s_pred.loss', 'Predicted: its p and loss -log p ...')
    L:try('s_true.class, s_true.probability, s_true.loss', '... the true class: small p, a larger loss.')
    L:try('s_pred.gradient:abs():sum(), s_true.gradient:abs():sum()',
          'The total saliency of each: how strongly the pixels pull on each loss.')
    do
      local e = L.env
      local sp, st = e.s_pred, e.s_true
      L:check(sp.class == guess and sp.predicted == guess and st.class == truth,
              'the saliency explains the predicted class by default and the true one with class =')
      L:check(math.abs(sp.probability - e.probs[pick][guess + 1]) < 1e-6 and
              math.abs(st.probability - e.probs[pick][truth + 1]) < 1e-6,
              "saliency's probabilities are the CNN's predictions")
      L:check(st.loss > sp.loss and math.abs(st.loss + math.log(st.probability)) < 1e-6,
              'the true class has the larger loss, -log p')
      L:check(sp.gradient.shape[1] == 28 and sp.gradient.shape[2] == 28 and sp.gradient.shape[3] == 1,
              'the gradient has the image\'s shape (28, 28, 1)')
    end

    L:page [[
Is dL/dx really "how much the loss changes"? Take the pixel where the
true class's |dL/dx| is largest and make it a little brighter: the loss
should change by about dL/dx times the change. The lesson's
loss_after(class, row, col, d) adds d to pixel (row, col) of a copy of
image i and returns -log p(class) from a fresh prediction.]]
    L:run([[
function loss_after(class, row, col, d)
  local copy = images:slice(i, i):clone()
  copy[1][row][col][1] = copy[1][row][col][1] + d
  return -math.log(cnn:predict(copy)[1][class + 1])
end
-- the pixel with the largest |dL/dx| for the true class
local top = s_true.gradient:abs():argmax()   -- flat position 1..784
row, col = (top - 1) // 28 + 1, (top - 1) % 28 + 1
g = s_true.gradient[row][col][1]
]])
    L:try('row, col, g', 'That pixel, and dL/dx there (true class).')
    local real_after = L:run('loss_after(labels[i], row, col, 0.01)')
    L:exercise{
      prompt = 'Predict the true class\'s loss after adding 0.01 to pixel (row, col):\n' ..
               'set L_new from s_true.loss and g (first order, no new prediction).',
      answer = 'L_new = s_true.loss + 0.01 * g',
      wrong = 'L_new = s_true.loss - 0.01 * g',
      check = function(env)
        local base, g = env.s_true.loss, env.g
        local v = env.L_new
        if v == nil then return false, 'still waiting for L_new = ...' end
        if type(v) ~= 'number' then return false, 'L_new should be a number' end
        local right = base + 0.01 * g
        if math.abs(v - right) < 1e-9 then return true end
        if math.abs(v - (base - 0.01 * g)) < 1e-9 then
          return false, 'a sign error: the loss moves WITH the gradient, L + 0.01 * dL/dx ' ..
                        '(g < 0 means the loss falls); minus is the step of gradient descent'
        end
        if math.abs(v - (base + g)) < 1e-9 then
          return false, 'that adds g itself: the change is 0.01, so the loss moves by 0.01 * g'
        end
        if math.abs(v - real_after) < 1e-9 then
          return false, 'that is the real loss after the change, from a new prediction; the ' ..
                        'exercise asks for the estimate from the slope: L + 0.01 * g'
        end
        if math.abs(v - 0.01 * g) < 1e-9 then
          return false, 'that is only the change, 0.01 * g: add it to the loss s_true.loss'
        end
        return false, string.format('L_new is off by %.3g from L + 0.01 * dL/dx', v - right)
      end,
      hints = {'A small change d of x changes L by about d * dL/dx.',
               'L_new = s_true.loss + 0.01 * g'},
    }
    L:try('loss_after(labels[i], row, col, 0.01)', 'The real loss after the change: nearly the same.')
    do
      local e = L.env
      local real = e.loss_after(truth, e.row, e.col, 0.01)
      local central = (e.loss_after(truth, e.row, e.col, 1e-4) - e.loss_after(truth, e.row, e.col, -1e-4)) / 2e-4
      L:check(math.abs(central - e.g) < 1e-3 * math.max(1, math.abs(e.g)),
              'dL/dx matches the central difference of the loss at that pixel')
      L:check(math.abs(real - (e.s_true.loss + 0.01 * e.g)) < 0.2 * math.abs(0.01 * e.g) + 1e-6,
              'the first-order prediction is close to the real loss after the change')
    end

    L:page(string.format([[
Look at the two maps, one after the other (the saliency view draws them next:
the image on the left, |dL/dx| on the right, the largest values listed
underneath). They are the same picture, only brighter for %s. Why?
Write a = %s, b = %s. The chain rule through the softmax gives
    dL_c/dx = -(dz_c/dx - sum_k p_k dz_k/dx)
Here only a and b have any probability (p_a + p_b = %.4f), so
    dL_a/dx = -p_b (dz_a/dx - dz_b/dx)
    dL_b/dx =  p_a (dz_a/dx - dz_b/dx)
Both are the gradient of z_a - z_b, the evidence that tells the two apart:
"why %s" and "why not %s" have one answer. (Simonyan's map of a,
dz_a/dx, is not this: it leaves z_b out.)]],
      names[truth + 1], names[guess + 1], names[truth + 1], L.env.s_pred.probability + L.env.s_true.probability,
      names[guess + 1], names[truth + 1]))
    L:exercise{
      prompt = 'From the two formulas: s_true.gradient = k * s_pred.gradient for which\n' ..
               'number k? Set k (from s_pred.probability and s_true.probability).',
      answer = 'k = -s_pred.probability / s_true.probability',
      wrong = 'k = s_pred.probability / s_true.probability',
      check = function(env)
        local sp, st, k = env.s_pred, env.s_true, env.k
        if k == nil then return false, 'still waiting for k = ...' end
        if type(k) ~= 'number' then return false, 'k should be a number' end
        local right = -sp.probability / st.probability
        local function near(v) return math.abs(k - v) < 0.01 * math.abs(v) end
        if near(right) then return true end
        if near(-right) then
          return false, 'the size is right but the sign is not: a pixel that raises p_a lowers ' ..
                        'p_b, so the two gradients point opposite ways (k < 0)'
        end
        if near(1 / right) then
          return false, 'that ratio is upside down: dL_b/dx carries p_a and dL_a/dx carries p_b, ' ..
                        'so k = -p_a / p_b with a the predicted class'
        end
        if near(-1 / right) then
          return false, 'upside down and the wrong sign: k = -(predicted p) / (true p)'
        end
        return false, string.format('k = %.4g is off by %.3g from the ratio of the two gradients',
                                    k, k - right)
      end,
      hints = {'Divide the second formula by the first: the bracket cancels.',
               'dL_b/dx / dL_a/dx = p_a / (-p_b), with a the predicted class and b the true one.'},
    }
    L:try('(s_true.gradient - k * s_pred.gradient):abs():max(), s_true.gradient:abs():max()',
          'What the formula leaves over, beside the largest value: tiny (the other\n' ..
          '8 classes have a little probability too).')
    do
      local e = L.env
      local k = -e.s_pred.probability / e.s_true.probability
      local left = (e.s_true.gradient - e.s_pred.gradient * k):abs():max()
      L:check(e.s_pred.probability + e.s_true.probability > 0.99,
              'only the predicted and the true class have probability here')
      L:check(left < 0.01 * e.s_true.gradient:abs():max(),
              'the true class\'s gradient is -p_a/p_b times the predicted one\'s, within 1%')
    end
    -- w in the saliency view shows the feature maps of the model's last
    -- forward batch: make it the 300 images (the check above ran a copy of
    -- one image, a pixel changed by 1e-4), so they are example pick's maps
    L:run('probs = cnn:predict(images, {batch_size = 300})')
    L:check(L.env.cnn.layers[1].output.shape[1] == 300,
            "the cnn's last batch is the 300 images: w shows example " .. pick .. "'s feature maps")
    L:view('saliency', {model = L.env.cnn, x = L.env.images, example = pick})
    L:view('saliency', {model = L.env.cnn, x = L.env.images, example = pick, class = truth})

    L:run([[
-- the share of a saliency map's total on the garment (pixels brighter
-- than 0.1), the rest being on the dark background around it
function share_on_garment(s)
  local on, total = 0, 0
  for r = 1, 28 do
    for c = 1, 28 do
      local v = math.abs(s.gradient[r][c][1])
      total = total + v
      if images[i][r][c][1] > 0.1 then on = on + v end
    end
  end
  return on / total
end
]])
    local share = L:run('share_on_garment(s_true)')
    local dark = L:run('images[i][row][col][1]')
    L:page(string.format([[
Where are they bright? Not only on the garment: share_on_garment(s) finds
that %.0f%% of the map's total is on pixels brighter than 0.1, and the
largest value, pixel (%d, %d), has brightness %.2f, with the garment
within two pixels of it. A dark pixel next to the outline can matter
because brightening it changes the garment's outline, its shape, and a
shirt and a T-shirt differ in shape (collar, sleeves, length).]],
      100 * share, L.env.row, L.env.col, dark))
    L:check(dark <= 0.1 and L:run([[
for r = math.max(1, row - 2), math.min(28, row + 2) do
  for c = math.max(1, col - 2), math.min(28, col + 2) do
    if images[i][r][c][1] > 0.1 then return true end
  end
end
return false]]), 'the largest saliency is on a dark pixel next to the garment')
    L:try('share_on_garment(s_true)', 'The share of the saliency on the garment itself.')
    L:check(share > 0.2 and share < 0.8, 'the saliency is partly on the garment, partly off it')

    L:page [[
In the visualizer the way in is the predictions view: it shows a few
examples, each with its most probable classes; [ and ] choose another
example, and w ("why") opens the saliency view on it (w again: its
feature maps). The
view shows the model's last batch, and predict cut the 300 images into
batches of 32; so the lesson runs them once more as ONE batch,
cnn:predict(images, {batch_size = 300}), and opens the view on the
mistake above: press w. Then ] to the next images, and w on another
mistake (show_mistakes() lists them).]]
    L:run('probs = cnn:predict(images, {batch_size = 300})')
    L:view('predictions', {model = L.env.cnn, example = pick})

    L:page [[
What a saliency map does not say: it is a local, first-order answer, the
slope at this image. It says which pixels a SMALL change would matter
for, not which parts the network "understands"; a pixel can matter a lot
in a map and still need a large change to flip the class. And its two
flavours answer different questions: Simonyan's dz_c/dx ignores the other
classes, nnstep's dL/dx = -(dz_c/dx - sum_k p_k dz_k/dx) counts what the
change does to them too, and fades when the model is already sure.]]
  end,
}
