-- Lesson 9: the reference CNN on Fashion-MNIST (Conv2D 32, MaxPool, Conv2D
-- 64, MaxPool, Flatten, Dense 64, Dense 10): first the pretrained one
-- (nn.pretrained: its kernels and feature maps), then trained live, then one training
-- step taken apart with the debugger: the forward pass, the loss by hand,
-- the backward pass (the last layer's bias gradient by hand, a conv weight
-- explained), a breakpoint, the update and going back.
-- The line that starts the learner's debugger d on m, which the lesson runs
-- again (saying so) when d is not a debugger of m any more: L:debugger_to.
local DEBUG = 'd = nn.debug(m, xb, yb)'

local function is_number(v) return type(v) == 'number' and v == v end

-- exercise: the class name of training image 3
local function check_name3(env)
  local tr = env.train
  if not tr then return false, 'train is gone: train, test = nn.datasets.fashion_mnist()' end
  local label = tr.y[3]
  local want = tr.class_names[label + 1]
  local v = env.name3
  if v == want then return true end
  if v == nil then
    return false, string.format('name3 is nil. Image 3 has label %d, and train.class_names[%d] is' ..
      ' nil when the label is 0: Lua lists start at 1', label, label),
      'Labels count from 0 and Lua lists from 1: the name of label k is class_names[k + 1].'
  end
  if type(v) == 'number' then
    return false, string.format('name3 is the number %g; the exercise wants the class name, a' ..
      ' string from train.class_names', v), 'train.class_names[...] turns a label into its name.'
  end
  if v == tr.class_names[label] then
    return false, string.format("'%s' is the name of label %d, one before image 3's label %d:" ..
      ' labels count from 0, Lua lists from 1', v, label - 1, label),
      'Add 1 to the label before looking it up.'
  end
  if v == tr.class_names[3] then
    return false, string.format("'%s' is class_names[3], the class with label 2; image 3 has" ..
      ' label %d: look up train.y[3] + 1', v, label), 'The label of image 3 is train.y[3].'
  end
  return false, string.format("name3 is %s; image 3 has label %d, whose name is neither that",
                              tostring(v), label)
end

-- exercise: the parameter count of conv2d_2 (3x3 over 32 channels, 64 filters)
local function check_p2(env)
  local want = env.m:get_layer('conv2d_2'):count_params()  -- 18,496
  local v = env.p2
  if v == nil then return false, 'still waiting for p2 = ... (Lua does the arithmetic)' end
  if not is_number(v) then return false, 'p2 should be a number, not ' .. type(v) end
  if v == want then return true end
  if v == 3 * 3 * 64 + 64 then
    return false, '640 leaves out the 32 input channels: each filter has a 3x3 weight for' ..
      ' every channel conv2d_1 made', 'A filter is 3 x 3 x 32 weights: it reads all 32 maps.'
  end
  if v == 3 * 3 * 32 * 64 then
    return false, '18432 counts the weights only: each of the 64 filters also has a bias',
      'Add one bias per filter.'
  end
  if v == 3 * 3 * 32 * 64 + 32 then
    return false, 'one bias per filter (64), not per input channel (32)',
      'Biases: one per filter, as many as output maps.'
  end
  if v == 3 * 3 * 1 * 32 + 32 then
    return false, "320 is conv2d_1's count (one input channel, 32 filters); conv2d_2 reads 32" ..
      ' channels with 64 filters'
  end
  return false, string.format('p2 is %g, off by %g', v, v - want)
end

-- exercise: the loss of example 2 (a T-shirt, label 0)
local function check_loss2(env)
  local probs, tr = env.m.layers[7].output, env.train
  local label = tr.y[2]
  local want = -math.log(probs[2][label + 1])
  local v = env.loss2
  if v == nil then return false, 'still waiting for loss2 = -math.log(...)' end
  if not is_number(v) then return false, 'loss2 should be a number, not ' .. type(v) end
  if math.abs(v - want) < 1e-5 then return true end
  if math.abs(v + want) < 1e-5 then
    return false, string.format('loss2 is %.4f: the sign is flipped. log of a probability is' ..
      ' negative; the loss is minus it', v), 'loss2 = -math.log(...): mind the minus.'
  end
  if math.abs(v - probs[2][label + 1]) < 1e-6 then
    return false, 'that is the probability itself; the loss is -math.log of it'
  end
  if math.abs(v - -math.log(probs[1][label + 1])) < 1e-5 then
    return false, "that is from p[1], example 1's row; example 2 is p[2]"
  end
  if env.d and math.abs(v - env.d.stepper.loss) < 1e-6 then
    return false, "that is the batch's loss, the mean over 32 examples; the exercise wants" ..
      " example 2's alone", "Example 2's row is p[2]; its true class is at position train.y[2] + 1."
  end
  for k = 1, 10 do
    if k ~= label + 1 and math.abs(v - -math.log(probs[2][k])) < 1e-5 then
      return false, string.format('that is -log(p[2][%d]), the probability of class %d; the true' ..
        ' class, label %d, is at position %d', k, k - 1, label, label + 1),
        'Labels count from 0, Lua lists from 1.'
    end
  end
  return false, string.format('loss2 is %.4f, off by %.4f', v, v - want)
end

-- exercise: stop before conv2d_2's backward pass. The debugger starts at
-- `start` (before dense_1's backward); a learner who runs past the place
-- is put back there, and told so, to try again.
local function check_at_conv2d_2(L, start)
  return function(env)
    local d = env.d
    local ok, e = pcall(function() return d.stepper:peek() end)
    if not ok then return false, 'd is not a debugger any more: d = nn.debug(m, xb, yb) starts one' end
    if e and e.layer == 'conv2d_2' and e.phase == 'backward' then return true end
    local here = L.debugger_place(d)
    local program = d.stepper:program()
    if program[d.stepper.position + 1] == start then
      return false, 'the debugger has not moved: it is still at ' .. here ..
        '. break_at only sets the breakpoint; d:continue() runs to it',
        "d:continue() runs until the breakpoint: d:break_at('conv2d_2 backward'); d:continue()"
    end
    local why = e and e.phase == 'backward' and
      (e.layer .. "'s backward pass is past conv2d_2's: the backward pass runs from the last" ..
       ' layer to the first') or
      "the place was never reached: conv2d_2's forward pass was already done, and a" ..
      " breakpoint on the backward pass needs 'conv2d_2 backward'"
    local removed = ''
    for i = #d.breakpoints, 1, -1 do  -- the breakpoint it stopped at would stop it there again
      local b = d.breakpoints[i]
      if e and b.layer == e.layer and (b.phase == nil or b.phase == e.phase) then
        removed = removed .. string.format(" (breakpoint %d, '%s', is removed)", b.id, b.spec)
        table.remove(d.breakpoints, i)
      end
    end
    L:debugger_to(start, DEBUG)
    return false, 'the debugger ran on to ' .. here .. ': ' .. why .. '. The lesson moved it' ..
      ' back' .. removed .. ': try again',
      "A place is a layer name and a phase: break_at('conv2d_2 backward'), then d:continue()."
  end
end

return {
  title = 'The reference CNN on Fashion-MNIST, trained and stepped',
  minutes = 15,
  group = 'CNN',
  requires = {8},
  run = function(L)
    -- unattended (make check) trains on a few hundred images only
    local n, n_test
    if L.auto then n, n_test = 500, 500 else n, n_test = 60000, 10000 end

    L:page [[
Fashion-MNIST is 70,000 small grayscale pictures of clothes, 28x28 pixels,
in 10 classes (T-shirt, trouser, pullover, dress, coat, sandal, shirt,
sneaker, bag, ankle boot): 60,000 to train on and 10,000 to test on. This
lesson builds the reference CNN, a classic Keras convolutional network for
it, trains it, and then takes it apart one training step at a time.]]

    L:try('train, test = nn.datasets.fashion_mnist()',
          "Load it in nnstep's ready form: pixels scaled to 0..1, with a channel axis.")
    L:run('if not (train and test) then train, test = nn.datasets.fashion_mnist() end')
    L:try('train.x.shape', 'Images: (examples, height, width, channels), pixels from 0 to 1.')
    L:page [[
A Keras tutorial loads the same files in another form:
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    x_train = x_train / 255.0
load_data() gives the pixels as stored, whole numbers 0..255, in
(60000, 28, 28), and the labels as class ids; the tutorial scales them
itself. nnstep has that form too: nn.datasets.fashion_mnist.load_data()
returns the same four tensors. nn.datasets.fashion_mnist() above is that
data made ready: pixels divided by 255, and the channel axis (28, 28, 1)
a Conv2D takes. Make it ready yourself, on the 10,000 test images.]]
    L:try('x_train, y_train, x_test, y_test = nn.datasets.fashion_mnist.load_data()',
          "Keras's form: four tensors.")
    L:run('if not x_test then x_train, y_train, x_test, y_test = nn.datasets.fashion_mnist.load_data() end')
    local raw_test = L:run('x_test')  -- the lesson's own reference to the pixels as loaded
    L:try('x_test.shape', '(10000, 28, 28): no channel axis.')
    L:try('x_test:max()', 'The brightest pixel: 255, where the ready form has 1.')
    L:check(L:run('x_train:max()') == 255 and L:run('y_train[1]') == L:run('train.y[1]'),
            'load_data gives pixels up to 255 and the same labels')
    L:try('x_test = x_test / 255', 'Scale the pixels to 0..1, as the tutorial does.')
    L:try('x_test = x_test:reshape(10000, 28, 28, 1)',
          'Add the channel axis: one channel, gray. reshape keeps the numbers in order.')
    L:try('(x_test - test.x):abs():max()',
          'Your test images against the ready form: the largest difference is 0.')
    L:check(L:run('((x_train[1] / 255):reshape(28, 28, 1) - train.x[1]):abs():max()') == 0,
            'the ready form is load_data()\'s training pixels / 255 with a channel axis')
    L:check(((raw_test / 255):reshape(10000, 28, 28, 1) - L:run('test.x')):abs():max() == 0,
            'the ready form is load_data()\'s test pixels / 255 with a channel axis, to the bit')
    L:run('x_train, y_train, x_test, y_test = nil, nil, nil, nil; collectgarbage()')
    L:try('for k, name in ipairs(train.class_names) do print(k - 1, name) end',
          'The names of the 10 classes, train.class_names, each after its label 0..9.')
    L:try('train.y[1]', 'Labels are numbers 0..9: image 1 has label 9. Lua counts lists from 1,\n' ..
          'so label k is named class_names[k + 1]: image 1 is an ankle boot.')
    L:check(L:run('train.x.shape[1]') == 60000 and L:run('#train.class_names') == 10,
            '60,000 training images in 10 classes')
    L:check(L:run('train.y[1]') == 9 and L:run('train.y[2]') == 0 and
            L:run('train.class_names[10]') == 'Ankle boot',
            'image 1 is an ankle boot (label 9) and image 2 a T-shirt (label 0), as the text says')
    L:exercise{
      prompt = 'Set name3 to the class name of training image 3 (a string\n' ..
               'such as "Sneaker").',
      answer = 'name3 = train.class_names[train.y[3] + 1]',
      wrong = {'name3 = train.class_names[train.y[3]]', 'name3 = train.y[3]',
               'name3 = train.class_names[3]'},
      check = check_name3,
      hints = {'train.y[3] is the label, a number from 0 to 9.',
               'Labels count from 0 and Lua lists from 1: add 1.',
               'name3 = train.class_names[train.y[3] + 1]'},
    }

    L:page [[
Before you build and train the network, look at one that has learned
already: nn.pretrained('fashion_cnn') loads this lesson's CNN after
several epochs on all 60,000 images (scripts/pretrain.lua trained it).
What training finds is there at once: its first layer's 32 kernels of
3x3 weights, many of them edge and stripe detectors, and the feature maps
they make of a picture.]]
    if pcall(nn.pretrained, 'fashion_cnn') then
      L:try("trained = nn.pretrained('fashion_cnn')", 'The trained reference CNN, from a file.')
      L:run("if not trained then trained = nn.pretrained('fashion_cnn') end")
      L:try('trained:evaluate(test.x:slice(1, 1000), nn.utils.to_categorical(test.y:slice(1, 1000), 10))',
            'Its loss and accuracy on 1,000 test images: about 9 in 10 right.')
      L:check(select(2, L:run('trained:evaluate(test.x:slice(1, 1000), nn.utils.to_categorical(test.y:slice(1, 1000), 10))')) > 0.85,
              'the pretrained CNN classifies Fashion-MNIST')
      L:try('trained.layers[1].kernel:narrow(4, 1, 1):contiguous():reshape(3, 3)',
            'The 3x3 kernel of its first filter: the kernel is (3, 3, 1 channel, 32 filters).')
      L:run('trained:predict(test.x:slice(1, 8))')  -- a batch through it, for the view
      L:page [[
The feature maps view of the trained model, on a test image: the input on
the left, below it the kernel of the selected filter, on the right the 32
maps conv2d_1 makes. Bright where the picture matches a kernel: edges of
one direction, dark-to-light steps, plain areas. (In the visualizer the
arrow keys choose the filter and the layer.)]]
      L:view('featuremaps', {model = L.env.trained, layer = 'conv2d_1'})
    else
      print('(the trained models are not installed here, so this part is skipped;')
      print(' scripts/pretrain.lua makes them)')
    end

    L:page(string.format([[
Now build the same network from random weights and train it yourself.
The network wants one-hot targets for categorical_crossentropy: label 3
becomes {0, 0, 0, 1, 0, 0, 0, 0, 0, 0}. to_categorical does it, as in Keras.

We train on the first n = %d images%s.]], n,
      L.auto and '\n(a quick run: the lesson is being tested)' or
      '\n(all of them: about a minute, with a progress bar; Ctrl-C stops it early)'))
    L:run(string.format('n, n_test = %d, %d', n, n_test))
    L:try('x = train.x:slice(1, n)', 'Training images. slice(1, n) is a view: nothing is copied.')
    L:try('y = nn.utils.to_categorical(train.y:slice(1, n), 10)', 'Their one-hot targets.')
    L:try('x_test = test.x:slice(1, n_test)', 'Test images: never trained on, only to measure ...')
    L:try('y_test = nn.utils.to_categorical(test.y:slice(1, n_test), 10)', '... and their targets.')
    L:run([[
x, y = train.x:slice(1, n), nn.utils.to_categorical(train.y:slice(1, n), 10)
x_test, y_test = test.x:slice(1, n_test), nn.utils.to_categorical(test.y:slice(1, n_test), 10)
]])
    L:try('y[1]', 'The first target: a 1 at position 10, for label 9 (ankle boot).')

    L:page [[
The reference CNN, as a Keras user writes it: model.add(...) becomes
m:add(...), (3, 3) becomes {3, 3}, keyword arguments go in a table. The
lesson builds it for you:

  m = nn.Sequential()
  m:add(nn.Conv2D(32, {3, 3}, {activation = 'relu',
                               input_shape = {28, 28, 1}}))
  m:add(nn.MaxPooling2D({2, 2}))
  m:add(nn.Conv2D(64, {3, 3}, {activation = 'relu'}))
  m:add(nn.MaxPooling2D({2, 2}))
  m:add(nn.Flatten())
  m:add(nn.Dense(64, {activation = 'relu'}))
  m:add(nn.Dense(10, {activation = 'softmax'}))
  m:compile{optimizer = 'adam', loss = 'categorical_crossentropy',
            metrics = {'accuracy'}}]]

    L:run([[
nn.seed(9)
m = nn.Sequential()
m:add(nn.Conv2D(32, {3, 3}, {activation = 'relu', input_shape = {28, 28, 1}}))
m:add(nn.MaxPooling2D({2, 2}))
m:add(nn.Conv2D(64, {3, 3}, {activation = 'relu'}))
m:add(nn.MaxPooling2D({2, 2}))
m:add(nn.Flatten())
m:add(nn.Dense(64, {activation = 'relu'}))
m:add(nn.Dense(10, {activation = 'softmax'}))
m:compile{optimizer = 'adam', loss = 'categorical_crossentropy', metrics = {'accuracy'}}
]])
    L:try('m:summary()', 'Its layers, shapes and parameters.')
    L:check(L:run('m:count_params()') == 121930, 'the reference CNN has 121,930 parameters')
    L:check(L:run('m.layers[5].output_shape[1]') == 5 * 5 * 64, 'Flatten gets 5*5*64 = 1600 numbers')

    L:exercise{
      prompt = 'A Conv2D kernel has shape (kernel height, kernel width,\n' ..
               'input channels, filters), plus one bias per filter. conv2d_2 has 64\n' ..
               'filters of 3x3 over the 32 channels that conv2d_1 made. Work out its\n' ..
               'parameter count; set p2.',
      answer = 'p2 = 3 * 3 * 32 * 64 + 64',
      wrong = {'p2 = 3 * 3 * 64 + 64', 'p2 = 3 * 3 * 32 * 64', 'p2 = 3 * 3 * 32 * 64 + 32',
               'p2 = 3 * 3 * 32 * 64 + 64 + 1'},
      check = check_p2,
      hints = {'Each of the 64 filters looks at a 3x3 patch of all 32 input channels.',
               '3 * 3 * 32 weights per filter, 64 filters, then 64 biases.',
               'p2 = 3 * 3 * 32 * 64 + 64'},
    }

    L:page [[
Now train. Each batch of 32 images goes forward through the layers, the
loss compares the 10 probabilities with the one-hot targets, the backward
pass works out every weight's gradient, and Adam updates the weights. The
progress line shows the loss and accuracy so far in the epoch.]]
    L:try('h = m:fit(x, y, {epochs = 1, batch_size = 32})', 'Train for one pass over the n images.')
    L:try('loss, acc = m:evaluate(x_test, y_test)', 'Loss and accuracy on test images it has never seen ...')
    L:run('if not acc then loss, acc = m:evaluate(x_test, y_test) end')
    L:try('acc', '... the accuracy: the fraction of test images it classifies right.')
    L:check(L:run('acc') > 0.25, 'after training the CNN beats guessing (10%) by far')
    L:page [[
With all 60,000 images one epoch gives about 87% on the test set, and more
epochs do better (scripts/fashion_cnn.lua --epochs 5). What did the
first layer learn? Compare its kernels and maps with the pretrained
model's: after one short run they are rougher, but the same kinds of
detectors are taking shape.]]
    L:view('featuremaps', {model = L.env.m, layer = 'conv2d_1'})

    L:page [[
Now one training step, taken apart. nn.debug(model, x, y) sets up a step
on a batch and stops before its first piece (at the REPL, the same is
:debug m, xb, yb and then :step, :next, :continue ...). The program of one
step is: the forward pass of each layer, the loss, the backward pass of
each layer from the last to the first, and the update.]]
    L:run('xb, yb = x:slice(1, 32), y:slice(1, 32)')
    L:try('xb, yb = x:slice(1, 32), y:slice(1, 32)', 'A batch: the first 32 training images.')
    L:try('d = nn.debug(m, xb, yb)', 'The debugger, at the first step.')
    L:settle(function(env) return env.d.model == env.m and env.d.stepper end, DEBUG,
             'd is not a debugger of m; the next lines step it.')
    L:try('d:step()', 'Run the forward pass of conv2d_1.')
    L:debugger_to('forward max_pooling2d_1', DEBUG)
    L:try('m.layers[1].output.shape', '32 images x 26 x 26 x 32 feature maps.')
    L:check(L:run('m.layers[1].output.shape[4]') == 32, 'conv2d_1 makes 32 feature maps per image')
    L:try("d:break_at('loss')", 'A breakpoint before the loss ...')
    L:try('d:continue()', '... and run to it: the whole forward pass.')
    L:debugger_to('loss', DEBUG)
    L:run('p = m.layers[7].output')
    L:try('p = m.layers[7].output', 'The softmax outputs: 32 rows of 10 probabilities.')
    L:try('p[1], p[1]:sum()', 'Example 1: its 10 probabilities add up to 1.')
    L:check(math.abs(L:run('p[1]:sum()') - 1) < 1e-4, 'softmax probabilities add up to 1')
    L:try('d:step()', 'Now the loss step.')
    L:debugger_to('backward dense_2', DEBUG)
    L:try('d.stepper.loss', 'The loss of the batch.')

    L:page [[
Categorical cross-entropy, for one example, is -log(probability the model
gave the true class). The loss of the batch is the mean over its examples.
Example 1 is an ankle boot (label 9), so its one-hot target has its 1 at
position 10 and its loss is -log(p[1][10]).]]
    L:exercise{
      prompt = 'Training image 2 is a T-shirt (label 0; see train.y[2]).\n' ..
               'Set loss2 to its loss: -math.log of the probability p[2][...] of its\n' ..
               'true class.',
      answer = 'loss2 = -math.log(p[2][train.y[2] + 1])',
      wrong = {'loss2 = -math.log(p[2][train.y[2]])', 'loss2 = math.log(p[2][train.y[2] + 1])',
               'loss2 = -math.log(p[2][train.y[2] + 2])', 'loss2 = d.stepper.loss',
               'loss2 = -math.log(p[1][train.y[2] + 1])'},
      check = check_loss2,
      hints = {'p[2] is example 2\'s row of 10 probabilities; label 0 is at position 1.',
               'Lua\'s natural logarithm is math.log.',
               'loss2 = -math.log(p[2][train.y[2] + 1])'},
    }
    L:try('(p * yb):sum(2):log():mean() * -1',
          'All 32 at once: p * yb keeps only the true class\'s probability in each row,\n' ..
          'sum(2) adds along each row, then -log and the mean. The same as d.stepper.loss:')
    do
      local by_hand = L:run('-(p * yb):sum(2):log():mean()')
      local engine = L:run('d.stepper.loss')
      L:check(math.abs(by_hand - engine) < 1e-4 * math.max(1, engine),
              'the batch loss is the mean of -log(p of the true class)')
    end

    L:page [[
The backward pass starts at the last layer. For softmax with cross-entropy
the gradient of the loss with respect to the last layer's sums z is simply
(p - y) / 32: the predicted probabilities minus the targets, over the batch
size. The bias of dense_2 adds straight into z, so its gradient is the sum
of (p - y) / 32 over the 32 examples.]]
    L:debugger_to('backward dense_2', DEBUG)
    L:try('d:step()', 'The backward pass of dense_2.')
    L:debugger_to('backward dense_1', DEBUG)
    L:try('m.layers[7].grad.bias', 'dL/d(bias) of dense_2, by the engine.')
    L:try('(p - yb):sum(1) / 32', 'By hand: (p - y) summed over the examples, over 32.')
    L:check(L:run('((p - yb):sum(1) / 32 - m.layers[7].grad.bias):abs():max()') < 1e-5,
            'for softmax + cross-entropy the last bias gradient is the mean of (p - y)')

    L:debugger_to('backward dense_1', DEBUG)
    L:exercise{
      prompt = 'Stop before the backward pass of conv2d_2: set a\n' ..
               "breakpoint there with d:break_at('LAYER PHASE') and run to it with\n" ..
               'd:continue().',
      answer = "d:break_at('conv2d_2 backward'); d:continue()",
      wrong = {"d:break_at('conv2d_1 backward'); d:continue()",  -- one layer too far
               "d:break_at('conv2d_2 forward'); d:continue()",   -- behind it already: runs to the end
               "d:break_at('conv2d_2 backward')"},                -- set, but not run to
      check = check_at_conv2d_2(L, 'backward dense_1'),
      hints = {"A place is a layer name and a phase: 'dense_1 backward'.",
               'break_at only sets the breakpoint; continue runs until it.',
               "d:break_at('conv2d_2 backward'); d:continue()"},
    }
    L:page [[
The debugger now stands before conv2d_2's backward pass. The gradient has
come back through dense_2, dense_1, Flatten and the second pooling layer
(which sent it to the winners of its windows only, lesson 8). The feature
maps view shows conv2d_2's output maps and, below, dL/d(output): how the
loss would change if each value of each map changed.]]
    L:view('featuremaps', {model = L.env.m, layer = 'conv2d_2'})
    L:debugger_to('backward conv2d_2', DEBUG)
    L:try('d:step()', 'Run conv2d_2\'s backward pass: now its kernel has a gradient.')
    L:debugger_to('backward max_pooling2d_1', DEBUG)
    L:try("e = d:explain('conv2d_2.kernel[2][2][1][1]')",
          'One weight of one filter, explained: its gradient is a sum over 32 images\n' ..
          'x 11x11 positions of dL/dz times the input it multiplied there.')
    L:run("if not e then e = d:explain('conv2d_2.kernel[2][2][1][1]') end")
    L:try('e.sum, e.engine', 'explain also returns its numbers: the sum of the products, and\n' ..
          'the engine\'s gradient.')
    L:check(math.abs(L:run('e.sum - e.engine')) <= 1e-5 * math.max(1e-3, math.abs(L:run('e.engine'))) + 1e-9,
            'a conv weight\'s gradient is the sum over examples and positions of dL/dz * x')
    L:check(L:run('m.layers[3].grad.kernel:norm()') > 0, 'conv2d_2 has a gradient after its backward pass')

    L:try("d:break_at('update'); d:continue()", 'On to the update: every gradient is ready.')
    L:debugger_to('update', DEBUG)
    L:page [[
The gradients view: per layer, the size (norm) of the gradient and of the
weights, on a log scale. Below, for the selected layer (Up, Down):
histograms of its kernel and of the kernel's gradient now; or, once you
have stepped an update inside a view, its gradient over the batches
recorded, a row per batch. Lesson 13 uses it to see gradients vanish.]]
    L:view('gradients', {model = L.env.m})
    L:debugger_to('update', DEBUG)
    local before = L.env.m.layers[7].kernel:clone()  -- the lesson's own copy, for its checks
    L:try('w = m.layers[7].kernel:clone()', 'A copy of dense_2\'s weights before the update.')
    L:debugger_to('update', DEBUG)
    if not pcall(function() assert((L.env.w - before):abs():max() == 0) end) then
      print('(w does not hold the weights before the update; the lesson copies it again, here)')
      L:run('w = m.layers[7].kernel:clone()')
    end
    L:try('d:step()', 'The update: Adam moves every weight against its gradient.')
    L:debugger_to('the end', DEBUG)
    L:try('(m.layers[7].kernel - w):abs():max()', 'The largest change in dense_2\'s weights.')
    L:check((L.env.m.layers[7].kernel - before):abs():max() > 0, 'the update changes the weights')
    L:try('d:back()', 'One step back: the debugger restores the weights exactly.')
    L:debugger_to('update', DEBUG)
    L:try('(m.layers[7].kernel - w):abs():max()', 'Zero: bit for bit as they were.')
    L:check((L.env.m.layers[7].kernel - before):abs():max() == 0, 'back restores the weights bitwise')

    L:page [[
That was one training step of the reference CNN, in its 16 pieces:

  forward  conv2d_1 ... dense_2   feature maps, then probabilities
  loss                            mean of -log(p of the true class)
  backward dense_2 ... conv2d_1   (p - y)/32 at the top, then the chain rule
  update                          Adam moves each weight against its gradient

fit repeats it for every batch. At the REPL, :debug m, xb, yb gets you here
again, and :viz opens the visualizer on the debugger's model, where s
steps, b goes back and Tab changes the view.

Next, lesson 10: networks that read sequences, one timestep at a time.]]
  end,
}
