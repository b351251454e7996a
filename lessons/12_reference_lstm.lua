-- Lesson 12: the reference stacked LSTM (LSTM 50 seq, LSTM 50 seq, LSTM 50,
-- Dense 10 softmax) reading Fashion-MNIST images one row of pixels per
-- timestep: the reshape to (N, 28, 28), the pretrained model's gates
-- (nn.pretrained), the parameter counts, return_sequences
-- for stacking, training, the 172 steps of one training step, the lstm view
-- half way down an image (wherever the learner steps in it, the debugger is
-- put back where the lesson needs it), and the test images with their
-- bottom rows, then their top rows, blanked: which half the model needs.
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
      wrong = {'x_test = test.x:slice(1, n_test):reshape(n_test, 784)',  -- one timestep of 784
               'x_test = test.x:slice(1, n_test)',  -- the channel axis kept
               'x_test = train.x:slice(1, n_test):reshape(n_test, 28, 28)'},  -- training images
      check = function(env)
        local xt, te = env.x_test, env.test
        if not te then return false, 'test is gone: train, test = nn.datasets.fashion_mnist() loads it again' end
        if xt == nil then return false, 'still waiting for x_test = ...' end
        if type(xt) ~= 'userdata' then return false, 'x_test should be a tensor, not a ' .. type(xt) end
        local s = xt.shape
        local shape = '(' .. table.concat(s, ', ') .. ')'
        if #s == 2 and s[2] == 784 then
          return false, 'x_test has shape ' .. shape .. ': one timestep of 784 pixels, the whole image at once',
                 'Timesteps are rows: 28 timesteps of 28 pixels, reshape(n_test, 28, 28).'
        end
        if #s == 4 then
          return false, 'x_test has shape ' .. shape .. ': 4 axes, the channel axis is still there; an LSTM reads (N, timesteps, features)',
                 'reshape(n_test, 28, 28) drops the channel axis of size 1.'
        end
        if not (#s == 3 and s[1] == env.n_test and s[2] == 28 and s[3] == 28) then
          return false, 'x_test has shape ' .. shape .. ', not (' .. env.n_test .. ', 28, 28)'
        end
        if xt[7][5][10] ~= te.x[7][5][10][1] or xt[3][14][14] ~= te.x[3][14][14][1] then
          if env.train and xt[7][5][10] == env.train.x[7][5][10][1] and xt[3][14][14] == env.train.x[3][14][14][1] then
            return false, 'those are training images (train.x); x_test holds test images, test.x',
                   'The model is tested on images it never trained on: test.x:slice(1, n_test).'
          end
          return false, 'the shape is right, but x_test[7] is not test image 7'
        end
        return true
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
      L:try('probs = trained:predict(x_test:slice(1, 4))',
            'The first 4 test images through it (probs: their 4 x 10 class probabilities),\n' ..
            'for the view.')
      L:run('trained:predict(x_test:slice(1, 4))')  -- again: whatever the learner typed, the view shows these 4
      L:page [[
The lstm view of the trained lstm_1 after reading test image 1, all 28
rows (its title says "example 1 of the last predict": the 4 test images
just predicted). For some of its 50 units (one row each) and every
timestep (left to right): the three gates, input i, forget f and output
o, the candidate g (what the cell would write), the cell state c and the
output h. Keras's source calls the candidate c (its weights k_c); here,
as in lesson 11 and PyTorch, it is g, since c is the cell state. Look for units whose forget
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
      prompt = 'An LSTM has four blocks of weights: the gates i, f, o and the\n' ..
               'candidate g (lesson 11), each with features*units + units*units + units\n' ..
               'weights. lstm_1 reads 28 features with 50 units.\n' ..
               'Work out its parameter count; set p1.',
      answer = 'p1 = 4 * (28 * 50 + 50 * 50 + 50)',
      wrong = {'p1 = 28 * 50 + 50 * 50 + 50',  -- one block only
               'p1 = 4 * (28 * 50 + 50 * 50)',  -- no biases
               'p1 = 4 * (28 * 50 + 50)'},  -- no recurrent weights
      check = function(env)
        if not env.m then return false, 'm is gone: the lesson built it; :quit and start again' end
        local p1 = env.p1
        if p1 == nil then return false, 'still waiting for p1 = ... (a number: arithmetic is fine)' end
        if type(p1) ~= 'number' then return false, 'p1 should be a number, not a ' .. type(p1) end
        local want = env.m.layers[1]:count_params()  -- 4 * (28 * 50 + 50 * 50 + 50) = 15800
        if p1 == want then return true end
        local block = 28 * 50 + 50 * 50 + 50
        if p1 == block then
          return false, string.format('%d is one block of weights; the LSTM has four: the gates i, f, o and the candidate g', p1),
                 'Each of i, f, g, o has its own input weights, recurrent weights and bias: multiply by 4.'
        end
        if p1 == 4 * 28 * 50 + 50 * 50 + 50 then
          return false, string.format('%d: the 4 multiplies only the input weights; each block has all three parts', p1),
                 'Brackets: 4 * (28 * 50 + 50 * 50 + 50).'
        end
        if p1 == 3 * block then return false, '3 blocks: that is a GRU; the LSTM has four (i, f, g, o)' end
        if p1 == 4 * (28 * 50 + 50 * 50) then
          return false, string.format('%d: the biases are missing, 50 per block, 200 in all', p1),
                 'Each unit of each block has a bias: + 50 inside the brackets.'
        end
        if p1 == 4 * (28 * 50 + 50) then
          return false, string.format('%d: the recurrent weights are missing, 50 * 50 per block (h of the last timestep feeds every unit)', p1),
                 'Each block reads x_t (28 * 50 weights) AND h_(t-1) (50 * 50 weights).'
        end
        if p1 == 4 * (28 * 28 + 50 * 50 + 50) or p1 == 4 * (28 * 50 + 28 * 28 + 50) then
          return false, 'a 28 * 28 crept in: the input weights are features * units, 28 * 50, the recurrent ones 50 * 50'
        end
        return false, string.format('off by %d (p1 = %g)', p1 - want, p1)
      end,
      hints = {'One block: 28 * 50 (input) + 50 * 50 (recurrent) + 50 (bias).',
               'Four blocks: the gates i, f, o and the candidate g.',
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
    if n == 60000 then  -- the page's "about 80%", on the first 1000 test images
      L:check(math.abs(L:run('acc') - 0.8) < 0.08, 'one epoch on all 60,000 images gives about 80% on the test images')
    end
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
    -- the line that starts the debugger: run again, visibly, when d is not
    -- a debugger of m (L:settle here, L:debugger_to below)
    local debug_line = 'd = nn.debug(m, x:slice(1, 4), y:slice(1, 4))'
    L:try(debug_line, 'Debug a training step on 4 images.')
    L:settle(function(env) return env.d.model == env.m and env.d.stepper end, debug_line,
             'd is not a debugger of m; the next lines step it.')
    L:exercise{
      prompt = 'How many steps has one training step of m? Count the\n' ..
               'forward steps (each LSTM timestep is one, the Dense layer one), the\n' ..
               'loss, the backward steps and the update. Set steps (as arithmetic, if\n' ..
               'you like).',
      answer = 'steps = 3 * 28 + 1 + 1 + 1 + 3 * 28 + 1',
      wrong = {'steps = 3 + 1 + 1 + 1 + 3 + 1',  -- one step per layer: forgets the timesteps
               'steps = 3 * 28 + 1 + 1',  -- the forward pass and the loss only
               'steps = 3 * 28 + 1 + 1 + 3 * 28'},  -- no dense_1 backward, no update
      check = function(env)
        if not (env.d and env.d.stepper) then return false, 'd is gone: d = nn.debug(m, x:slice(1, 4), y:slice(1, 4))' end
        local steps = env.steps
        if steps == nil then return false, 'still waiting for steps = ... (a number: arithmetic is fine)' end
        if type(steps) ~= 'number' then return false, 'steps should be a number, not a ' .. type(steps) end
        local want = #env.d.stepper:program()  -- 3 * 28 + 1 + 1 + 1 + 3 * 28 + 1 = 172
        if steps == want then return true end
        if steps == 10 then
          return false, '10 is one step per layer: an LSTM layer is one step per timestep, 28 each',
                 'Each LSTM layer reads 28 rows, one step per row, forward and backward.'
        end
        if steps == 3 * 28 + 2 or steps == 3 * 28 + 1 then
          return false, string.format('%d is the forward pass (and the loss) only; backward is as long again, then the update', steps),
                 'Backward: dense_1, then 3 x 28 timesteps. Then the update.'
        end
        if steps == 28 + 1 + 1 + 1 + 28 + 1 then return false, '60 counts one LSTM layer; m has three, 28 timesteps each' end
        if steps == 2 * 3 * 28 then
          return false, '168 counts the LSTM timesteps only: add dense_1 forward and backward, the loss and the update',
                 'Besides the 3 x 28 timesteps each way: dense_1 forward, the loss, dense_1 backward, the update.'
        end
        if steps < want and steps >= want - 4 then
          return false, string.format('%d short: count dense_1 twice (forward and backward), the loss once and the update once',
                                      want - steps), 'The 4 single steps: dense_1 forward, the loss, dense_1 backward, the update.'
        end
        return false, string.format('off by %d (steps = %g)', steps - want, steps)
      end,
      hints = {'Forward: 3 LSTM layers x 28 timesteps, then dense_1. Then the loss.',
               'Backward: dense_1, then 3 x 28 timesteps. Then the update.',
               'steps = 3 * 28 + 1 + 1 + 1 + 3 * 28 + 1'},
    }
    -- The learner may have moved the debugger since (s, b, c in the view;
    -- d:step or :step at the prompt): L:debugger_to puts it back where the
    -- lesson needs it, saying where it was (and starts it again with
    -- debug_line if d is not a debugger of m any more).
    L:try('d:step(14)', 'lstm_1 reads the top 14 rows of the 4 images.')
    L:debugger_to('forward lstm_1 t=15/28', debug_line, 'where lstm_1 has read 14 rows')
    L:page [[
The lstm view, half way down the first image: the gates and states of
lstm_1 for the timesteps read so far (the rest is still empty). In the
visualizer, Up and Down pick the layer, Left and Right scroll through the
units, [ and ] pick the image.]]
    L:view('lstm', {model = L.env.m})
    L:debugger_to('forward lstm_1 t=15/28', debug_line, 'where lstm_1 has read 14 rows')
    L:check(L:run('m.layers[1].state.done') == 14, 'lstm_1 has read 14 of the 28 rows')
    L:try("d:break_at('loss'); d:continue()", 'Run the rest of the forward pass: all three LSTMs, then the Dense layer.')
    L:debugger_to('loss', debug_line, 'the forward pass done')
    L:check(L:run('d:position().phase') == 'loss', 'after 3 x 28 timesteps and dense_1 the loss is next')
    L:try('m.layers[3].output[1]',
          'lstm_3\'s final state for image 1: 50 numbers summing up 28 rows as read\n' ..
          'through two LSTMs below. The Dense layer turns them into 10 probabilities:')
    L:try('m.layers[4].output[1]', 'The 10 class probabilities for image 1 (they add up to 1).')
    L:try('m.layers[4].output[1]:argmax() - 1, train.y[1]',
          'The predicted class (argmax counts from 1, labels from 0) and the true one.')

    L:page [[
The answer comes after the last row. Does the model use the bottom of the
picture, or the top, or both? Blank out rows 15 to 28 of the test images
and evaluate again; then rows 1 to 14. t:narrow(axis, start, length) is a
view of part of a tensor: for x_test, axis 2 is the timesteps (the rows).
fill(0) sets a tensor to zero in place; do it on a copy (clone) so that
x_test stays as it is.]]
    -- x_test as it is now, to notice a fill that reaches it (half = x_test,
    -- a view, not a copy: x_test, x_check and test.x share its numbers)
    local bottom_sum, top_sum = L:run('x_test:narrow(2, 15, 14):sum()'), L:run('x_test:narrow(2, 1, 14):sum()')
    local function x_test_intact(xt)
      return xt:narrow(2, 15, 14):sum() == bottom_sum and xt:narrow(2, 1, 14):sum() == top_sum
    end
    local function restore_x_test(env)  -- in place: x_check and test.x view the same numbers
      local _, fresh = nn.datasets.fashion_mnist()
      env.x_test:copy(fresh.x:slice(1, env.n_test):reshape(env.n_test, 28, 28))
      L:check(x_test_intact(env.x_test), 'the test images are back as they were')
    end
    -- "rows 14..27", or "rows 3, 5" (the rows half has all 0 and x_test has not)
    local function blank_rows(hf, xt)
      local rows = {}
      for r = 1, 28 do
        if hf:narrow(2, r, 1):abs():max() == 0 and xt:narrow(2, r, 1):abs():max() > 0 then rows[#rows + 1] = r end
      end
      local contiguous = #rows > 0 and rows[#rows] - rows[1] + 1 == #rows
      return rows, contiguous and string.format('%d..%d', rows[1], rows[#rows]) or table.concat(rows, ', ')
    end
    L:exercise{
      prompt = 'Make half: a copy of x_test with rows 15..28 set to 0 in every image.',
      answer = 'half = x_test:clone(); half:narrow(2, 15, 14):fill(0)',
      wrong = {'half = x_test:clone(); half:narrow(2, 14, 14):fill(0)',  -- rows 14..27
               'half = x_test; half:narrow(2, 15, 14):fill(0)',  -- no clone: x_test itself blanked
               'half = x_test:clone(); half:narrow(2, 1, 14):fill(0)'},  -- the top half
      check = function(env)
        local hf, xt = env.half, env.x_test
        if type(xt) ~= 'userdata' then return false, 'x_test is gone: make it again as in the exercise before' end
        if not x_test_intact(xt) then
          restore_x_test(env)
          return false, 'that changed x_test itself: half = x_test (or a view of it) names the same numbers, ' ..
                        'no copy, so fill(0) blanked the test images. The lesson has put them back',
                 'Copy first: half = x_test:clone(); then half:narrow(2, 15, 14):fill(0).'
        end
        if hf == nil then return false, 'still waiting for half = ...' end
        if type(hf) ~= 'userdata' then return false, 'half should be a tensor, not a ' .. type(hf) end
        if #hf.shape ~= 3 or hf.shape[1] ~= xt.shape[1] or hf.shape[2] ~= 28 or hf.shape[3] ~= 28 then
          return false, 'half has shape (' .. table.concat(hf.shape, ', ') .. '), x_test (' .. table.concat(xt.shape, ', ') .. ')'
        end
        local want = xt:clone()
        want:narrow(2, 15, 14):fill(0)
        local off = (hf - want):abs():max()
        if off == 0 then return true end
        local rows, which = blank_rows(hf, xt)
        if which == '14..27' then
          return false, 'off by one row: rows 14..27 are blank and row 28 is not',
                 'narrow(2, start, length) starts AT start: rows 15..28 are narrow(2, 15, 14).'
        end
        if which == '1..14' then
          return false, 'that blanked the top half, rows 1..14; this exercise blanks the bottom, rows 15..28 (the top comes next)'
        end
        if #rows == 0 then return false, string.format('no row of half is blank; it differs from the answer by up to %.3g', off) end
        return false, string.format('rows %s are blank; the exercise wants rows 15..28 blank and the rest as in x_test (off by up to %.3g)',
                                    which, off)
      end,
      hints = {'Rows 15..28 are 14 rows starting at row 15: narrow(2, 15, 14).',
               'half = x_test:clone() first; then half:narrow(2, 15, 14):fill(0).',
               'half = x_test:clone(); half:narrow(2, 15, 14):fill(0)'},
    }
    L:check(x_test_intact(L.env.x_test), 'x_test still holds the test images')
    L:try('picture(half[1])', 'Test image 1, bottom half gone.')
    L:try('m:evaluate(half, y_test)', 'The accuracy without the bottom rows (several seconds).')
    L:try('top = x_test:clone(); top:narrow(2, 1, 14):fill(0)', 'Now the other half: rows 1..14 blank.')
    L:run('if not (top and top.shape[1] == n_test) then top = x_test:clone(); top:narrow(2, 1, 14):fill(0) end')
    L:try('m:evaluate(top, y_test)', 'The accuracy without the top rows.')
    L:run([[
loss_half, acc_half = m:evaluate(half:slice(1, x_check.shape[1]), y_check)
loss_top, acc_top = m:evaluate(top:slice(1, x_check.shape[1]), y_check)
]])
    do  -- the conclusion these numbers support, on the first 1000 (here n_test) test images
      local acc, acc_half, acc_top = L:run('acc'), L:run('acc_half'), L:run('acc_top')
      L:check(acc_half < acc, 'blanking the bottom half of the images costs accuracy')
      L:check(acc_top < acc, 'blanking the top half of the images costs accuracy')
      print('')
      print(string.format('On the first %d test images: every row %.1f%%, without rows 15..28 %.1f%%,' ..
                          '\n' .. 'without rows 1..14 %.1f%%.', L:run('x_check.shape[1]'), 100 * acc,
                          100 * acc_half, 100 * acc_top))
      if acc_top < acc_half then
        print([[

Both halves matter, and the top half more: without the rows it read first
the model does worse than without the rows it read last. What it saw in
rows 1..14 it carried through 14 more timesteps, in its state (h and c),
to the answer: the LSTM's memory at work.]])
      else
        print([[

Here the bottom half matters more: without the rows it read last the
model does worse than without the rows it read first. What it read early
counts for less by the time it answers.]])
      end
    end
    L:page [[
  - an image is a sequence of 28 rows: reshape (N, 28, 28, 1) to (N, 28, 28);
  - stacked LSTMs pass whole sequences up (return_sequences = true), the
    last one only its final state;
  - a training step is 3 x 28 forward timesteps, the rest, and 3 x 28
    backward ones: 172 steps, each of which the debugger can stop at.

Next, lesson 13: why gradients vanish or explode in deep networks.]]
  end,
}
