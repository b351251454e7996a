-- Lesson 13: vanishing and exploding gradients. Three 8-layer networks with
-- the same starting weights: sigmoid (the gradient shrinks about fourfold per
-- layer on its way down), tanh and ReLU (it does not), and ReLU with its
-- weights tripled (it explodes). Per-layer gradient norms are read after one
-- debugged training step (d:finish(), then m.layers[i].grad.kernel:norm())
-- and seen in the gradients view.
return {
  title = 'Vanishing and exploding gradients',
  minutes = 12,
  group = 'practice',
  requires = {5},
  run = function(L)
    L:page [[
Backpropagation works down from the loss, one layer at a time (lesson 5).
At each layer the gradient is multiplied by that layer's weights and by the
derivative of its activation. Down a deep network it is a product of many
such factors, and products of many numbers misbehave:

  - factors below 1: the product shrinks towards 0, and the first layers
    hardly learn at all. That is a vanishing gradient.
  - factors above 1: the product grows without bound, and one update
    throws the weights far away. That is an exploding gradient.

The sigmoid's derivative is at most 0.25 (at 0), so every sigmoid layer
tends to divide the gradient by 4 or more. Let us measure it.]]

    L:run([[
train = nn.datasets.fashion_mnist()
x = train.x:slice(1, 64)
y = nn.utils.to_categorical(train.y:slice(1, 64), 10)
-- a deep network: Flatten, `depth` Dense layers of 32 units, a softmax.
-- Every call starts from the same weights (nn.seed), whatever the activation.
function deep(activation, depth, initializer)
  nn.seed(13)
  local m = nn.Sequential()
  m:add(nn.Flatten({input_shape = {28, 28, 1}}))
  for _ = 1, depth do
    m:add(nn.Dense(32, {activation = activation, kernel_initializer = initializer}))
  end
  m:add(nn.Dense(10, {activation = 'softmax'}))
  m:compile{optimizer = 'sgd', loss = 'categorical_crossentropy'}
  return m
end
-- per Dense layer, from the input side up: the size of its kernel's
-- gradient, of the gradient arriving at its output, and of its output
function norms(m)
  print('layer     |dL/dkernel|  |dL/doutput|    |output|')
  for i = 2, #m.layers do
    local l = m.layers[i]
    print(string.format('%-8s %12.2e  %12.2e  %10.2e', l.name, l.grad.kernel:norm(),
                        l.grad_output:norm(), l.output:norm()))
  end
end
]])
    L:page [=[
The lesson has loaded 64 Fashion-MNIST images (x, y) and made a function
deep(activation, depth): Flatten, then depth Dense layers of 32 units with
that activation, then Dense(10, softmax), compiled with SGD. Every network
it makes starts from the same random weights, so the activation is the
only difference.]=]
    L:try("ms = deep('sigmoid', 8)", 'Eight sigmoid layers.')
    L:run("if not ms then ms = deep('sigmoid', 8) end")
    L:try('ms:summary()', 'dense_1 is nearest the input, dense_9 the softmax output.')
    L:try('d = nn.debug(ms, x, y)', 'One training step on the 64 images ...')
    L:try('d:finish()', '... run to its end: every layer now has its gradient.')
    L:run('if not (d and d.model == ms and d.stepper.done) then d = nn.debug(ms, x, y); d:finish() end')
    L:try("for i = 2, #ms.layers do print(ms.layers[i].name, ms.layers[i].grad.kernel:norm()) end",
          'The size (norm: the square root of the sum of squares) of each Dense\n' ..
          'layer\'s kernel gradient. Layer 1 is the Flatten, which has none.')
    L:try('norms(ms)', 'The same, tidier, by a helper the lesson made: norms(model). Its second\n' ..
          'column is the gradient arriving at each layer\'s output, dL/d(output), the\n' ..
          'quantity that is passed down and multiplied at each layer; the third is the\n' ..
          'size of each layer\'s output (the signal going up).')
    do
      local first = L:run('ms.layers[2].grad.kernel:norm()')
      local last = L:run('ms.layers[10].grad.kernel:norm()')
      L:check(first < 1e-3 * last, 'in the sigmoid network dense_1\'s gradient is over 1000 times smaller than dense_9\'s')
    end
    L:page [[
Read the first two columns from the bottom (the output) up: each layer's
gradient is a few times smaller than the one above it. dense_1 gets
thousands of times less than the top: an update of the same learning rate
barely moves it. The signal going up (third column) keeps its size: it is
only the gradient that vanishes. The gradients view draws the gradient
norms on a log scale; the bars shrink towards the input. (Its |dL/dW|
counts each layer's bias with its kernel, so it can be larger than the
first column of norms.)]]
    L:view('gradients', {model = L.env.ms})
    L:exercise{
      prompt = 'By how much does the gradient shrink from dense_5 to\n' ..
               'dense_4 in ms? Set r to dense_5\'s kernel gradient norm divided by\n' ..
               'dense_4\'s (ms.layers[6] is dense_5).',
      answer = 'r = ms.layers[6].grad.kernel:norm() / ms.layers[5].grad.kernel:norm()',
      wrong = {'r = ms.layers[5].grad.kernel:norm() / ms.layers[6].grad.kernel:norm()',  -- inverted
               'r = ms.layers[5].grad.kernel:norm() / ms.layers[4].grad.kernel:norm()',  -- forgot the Flatten
               'r = ms.layers[6].grad_output:norm() / ms.layers[5].grad_output:norm()'}, -- dL/doutput, not dL/dkernel
      check = function(env)
        local m = env.ms
        if not m then return false, "ms is gone: make it again with ms = deep('sigmoid', 8) and run a step" end
        if env.r == nil then return false, 'still waiting for r = ... (a number: one norm divided by another)' end
        if type(env.r) ~= 'number' then return false, 'r should be a number, not a ' .. type(env.r) end
        local function norm(i) return m.layers[i].grad.kernel:norm() end
        local want = norm(6) / norm(5)
        local function near(v) return math.abs(env.r - v) <= 1e-6 * math.abs(v) end
        if near(want) then return true end
        if near(1 / want) then
          return false, string.format('that is inverted: dense_4 over dense_5, %.3g, below 1', env.r),
                 'The upper layer (dense_5, nearer the output) goes on top: r = |dense_5| / |dense_4|.'
        end
        if near(norm(5) / norm(4)) or near(norm(7) / norm(6)) then
          return false, string.format('one layer off: that is %s over %s', near(norm(5) / norm(4)) and
                 'dense_4' or 'dense_6', near(norm(5) / norm(4)) and 'dense_3' or 'dense_5'),
                 'ms.layers[1] is the Flatten, so dense_i is ms.layers[i + 1]: dense_5 is ms.layers[6].'
        end
        if near(norm(6) - norm(5)) or near(norm(5) - norm(6)) then
          return false, string.format('%.3g is a difference of the two norms; the factor is their ratio (divide)', env.r),
                 'r = ms.layers[6].grad.kernel:norm() / ms.layers[5].grad.kernel:norm(): how many times larger.'
        end
        if near(m.layers[6].grad_output:norm() / m.layers[5].grad_output:norm()) then
          return false, 'that is the ratio of dL/d(output), the second column of norms; the exercise asks for the kernel gradients (grad.kernel)',
                 'ms.layers[6].grad.kernel:norm() is dense_5\'s kernel gradient norm.'
        end
        return false, string.format('off by %.3g (%.3g; want dense_5\'s kernel gradient norm / dense_4\'s)',
                                    env.r - want, env.r)
      end,
      hints = {'Layer i + 1 of ms is dense_i, because layer 1 is the Flatten.',
               'dense_5 is ms.layers[6], dense_4 is ms.layers[5]; the upper one on top.',
               'r = ms.layers[6].grad.kernel:norm() / ms.layers[5].grad.kernel:norm()'},
    }
    L:check(L:run('r') > 2, 'each sigmoid layer shrinks the gradient by a factor of more than 2')
    L:try('r', 'The factor for one sigmoid layer: not far from 4.')

    L:page [[
ReLU's derivative is exactly 1 wherever the unit is active (and 0 where it
is not): it does not shrink the gradient that passes through. The same
network, same starting weights, with ReLU:]]
    L:try("mr = deep('relu', 8); d = nn.debug(mr, x, y); d:finish()", 'Build it and run one step.')
    L:run("if not (mr and d.model == mr and d.stepper.done) then mr = deep('relu', 8); d = nn.debug(mr, x, y); d:finish() end")
    L:try('norms(mr)', 'Its kernel gradients: about the same size all the way down.')
    do
      local first = L:run('mr.layers[2].grad.kernel:norm()')
      local last = L:run('mr.layers[10].grad.kernel:norm()')
      L:check(first > 0.1 * last, 'in the ReLU network dense_1 gets a gradient of the same order as dense_9')
      L:check(first > 100 * L:run('ms.layers[2].grad.kernel:norm()'),
              'ReLU gives the first layer a far larger gradient than sigmoid')
    end
    L:view('gradients', {model = L.env.mr})
    L:page [[
Look closer at the second column for ReLU: dL/d(output) still shrinks a
little on its way down, about 1.4 times per layer. The weights do that:
glorot_uniform sizes them for units that pass on everything, but a ReLU
passes on only the positive half. Keras's he_normal initializer makes the
weights about sqrt(2) times larger here to make up for it; deep takes the
name of an initializer as a third argument.]]
    do  -- the page's 1.4: the geometric mean of dL/d(output)'s factor from dense_8 down to dense_1
      local per_layer = L:run('(mr.layers[2].grad_output:norm() / mr.layers[9].grad_output:norm()) ^ (-1 / 7)')
      L:check(per_layer > 1.3 and per_layer < 1.55,
              string.format('with ReLU and glorot_uniform dL/d(output) shrinks about 1.4 times per layer (%.3f)', per_layer))
    end
    L:try("mh = deep('relu', 8, 'he_normal'); d = nn.debug(mh, x, y); d:finish()",
          'ReLU with he_normal weights, one training step.')
    L:run("if not (mh and d.model == mh and d.stepper.done) then mh = deep('relu', 8, 'he_normal'); d = nn.debug(mh, x, y); d:finish() end")
    L:try('norms(mh)', 'dL/d(output) now keeps its size much better on the way down.')
    L:check(L:run('mh.layers[2].grad_output:norm() / mh.layers[9].grad_output:norm()') >
            2 * L:run('mr.layers[2].grad_output:norm() / mr.layers[9].grad_output:norm()'),
            'he_normal keeps the gradient flowing through ReLU layers better than glorot_uniform')

    L:exercise{
      prompt = 'tanh\'s derivative is at most 1 (at 0), four times sigmoid\'s. Build\n' ..
               "mt = deep('tanh', 8), run one training step on x, y with the debugger, and\n" ..
               'set g_tanh to the kernel gradient norm of its first Dense layer.',
      answer = "mt = deep('tanh', 8); dt = nn.debug(mt, x, y); dt:finish(); g_tanh = mt.layers[2].grad.kernel:norm()",
      wrong = {'g_tanh = ms.layers[2].grad.kernel:norm()',  -- the sigmoid network's
               "mt = deep('tanh', 8); g_tanh = mt.layers[2].grad.kernel:norm()",  -- no training step yet
               "mt = deep('tanh', 8); dt = nn.debug(mt, x, y); dt:finish(); g_tanh = mt.layers[10].grad.kernel:norm()"},  -- the top layer
      check = function(env)
        local g = env.g_tanh
        if g == nil then return false, 'still waiting for g_tanh = ... (a number: a gradient norm)' end
        if type(g) ~= 'number' then return false, 'g_tanh should be a number, not a ' .. type(g) end
        local probe = env.deep('tanh', 8)
        local s = nn.stepper(probe, env.x, env.y)
        s:finish()
        local want = probe.layers[2].grad.kernel:norm()
        local function near(v) return math.abs(g - v) <= 1e-5 * math.abs(v) end
        if near(want) then return true end
        if g == 0 then
          return false, 'g_tanh is 0: a new model has no gradient until a training step has run',
                 "Run one step first: dt = nn.debug(mt, x, y); dt:finish(); then read mt.layers[2].grad.kernel:norm()."
        end
        local function norm_of(name, i)
          local m = env[name]
          return m and m.layers and m.layers[i] and m.layers[i].grad and m.layers[i].grad.kernel and m.layers[i].grad.kernel:norm()
        end
        for _, other in ipairs{{'ms', 'sigmoid'}, {'mr', 'ReLU'}, {'mh', 'ReLU he_normal'}, {'mx', 'tripled ReLU'}} do
          local v = norm_of(other[1], 2)
          if v and near(v) then
            return false, 'that is the ' .. other[2] .. ' network\'s (' .. other[1] .. ') first layer, not the tanh network\'s',
                   "Build the tanh network first: mt = deep('tanh', 8)."
          end
        end
        local top = probe.layers[10].grad.kernel:norm()
        if near(top) then
          return false, 'that is dense_9\'s, the softmax layer at the top; the first Dense layer is layers[2]',
                 'layers[1] is the Flatten; dense_1, nearest the input, is mt.layers[2].'
        end
        if near(probe.layers[2].kernel:norm()) then
          return false, 'that is the norm of the kernel itself, not of its gradient (grad.kernel)'
        end
        return false, string.format('off by %.3g (%.3g, a ratio of %.3g to the first Dense layer\'s kernel gradient norm)',
                                    g - want, g, g / want)
      end,
      hints = {"As for mr: mt = deep('tanh', 8), then dt = nn.debug(mt, x, y) and dt:finish().",
               'dense_1 is mt.layers[2]; its kernel gradient is mt.layers[2].grad.kernel.',
               "mt = deep('tanh', 8); dt = nn.debug(mt, x, y); dt:finish(); g_tanh = mt.layers[2].grad.kernel:norm()"},
    }
    L:try('norms(mt)', 'tanh: no vanishing over these 8 layers either.')
    L:check(L:run('g_tanh') > 100 * L:run('ms.layers[2].grad.kernel:norm()'),
            'tanh passes a far larger gradient to the first layer than sigmoid')

    L:page [[
Now the other way. Keras's default initializer (glorot_uniform) picks
weights of about the right size to keep signals from growing or shrinking
much from layer to layer. Make every weight 3 times larger and each ReLU
layer multiplies the signal, forward, and the gradient, backward, by about
2: over 8 layers that is about 2^8 = 256. The lesson's scale(m, k)
multiplies every hidden kernel of m by k in place (kernel:copy(kernel * k)).]]
    L:run([[
function scale(m, k)
  for i = 2, #m.layers - 1 do
    local kernel = m.layers[i].kernel
    kernel:copy(kernel * k)
  end
end
]])
    L:try("mx = deep('relu', 8); scale(mx, 3); d = nn.debug(mx, x, y); d:finish()",
          'The ReLU network with its hidden weights tripled, one training step.')
    L:run("if not (mx and d.model == mx and d.stepper.done) then mx = deep('relu', 8); scale(mx, 3); d = nn.debug(mx, x, y); d:finish() end")
    L:try('norms(mx)', 'Kernel gradients in the hundreds, where the same network had hundredths.\n' ..
          'dL/d(output) doubles at each layer on its way down, and the outputs double\n' ..
          'at each layer on their way up.')
    do  -- the try's words: hundreds vs hundredths, doubling per layer both ways
      local grad_up = L:run('(mx.layers[2].grad_output:norm() / mx.layers[9].grad_output:norm()) ^ (1 / 7)')
      local out_up = L:run('(mx.layers[9].output:norm() / mx.layers[2].output:norm()) ^ (1 / 7)')
      L:check(grad_up > 1.7 and grad_up < 2.4 and out_up > 1.7 and out_up < 2.4,
              string.format('tripled: dL/d(output) grows %.2f times per layer down, the outputs %.2f times up', grad_up, out_up))
      for i = 2, 10 do
        L:check(L:run('mx.layers[' .. i .. '].grad.kernel:norm()') > 100 and
                L:run('mr.layers[' .. i .. '].grad.kernel:norm()') < 0.1,
                'kernel gradients in the hundreds (mx), where mr has hundredths')
      end
    end
    L:try('d.stepper.loss', 'And the loss: the softmax is sure of itself, and often wrong.')
    L:check(L:run('mx.layers[2].grad.kernel:norm()') > 1000 * L:run('mr.layers[2].grad.kernel:norm()'),
            'tripling the weights of 8 ReLU layers makes the first layer\'s gradient explode')
    L:check(L:run('mx.layers[2].grad_output:norm()') > 50 * L:run('mx.layers[10].grad_output:norm()'),
            'in the exploding network the gradient grows on its way down')
    L:check(L:run('mx.layers[9].output:norm()') > 50 * L:run('mx.layers[2].output:norm()'),
            'and the signal grows on its way up')
    L:page [[
In the gradients view look at the last column, update/|W|: how much one
update changed each layer's weights, relative to their size. A healthy
training step changes weights by a thousandth or less; here a single step
changes them by tenths. Training like this jumps about or overflows to
infinity (nnstep stops fit at the first NaN or infinity and names the layer).]]
    L:view('gradients', {model = L.env.mx})
    L:check(L:run('mx.layers[2].grad.kernel:norm() * 0.01 / mx.layers[2].kernel:norm()') > 0.05,
            'one SGD step changes the exploding network\'s first layer by more than 5%')

    L:page [[
What to remember:

  - a gradient deep in a network is a product of one factor per layer
    above it; many factors below 1 vanish, many above 1 explode;
  - sigmoid layers shrink it about fourfold each: deep sigmoid networks
    hardly train their first layers. ReLU and tanh shrink it far less;
  - the size of the starting weights matters as much: Keras's glorot and
    he initializers are chosen to keep the factors near 1;
  - in recurrent networks the "layers" are timesteps: the same product
    over T steps. The LSTM's forget gate (lesson 11) gives the gradient a
    path along the cell that is multiplied only by f, near 1.

Next, lesson 14: when the network learns its training set too well.]]
  end,
}
