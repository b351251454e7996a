-- Lesson 12: the reference stacked LSTM (LSTM 50 seq, LSTM 50 seq, LSTM 50,
-- Dense 10 softmax) reading Fashion-MNIST images one row of pixels per
-- timestep: the reshape to (N, 28, 28), the pretrained model's gates
-- (nn.pretrained), the parameter counts, return_sequences
-- for stacking, training, the 172 steps of one training step, the lstm view
-- half way down an image, and an image with its bottom rows blanked.
return {
  title = 'The reference stacked LSTM reads images row by row',
  minutes = 12,
  group = 'RNN',
  requires = {9, 11},
  run = function(L)
    local n, n_test
    if L.auto then n, n_test = 500, 500 else n, n_test = 60000, 10000 end

    L:page [[
A recurrent network reads sequences. An image can be read as one: top to
bottom, one row of 28 pixels per timestep, 28 timesteps. After the last row
the LSTM's state has to hold whatever it needs to say which of the 10
classes the picture shows.

Keras's reference LSTM for Fashion-MNIST stacks three LSTM layers of 50
units and puts a softmax Dense layer on top.]]

    L:try('train, test = nn.datasets.fashion_mnist()', 'The data, as in lesson 9.')
    L:run('if not (train and test) then train, test = nn.datasets.fashion_mnist() end')
    L:run([[
function picture(img)   -- draw a 28x28 image as text, one line per row
  local shades = ' .:-=+*#%@'
  local g = img:reshape(28, 28)
  for r = 1, 28 do
    local line = {}
    for c = 1, 28 do
      local k = math.min(10, math.floor(g[r][c] * 10) + 1)
      line[c] = shades:sub(k, k)
    end
    print(string.format('t = %2d   %s', r, table.concat(line)))
  end
end
]])
    L:try('picture(train.x[1])',
          'Training image 1, an ankle boot, drawn by a small helper the lesson made\n' ..
          '(picture). Each line is one row: the LSTM reads row t at timestep t.')

    L:page(string.format([[
The images are (N, 28, 28, 1): height, width, one channel. A recurrent
layer wants (N, timesteps, features), so we reshape to (N, 28, 28): 28
timesteps (the rows) of 28 features (the pixels of a row). A reshape moves
no numbers; it only reads them differently.

We train on n = %d images%s.]], n,
      L.auto and ' (a quick run: the lesson is being tested)' or
      ' (all of them: a minute or two, with a progress bar)'))
    L:run(string.format('n, n_test = %d, %d', n, n_test))
    L:try('x = train.x:slice(1, n):reshape(n, 28, 28)', 'Training images as sequences of rows.')
    L:try('y = nn.utils.to_categorical(train.y:slice(1, n), 10)', 'One-hot targets.')
    L:run([[
x = train.x:slice(1, n):reshape(n, 28, 28)
y = nn.utils.to_categorical(train.y:slice(1, n), 10)
y_test = nn.utils.to_categorical(test.y:slice(1, n_test), 10)
]])
    L:try('x[1][14]', 'Timestep 14 of image 1: the 28 pixels of its 14th row.')
    L:check(L:run('x[1][14][20] == train.x[1][14][20][1]'), 'x[i][t] is row t of image i')
    L:exercise{
      prompt = 'Make x_test: the first n_test test images (test.x) as\n' ..
               'sequences of rows, shape (n_test, 28, 28). (y_test is made already.)',
      answer = 'x_test = test.x:slice(1, n_test):reshape(n_test, 28, 28)',
      wrong = 'x_test = test.x:slice(1, n_test):reshape(n_test, 784)',  -- one timestep of 784
      check = function(env)
        local xt, te = env.x_test, env.test
        if type(xt) ~= 'userdata' or not te then return false end
        local s = xt.shape
        return #s == 3 and s[1] == env.n_test and s[2] == 28 and s[3] == 28 and
               xt[7][5][10] == te.x[7][5][10][1]
      end,
      hints = {'As x was made from train.x: slice, then reshape.',
               'reshape(n_test, 28, 28): timesteps = rows, features = pixels.',
               'x_test = test.x:slice(1, n_test):reshape(n_test, 28, 28)'},
    }

    L:page [[
Before you build one, look at a stacked LSTM that has learned already:
nn.pretrained('fashion_lstm') loads this lesson's network after several
epochs on all 60,000 images (scripts/pretrain.lua trained it). Its gates
have found their jobs; you can see them at work on one picture at once.]]
    if pcall(nn.pretrained, 'fashion_lstm') then
      L:try("trained = nn.pretrained('fashion_lstm')", 'The trained reference LSTM, from a file.')
      L:run("if not trained then trained = nn.pretrained('fashion_lstm') end")
      L:run('if not x_test or x_test.shape[1] ~= n_test then x_test = test.x:slice(1, n_test):reshape(n_test, 28, 28) end')
      L:try('trained:evaluate(x_test, y_test)',
            'Its loss and accuracy on the test images (this takes several seconds).')
      L:check(select(2, L:run('trained:evaluate(x_test:slice(1, 500), y_test:slice(1, 500))')) > 0.7,
              'the pretrained LSTM classifies images it reads row by row')
      L:run('trained:predict(x_test:slice(1, 4))')  -- 4 test images through it, for the view
      L:page [[
The lstm view of the trained lstm_1 after reading test image 1, all 28
rows: for 16 of its 50 units (one row each) and every timestep (left to
right), the input gate i, the forget gate f, the candidate g, the output
gate o, the cell state c and the output h. Look for units whose forget
gate stays near 1 all the way down (they carry something from the top of
the picture to the bottom), and for gates that switch where the garment's
rows begin and end. (In the visualizer, Up and Down pick the layer, Left
and Right scroll through the units, [ and ] pick the image.)]]
      L:view('lstm', {model = L.env.trained})
    else
      print('(the trained models are not installed here, so this part is skipped;')
      print(' scripts/pretrain.lua makes them)')
    end

    L:run([[
nn.seed(12)
m = nn.Sequential()
m:add(nn.LSTM(50, {return_sequences = true, input_shape = {28, 28}}))
m:add(nn.LSTM(50, {return_sequences = true}))
m:add(nn.LSTM(50))
m:add(nn.Dense(10, {activation = 'softmax'}))
m:compile{optimizer = 'adam', loss = 'categorical_crossentropy', metrics = {'accuracy'}}
]])
    L:page [[
Now the same network from random weights, to train yourself. The
reference stacked LSTM (scripts/fashion_lstm.lua), built for you:

  m = nn.Sequential()
  m:add(nn.LSTM(50, {return_sequences = true, input_shape = {28, 28}}))
  m:add(nn.LSTM(50, {return_sequences = true}))
  m:add(nn.LSTM(50))
  m:add(nn.Dense(10, {activation = 'softmax'}))
  m:compile{optimizer = 'adam', loss = 'categorical_crossentropy',
            metrics = {'accuracy'}}

return_sequences = true makes a layer output its state h at every timestep,
(28, 50), so that the next LSTM has a sequence to read: its timestep t sees
what the layer below made of rows 1..t. The last LSTM returns only its
final state, (50), for the Dense layer.]]
    L:try('m:summary()', 'Shapes and parameters.')
    L:check(L:run('m.layers[2].output_shape[1]') == 28 and L:run('m.layers[3].output_shape[1]') == 50 and
            #L:run('m.layers[3].output_shape') == 1,
            'return_sequences gives (28, 50); without it the last state, (50)')
    L:exercise{
      prompt = 'An LSTM has 4 gates, each with features*units +\n' ..
               'units*units + units weights. lstm_1 reads 28 features with 50 units.\n' ..
               'Work out its parameter count; set p1.',
      answer = 'p1 = 4 * (28 * 50 + 50 * 50 + 50)',
      wrong = 'p1 = 28 * 50 + 50 * 50 + 50',  -- one gate only
      check = function(env)
        return env.m ~= nil and env.p1 == env.m.layers[1]:count_params()
      end,
      hints = {'One gate: 28 * 50 (input) + 50 * 50 (recurrent) + 50 (bias).',
               'Four gates: i, f, g and o.',
               'p1 = 4 * (28 * 50 + 50 * 50 + 50)'},
    }
    L:check(L:run('m.layers[2]:count_params()') == 4 * (50 * 50 + 50 * 50 + 50),
            'lstm_2 reads the 50 features lstm_1 makes: 4 * (50*50 + 50*50 + 50) = 20,200')

    L:try('h = m:fit(x, y, {epochs = 1, batch_size = 32})', 'Train for one epoch.')
    L:run([[
if not x_test or x_test.shape[1] ~= n_test then x_test = test.x:slice(1, n_test):reshape(n_test, 28, 28) end
-- for the checks: the first 1000 test images (a tenth of the time)
x_check, y_check = x_test:slice(1, math.min(1000, n_test)), y_test:slice(1, math.min(1000, n_test))
loss, acc = m:evaluate(x_check, y_check)
]])
    L:try('m:evaluate(x_test, y_test)', 'Loss and accuracy on the test images (several seconds).')
    L:check(L:run('acc') > 0.25, 'the stacked LSTM learns to classify images it reads row by row')
    L:page [[
With all 60,000 images one epoch gives about 80% on the test set (the CNN
of lesson 9 about 87%), and more epochs take it higher. The LSTM has no
convolution: it builds up its picture of the image one row at a time.

The predictions view: the last batch the model ran, here the end of the
evaluate on the test images (its title says which examples), each with
its true class and the three classes the model finds most likely; beside
them the confusion matrix of that evaluate.]]
    L:view('predictions', {model = L.env.m})

    L:page [[
One training step of this model is long: every LSTM layer runs 28
timesteps forward, and 28 backward. Before you look, count them.]]
    L:try('d = nn.debug(m, x:slice(1, 4), y:slice(1, 4))', 'Debug a training step on 4 images.')
    L:run('if not d or d.model ~= m then d = nn.debug(m, x:slice(1, 4), y:slice(1, 4)) end')
    L:exercise{
      prompt = 'How many steps has one training step of m? Count the\n' ..
               'forward steps (each LSTM timestep is one, the Dense layer one), the\n' ..
               'loss, the backward steps and the update. Set steps (as arithmetic, if\n' ..
               'you like).',
      answer = 'steps = 3 * 28 + 1 + 1 + 1 + 3 * 28 + 1',
      wrong = 'steps = 3 + 1 + 1 + 1 + 3 + 1',  -- one step per layer: forgets the timesteps
      check = function(env)
        return env.d ~= nil and env.steps == #env.d.stepper:program()
      end,
      hints = {'Forward: 3 LSTM layers x 28 timesteps, then dense_1. Then the loss.',
               'Backward: dense_1, then 3 x 28 timesteps. Then the update.',
               'steps = 3 * 28 + 1 + 1 + 1 + 3 * 28 + 1'},
    }
    L:try('d:step(14)', 'lstm_1 reads the top 14 rows of the 4 images.')
    L:run("if d.stepper.position < 14 then d:step(14 - d.stepper.position) end")
    L:page [[
The lstm view, half way down the first image: the gates and states of
lstm_1 for the timesteps read so far (the rest is still empty). In the
visualizer, Up and Down pick the layer, Left and Right scroll through the
units, [ and ] pick the image.]]
    L:view('lstm', {model = L.env.m})
    L:check(L:run('m.layers[1].state.done') == 14, 'lstm_1 has read 14 of the 28 rows')
    L:try("d:break_at('loss'); d:continue()", 'Run the rest of the forward pass: all three LSTMs, then the Dense layer.')
    L:run("if d.stepper:peek() and d.stepper:peek().phase ~= 'loss' then d:break_at('loss'); d:continue() end")
    L:try('m.layers[3].output[1]',
          'lstm_3\'s final state for image 1: 50 numbers summing up 28 rows as read\n' ..
          'through two LSTMs below. The Dense layer turns them into 10 probabilities:')
    L:try('m.layers[4].output[1]', 'The 10 class probabilities for image 1 (they add up to 1).')
    L:try('m.layers[4].output[1]:argmax() - 1, train.y[1]',
          'The predicted class (argmax counts from 1, labels from 0) and the true one.')

    L:page [[
The answer comes after the last row. Does the model use the bottom of the
picture? Blank out rows 15 to 28 of the test images and evaluate again.
t:narrow(axis, start, length) is a view of part of a tensor: for x_test,
axis 2 is the timesteps (the rows). fill(0) sets a tensor to zero in place;
do it on a copy (clone) so that x_test stays as it is.]]
    L:exercise{
      prompt = 'Make half: a copy of x_test with rows 15..28 set to 0 in every image.',
      answer = 'half = x_test:clone(); half:narrow(2, 15, 14):fill(0)',
      wrong = 'half = x_test:clone(); half:narrow(2, 14, 14):fill(0)',  -- rows 14..27
      check = function(env)
        local hf, xt = env.half, env.x_test
        if type(hf) ~= 'userdata' or hf == xt or #hf.shape ~= 3 or hf.shape[1] ~= xt.shape[1] then return false end
        if hf:narrow(2, 15, 14):abs():max() ~= 0 then return false end
        return (hf:narrow(2, 1, 14) - xt:narrow(2, 1, 14)):abs():max() == 0 and xt:abs():max() > 0
      end,
      hints = {'Rows 15..28 are 14 rows starting at row 15: narrow(2, 15, 14).',
               'half = x_test:clone() first; then half:narrow(2, 15, 14):fill(0).\n' ..
               '(A fill without the clone blanked x_test itself: make it again first,\n' ..
               'as in the exercise before.)',
               'half = x_test:clone(); half:narrow(2, 15, 14):fill(0)'},
    }
    L:try('picture(half[1])', 'Test image 1, bottom half gone.')
    L:try('m:evaluate(half, y_test)', 'The accuracy without the bottom rows (several seconds).')
    L:run('loss_half, acc_half = m:evaluate(half:slice(1, x_check.shape[1]), y_check)')
    L:check(L:run('acc_half < acc'), 'blanking the bottom half of the images costs accuracy')
    L:page [[
The accuracy drops: the LSTM's answer depends on the rows it read last,
not only on the first ones, which it had to carry through many timesteps.

  - an image is a sequence of 28 rows: reshape (N, 28, 28, 1) to (N, 28, 28);
  - stacked LSTMs pass whole sequences up (return_sequences = true), the
    last one only its final state;
  - a training step is 3 x 28 forward timesteps, the rest, and 3 x 28
    backward ones: 172 steps, each of which the debugger can stop at.

Next, lesson 13: why gradients vanish or explode in deep networks.]]
  end,
}
