-- viz.lua: the visualizer's pictures, drawn to text with nn.viz.snapshot,
-- so that they are tested without a terminal: the feature map of a known
-- kernel on a known image, the LSTM view at a known timestep, the loss plot
-- of a known series, ASCII and monochrome fallbacks, the too-small message,
-- and the record fit keeps for the loss view.
local t = require 'tap'

-- the debugger talks with print; keep it quiet here
local real_print = print
print = function() end

local function lines(text)
  local out = {}
  for line in text:gmatch('([^\n]*)\n') do out[#out + 1] = line end
  return out
end

local function has_line(text, pattern)
  for _, line in ipairs(lines(text)) do
    if line:find(pattern) then return true end
  end
  return false
end

-- ---- feature maps: a vertical-edge kernel on an image half white ----

-- The image is 1 in its left three columns and 0 in the right three; the
-- kernel is (1, 0, -1) along each row: a vertical edge detector. Its output
-- is 3 where the window straddles the edge (columns 2 and 3) and 0 elsewhere.
nn.seed(1)
local conv = nn.Sequential{nn.Conv2D(1, 3, {input_shape = {6, 6, 1}})}
conv:compile{optimizer = 'sgd', loss = 'mse'}
for i = 1, 3 do
  for j = 1, 3 do conv.layers[1].kernel[i][j][1][1] = ({1, 0, -1})[j] end
end
local image = nn.zeros(1, 6, 6, 1)
for i = 1, 6 do
  for j = 1, 3 do image[1][i][j][1] = 1 end
end
local s = nn.stepper(conv, image, nn.zeros(1, 4, 4, 1))
s:step()  -- forward conv2d_1

-- Without colours a cell is the shade of its two pixels: ' ' for 0, '█'
-- (or '@') for the top of a sequential scale; signed data (the kernel) goes
-- '=' for -1, ' ' for 0, '#' for +1. Each map is enlarged (x2 the image, x4
-- the output and the kernel) to fill the room.
local expected_maps = [[
conv2d_1 (Conv2D)  output (4, 4, 1)  example 1 of 1
input 0..1            output, channels 1-1 of 1  each map it
██████                1 0..3
██████                    ████████
██████                    ████████
██████                    ████████
██████                    ████████
██████                    ████████
kernel 1 -1..1            ████████
c1                        ████████
####    ====              ████████
####    ====
####    ====
####    ====
####    ====
####    ====
]]
local maps = nn.viz.snapshot('featuremaps', {model = conv, frame = false, width = 60, height = 16})
t.is(maps, expected_maps, 'feature map of a known kernel on a known image, exact')
local ascii = nn.viz.snapshot('featuremaps', {model = conv, frame = false, width = 60, height = 16,
                                              ascii = true})
t.is(ascii, (expected_maps:gsub('█', '@')), 'ASCII: the same picture with @ for the brightest')
t.ok(not ascii:find('[\128-\255]'), 'ASCII: no byte outside ASCII')

-- In colour: half blocks, the upper pixel as foreground and the lower as
-- background; white is the top of the sequential scale.
local colour = nn.viz.snapshot('featuremaps', {model = conv, frame = false, width = 60,
                                               height = 16, ansi = true, colors = 'truecolor'})
t.like(colour, '38;2;255;255;255;48;2;255;255;255m▀', 'truecolor: white half blocks for the 3s')
t.like(colour, '38;2;255;90;50', 'truecolor: the kernel\'s +1 is red (diverging map)')
t.like(colour, '38;2;80;140;255', 'truecolor: and its -1 blue')
local c256 = nn.viz.snapshot('featuremaps', {model = conv, frame = false, width = 60,
                                             height = 16, ansi = true, colors = '256'})
t.like(c256, '38;5;231;48;5;231m▀', '256 colours: white is colour 231')
local c16 = nn.viz.snapshot('featuremaps', {model = conv, frame = false, width = 60,
                                            height = 16, ansi = true, colors = '16'})
t.like(c16, '97;107m▀', '16 colours: bright white on bright white')
local mono = nn.viz.snapshot('featuremaps', {model = conv, frame = false, width = 60,
                                             height = 16, ansi = true, colors = 'none'})
t.ok(not mono:find('38;') and not mono:find('48;'), 'no colours: no colour codes at all')
t.is(mono:gsub('\27%[[%d;]*m', ''), expected_maps, 'no colours: the shaded picture, plus bold titles')

-- ---- the frame around a view, and a screen too small for it ----

local framed = nn.viz.snapshot('featuremaps', {model = conv})
t.like(lines(framed)[1], '^1 2 featuremaps 3 4 5 6 7 8$', 'the tabs on top (at 80 columns: the numbers, and the name of the view shown)')
t.like(lines(framed)[23], '^next: loss %(step 2 of 4%)  batch 1  epoch 1', 'the status line says where the stepper is')
t.like(lines(framed)[24], '^s step  n next  b back', 'the key strip at the bottom')
local small = nn.viz.snapshot('featuremaps', {model = conv, width = 30, height = 10})
t.ok(has_line(small, '^ *terminal too small$') and has_line(small, '^ *need 50 x 17$') and
     has_line(small, '^ *have 30 x 10$'), 'too small: says the size it needs', small)

-- ---- model view: the cursor ----

local model_view = nn.viz.snapshot('model', {model = conv})
t.ok(has_line(model_view, '^  1  conv2d_1        Conv2D       %(None, 4, 4, 1%)         10 ● ·$'),
     'model view: the layer, its shape, parameters, forward done', model_view)
t.ok(has_line(model_view, '^▶    loss +loss$'), 'model view: the cursor at the loss step', model_view)

-- ---- LSTM: gates and states at a known timestep ----

nn.seed(3)
local lstm = nn.Sequential{nn.LSTM(2, {input_shape = {4, 3}}), nn.Dense(2, {activation = 'softmax'})}
lstm:compile{optimizer = 'sgd', loss = 'categorical_crossentropy'}
local sx = nn.randn(2, 4, 3)
local sy = nn.utils.to_categorical(nn.tensor{0, 1}, 2)
local ls = nn.stepper(lstm, sx, sy)
ls:step(2)  -- timesteps 1 and 2 of lstm_1
local view = nn.viz.snapshot('lstm', {model = lstm, frame = false, width = 80, height = 21})
local v = lines(view)
t.is(v[1], 'lstm_1  example 1 of batch 1  label 0  units 1-2 of 2  next: forward t=3/4',
     'LSTM: the header says which example of which batch, its label and the next timestep (80 columns: the class name gives way)')
do  -- wider: the class name too; after a predict, the example's place in the data given to predict
  local wide = lines(nn.viz.snapshot('lstm', {model = lstm, frame = false, width = 100, height = 21}))
  t.is(wide[1], 'lstm_1 (LSTM)  example 1 of batch 1  label 0  units 1-2 of 2  next: forward t=3/4',
       'LSTM at 100 columns: the whole header')
  nn.seed(3)  -- another model, so that the rest of this file sees lstm as it was
  local other = nn.Sequential{nn.LSTM(2, {input_shape = {4, 3}}), nn.Dense(2, {activation = 'softmax'})}
  other:compile{optimizer = 'sgd', loss = 'categorical_crossentropy'}
  other:predict(nn.randn(5, 4, 3), {batch_size = 2})  -- the last batch: example 5 alone
  t.is(lines(nn.viz.snapshot('lstm', {model = other, frame = false, width = 100, height = 21}))[1],
       'lstm_1 (LSTM)  example 5 of the last predict  units 1-2 of 2',
       'LSTM after predict: the example\'s place in the data given to predict, not a training batch')
  -- the status line with a message: the position gives up whole fields, never half a number
  local st = nn.stepper(other, nn.randn(2, 4, 3), nn.utils.to_categorical(nn.tensor{0, 1}, 2))
  st:finish()
  local function status(width)
    local snap = lines(nn.viz.snapshot('lstm', {model = other, width = width, height = 24,
                                                message = 'stopped: the end of the run'}))
    for i = #snap, 1, -1 do if snap[i]:find('batch done') then return snap[i] end end
  end
  t.is(status(100), string.format('batch done (12 steps)  batch 1  epoch 1  loss %s  stopped: the end of the run',
                                  nn.format(st.loss)), 'status line at 100 columns: the position and the message whole')
  t.is(status(80), 'batch done (12 steps)  batch 1  epoch 1  stopped: the end of the run',
       'status line at 80 columns: the loss gives way whole, not cut to a shorter number')
end
t.is(v[2], 'timestep   1        ▼     4  timestep   1        ▼     4     input, reading t=3',
     'LSTM: ▼ marks timestep 3, and the input panel says it is read')
local function count(text, glyph) return select(2, text:gsub(glyph, '')) end
t.like(v[3], '^i input .*  f forget ', 'LSTM: the gates i and f')
t.is(count(v[3], '·'), 16, 'LSTM: timesteps 3 and 4 not computed yet: dotted (2 x 4 columns, 2 maps)')
t.like(v[7], '^g cand. .*  o output ', 'LSTM: the candidate g and the output gate')
t.like(v[11], '^c cell .*  h hidden ', 'LSTM: the cell and hidden states')
t.like(v[4], '^lo 0%.311 ', 'LSTM: the range beside each map')
t.like(v[#v], '^key: .* 0%.%.1 i f o .* %-1%.%.1 g h  c ±0%.356 own  · not run yet',
       'LSTM: a key says how the shades read', view)
ls:step(4)  -- the rest of the forward pass, the loss, backward dense_1
local after = lines(nn.viz.snapshot('lstm', {model = lstm, frame = false, width = 80, height = 21}))
t.is(after[2], 'timestep   1              4  timestep   1              4     input x_t, t down',
     'LSTM: no mark once the cursor has left the layer')
t.ok(not after[3]:find('·'), 'LSTM: every timestep computed')
ls:step(2)  -- backward dense_1, backward lstm_1 t=4
local back = lines(nn.viz.snapshot('lstm', {model = lstm, frame = false, width = 80, height = 21}))
t.like(back[1], 'next: backward t=3/4$', 'LSTM: backpropagation through time walks back')
t.is(back[2], 'timestep   1        ▼     4  timestep   1        ▼     4     input t=3, backward',
     'LSTM: ▼ at timestep 3 going back')

-- ---- loss: a known series ----

local expected_loss = [[
loss per batch: 4 batches, last 1, lowest 1, highest 4
       4┤⠉⠑⠒⠒⠤⠤⢄⣀⣀⡀
        │         ⠈⠉⠉⠒⠒⠢⠤⠤⣀⣀⡀
        │                   ⠈⠉⠉⠒⠒⠢⠤⠤⢄⣀⣀
     2.5┤                              ⠉⠉⠑⠒⠒⠤⠤⢄⣀⣀
        │                                        ⠉⠉⠑⠒⠒⠢⠤⠤⣀⣀⡀
        │                                                  ⠈⠉⠉⠒⠒⠢⠤⠤⣀⣀⡀
       1┤                                                            ⠈⠉⠉⠑⠒⠒⠤⠤⢄⣀
        └──────────────────────────────────────────────────────────────────────
         1                      2                                     4 batches
⠤⠤ batch  ⠤⠤ smoothed  l: log
]]
t.is(nn.viz.snapshot('loss', {loss = {4, 3, 2, 1}, frame = false, width = 80, height = 11}),
     expected_loss, 'loss plot of a known series, exact (braille)')
local log_plot = nn.viz.snapshot('loss', {loss = {4, 3, 2, 1}, frame = false, width = 80,
                                          height = 11, log = true})
t.like(log_plot, '%(log scale%)', 'log scale: said in the title')
t.like(lines(log_plot)[5], '^       2┤', 'log scale: the middle of 1..4 is 2')
local ascii_plot = nn.viz.snapshot('loss', {loss = {4, 3, 2, 1}, frame = false, width = 80,
                                            height = 11, ascii = true})
t.is(lines(ascii_plot)[2], "       4+''----...", 'ASCII plot: dots become quotes, dashes, periods')
local with_val = nn.viz.snapshot('loss', {loss = {4, 3, 2, 1}, accuracy = {0.1, 0.4, 0.6, 0.9},
                                          val_loss = {3.5, 1.5}, frame = false, height = 20})
t.like(with_val, 'accuracy per batch: 4 batches', 'accuracy below the loss')
t.like(with_val, 'validation: last 1.5, lowest 1.5 %(epoch 2%)', 'the validation loss in numbers')

-- ---- fit keeps a record; views of a trained model ----

nn.seed(5)
local net = nn.Sequential{
  nn.Conv2D(2, 3, {activation = 'relu', input_shape = {6, 6, 1}}),
  nn.MaxPooling2D(2), nn.Flatten(), nn.Dense(3, {activation = 'softmax'}),
}
net:compile{optimizer = 'adam', loss = 'categorical_crossentropy', metrics = {'accuracy'}}
local x = nn.randn(12, 6, 6, 1)
local y = nn.utils.to_categorical(nn.tensor{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2}, 3)
net:fit(x, y, {epochs = 2, batch_size = 4, verbose = 0, validation_split = 0.25})
local h = nn.viz.history(net)
t.is(#h.loss, 6, 'fit recorded each batch (3 per epoch, 2 epochs)')
t.is(#h.val_loss, 2, 'and the validation loss of each epoch')
t.ok(h.accuracy[1] >= 0 and h.accuracy[1] <= 1, 'and each batch\'s accuracy')
local loss_view = nn.viz.snapshot('loss', {model = net})
t.like(loss_view, 'loss per batch: 6 batches', 'the loss view draws the record')
local grads = nn.viz.snapshot('gradients', {model = net})
t.ok(has_line(grads, '^conv2d_1        ██.* %d%.%d+ +%d%.%d+ +░░░░ +%-$'),
     'gradients: a bar and the norms for conv2d_1 (no update measured outside live fit)', grads)
t.ok(has_line(grads, '^max_pooling2d_1 %(no weights%)'), 'gradients: layers without weights say so')
local preds = nn.viz.snapshot('predictions', {model = net})
-- fit's validation (the last 3 of 12 examples) ran last: its batch is in the model
t.like(preds, 'predictions for examples 1%-3 of the validation data: %d of 3 right',
       'predictions: the last batch, named and scored', preds)
t.like(preds, '#1 .- true %d, predicted %d', 'predictions: true and predicted class')
local few = nn.viz.snapshot('predictions', {model = net, width = 80, height = 16, frame = false})
t.like(few, "showing #1%-#2 of the batch's 3 %(%[ and %] for the others%)", 'predictions: says when some examples are not shown', few)

-- the confusion matrix of the last evaluate: a Dense layer whose weights
-- send input 1 to class 0 and inputs 2 and 3 both to class 2, so class 1 is
-- always taken for class 2: rows are true classes, columns predicted ones.
local picker = nn.Sequential{nn.Dense(3, {activation = 'softmax', input_shape = {3}})}
picker:compile{optimizer = 'sgd', loss = 'categorical_crossentropy'}
local to_class = {1, 3, 3}
for i = 1, 3 do
  for j = 1, 3 do picker.layers[1].kernel[i][j] = j == to_class[i] and 10 or 0 end
end
local px = nn.tensor{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 0, 0}}
picker:evaluate(px, nn.utils.to_categorical(nn.tensor{0, 1, 2, 0}, 3))
local matrix = nn.viz.snapshot('predictions', {model = picker, width = 80, height = 24, frame = false})
t.like(matrix, "evaluate's confusion matrix %(4 examples%)", 'predictions: the confusion matrix of evaluate')
t.ok(has_line(matrix, '^     0  1  2$'), 'columns: the predicted classes', matrix)
t.ok(has_line(matrix, '^ 0   2  ·  ·$'), 'row 0: both class-0 examples right', matrix)
t.ok(has_line(matrix, '^ 1   ·  ·  1$'), 'row 1: its example taken for class 2', matrix)
t.ok(has_line(matrix, '^ 2   ·  ·  1$'), 'row 2: right', matrix)
t.like(matrix, 'most mixed up: true 1 seen as 2, 1 time\n', 'and the worst confusion named')
-- fit's validation data counts into the same matrix at each epoch's end
-- (a copy of picker: fit changes its weights, a little)
local chooser = nn.Sequential{nn.Dense(3, {activation = 'softmax', input_shape = {3}})}
chooser:compile{optimizer = 'sgd', loss = 'categorical_crossentropy'}
chooser:set_weights(picker:get_weights())
chooser:fit(px, nn.utils.to_categorical(nn.tensor{0, 1, 2, 0}, 3),
            {epochs = 1, verbose = 0, shuffle = false,
             validation_data = {px:slice(2, 3), nn.utils.to_categorical(nn.tensor{1, 2}, 3)}})
local validated = nn.viz.snapshot('predictions', {model = chooser, width = 80, height = 24, frame = false})
t.like(validated, "\nvalidation confusion matrix %(2 examples%)", "fit: the validation data's confusion matrix, titled so (not evaluate's)", validated)
t.ok(has_line(validated, '^ 1   ·  ·  1$') and has_line(validated, '^ 2   ·  ·  1$'),
     'fit: its rows, from the validation examples', validated)
nn.viz.clear(chooser)
t.like(nn.viz.snapshot('predictions', {model = chooser, width = 80, height = 24, frame = false}),
       "\nvalidation confusion matrix %(2 examples%)", 'nn.viz.clear forgets the run, not the last validation\'s matrix')
chooser:evaluate(px, nn.utils.to_categorical(nn.tensor{0, 1, 2, 0}, 3))
t.like(nn.viz.snapshot('predictions', {model = chooser, width = 80, height = 24, frame = false}),
       "\nevaluate's confusion matrix %(4 examples%)", 'after evaluate: its matrix, titled evaluate\'s')
-- ---- predictions: labels only with the batch they belong to ----

-- evaluate in batches of 2 leaves its last batch (examples 3 and 4) in the
-- model, with their labels: picker predicts classes 2 and 0, both right
local px = nn.tensor{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 0, 0}}
local py = nn.utils.to_categorical(nn.tensor{0, 1, 2, 0}, 3)
local _, picker_accuracy = picker:evaluate(px, py, {batch_size = 2})
t.is(picker_accuracy, 0.75, 'evaluate: 3 of 4 right (class 1 is taken for 2)')
local scored = lines(nn.viz.snapshot('predictions', {model = picker, width = 80, height = 12,
                                                     frame = false}))
t.is({scored[1], scored[3], scored[4]},
     {'predictions for examples 3-4 of the last evaluate: 2 of 2 right (100%)',
      '#3 ✓ true 2, predicted 2   #4 ✓ true 0, predicted 0',
      '2 ██████████ 1.00          0 ██████████ 1.00'},
     'after evaluate: its last batch, numbered as in the data, with its labels')
-- then a predict of two other examples: the model still holds evaluate's
-- labels (0 and 2 would score the predict's 2 and 0 as "0 of 2 right"),
-- but they are not this batch's: no "true", no right or wrong
picker:predict(nn.tensor{{0, 0, 1}, {1, 0, 0}})
local unlabelled = nn.viz.snapshot('predictions', {model = picker, width = 80, height = 12,
                                                   frame = false})
local u = lines(unlabelled)
t.is({u[1], u[3], u[4]},
     {'predictions for examples 1-2 of the last predict (predict has no labels)',
      '#1 predicted 2             #2 predicted 0',
      '2 ██████████ 1.00          0 ██████████ 1.00'},
     'after predict: the predictions, and why nothing is called right or wrong', unlabelled)
-- where the long titles would be cut (the matrix beside them), the short
-- forms: the learner still reads whose batch it is and what is known
local narrow = lines(nn.viz.snapshot('predictions', {model = picker, width = 60, height = 12,
                                                     frame = false}))
t.like(narrow[1], '^examples 1%-2 of the last predict: no labels$',
       'after predict, in a narrow column: the short title, whole', narrow[1])
picker:evaluate(px, py, {batch_size = 2})
local narrow_scored = lines(nn.viz.snapshot('predictions', {model = picker, width = 60,
                                                            height = 12, frame = false}))
t.like(narrow_scored[1], '^examples 3%-4 of the last evaluate: 2 of 2 right$',
       'after evaluate, in a narrow column: how many right, whole', narrow_scored[1])
local narrowest = lines(nn.viz.snapshot('predictions', {model = picker, width = 44,
                                                        height = 14, frame = false}))
t.like(narrowest[1], '^2 of 2 right: examples 3%-4 of the last eval',
       'narrower still: the count first, so what is cut is the least', narrowest[1])
picker:predict(nn.tensor{{0, 0, 1}, {1, 0, 0}})
local examples_part = unlabelled:match('^(.-)evaluate\'s confusion matrix')
t.ok(examples_part and not examples_part:find('true') and not examples_part:find('right') and
     not examples_part:find('✓') and not examples_part:find('✗'),
     'after predict: no label anywhere above the matrix (which names its evaluate)', unlabelled)
nn.viz.record(picker)
local picker_record = nn.viz.history(picker).accuracy
t.ok(picker_record[#picker_record] ~= picker_record[#picker_record],
     'record(model) after predict: no accuracy (NaN), there are no labels')
nn.viz.clear(picker)

-- the debugger's batch: a predict in between unloads it; the debugger puts
-- it back, labels included, at its next command
local pd = nn.debug(picker, px, py, {batch_size = 4})
pd:step(1)  -- forward dense_1: the outputs are there
t.like(nn.viz.snapshot('predictions', {model = picker, frame = false}),
       '^predictions for batch 1: 3 of 4 right %(75%%%)', 'debugger: its batch, scored')
picker:predict(px:slice(1, 2))
t.like(nn.viz.snapshot('predictions', {model = picker, frame = false}),
       '^predictions for examples 1%-2 of the last predict %(predict has no labels%)',
       'debugger: a predict in between shows no labels')
pd:step(1)  -- the batch comes back, then the loss step
t.like(nn.viz.snapshot('predictions', {model = picker, frame = false}),
       '^predictions for batch 1: 3 of 4 right %(75%%%)', 'debugger: its batch and labels back')

-- the issue's sequence on the reference CNN: evaluate 40 examples, predict 8
local ok_cnn, cnn = pcall(nn.pretrained, 'fashion_cnn')
if ok_cnn then
  nn.seed(13)
  local images = nn.rand(40, 28, 28, 1)
  local labels = nn.zeros(40)
  for i = 1, 40 do labels[i] = (i * 7) % 10 end
  cnn:evaluate(images, nn.utils.to_categorical(labels, 10))
  cnn:predict(images:slice(1, 8))
  -- (150 wide: the matrix, its columns headed by class names, takes 66)
  local shown = nn.viz.snapshot('predictions', {model = cnn, frame = false, width = 150, height = 40})
  t.like(shown, '^predictions for examples 1%-8 of the last predict %(predict has no labels%)',
         'fashion_cnn: evaluate then predict: the predict\'s 8, unlabelled', shown)
  t.ok(not shown:find('true %d, predicted') and not shown:find('#%d+ [^ ]+ true') and
       not shown:find('right %(') and
       not shown:find('✓', 1, true) and not shown:find('✗', 1, true), 'fashion_cnn: no example called right or wrong', shown)
else
  t.skip('fashion_cnn after evaluate and predict', 'nn.pretrained: ' .. tostring(cnn))
end

nn.viz.clear(net)
t.is(#nn.viz.history(net).loss, 0, 'clear forgets the record')
nn.viz.record(net, 0.5, 0.25)
t.is(nn.viz.history(net).loss, {0.5}, 'record adds a batch by hand')

-- the stepper's loss step, recorded with nn.viz.record(model)
local d = nn.debug(net, x, y, {batch_size = 4})
d:step(5)  -- forward 4 layers, the loss
nn.viz.record(net)
t.is(#nn.viz.history(net).loss, 2, 'record(model) takes the stepper\'s batch')
t.is(nn.viz.history(net).loss[2], d.stepper.loss, 'with its loss')

-- gradients after a stepped update: the update/weight ratio is measured
d:finish()
local stepped = nn.viz.snapshot('gradients', {model = net})
t.ok(has_line(stepped, '^dense_1 .* %d[%.%de%-]+$'), 'gradients: update/|W| after the update', stepped)

-- ---- every view, at every size, at every step: no error, right size ----

local function sweep(model, debugger, steps)
  local failures = {}
  for step = 0, steps do
    for _, view in ipairs(nn.viz.views) do
      for _, w in ipairs{1, 12, 45, 80, 203} do
        for _, h in ipairs{1, 9, 17, 24, 61} do
          for _, ascii in ipairs{false, true} do
            local ok, text = pcall(nn.viz.snapshot, view, {model = model, width = w, height = h,
                                                           ascii = ascii, ansi = w == 80})
            if not ok or select(2, text:gsub('\n', '')) ~= h then
              failures[#failures + 1] = string.format('%s %dx%d at step %d: %s', view, w, h, step,
                                                      ok and 'wrong height' or text)
            end
          end
        end
      end
    end
    if step < steps then debugger:step() end
  end
  return failures
end
local failures = sweep(lstm, nn.debug(lstm, sx, sy), 12)
for _, f in ipairs(sweep(net, nn.debug(net, x, y, {batch_size = 4}), 10)) do
  failures[#failures + 1] = f
end
t.is(failures, {}, 'every view at every size and every step of a batch (LSTM and CNN)')

-- ---- options and errors ----

t.is(nn.viz.learning_rate(net), 0.001, 'learning_rate reads the optimizer\'s')
t.is(nn.viz.learning_rate(net, 0.002), 0.002, 'and sets it')
t.raises(function() nn.viz.snapshot('pictures', {model = net}) end, "no view 'pictures'", 'unknown view')
t.raises(function() nn.viz.snapshot('model', {model = net, colors = 'many'}) end,
         "colors should be 'none', '16', '256' or 'truecolor'", 'unknown colour depth')
t.raises(function() nn.viz.snapshot('model', {model = net, widht = 3}) end, "unknown option 'widht'",
         'unknown option')
t.raises(function() nn.viz.snapshot('model', {model = net, layer = 'dense_9'}) end,
         "no layer named 'dense_9'", 'unknown layer')
local by_name = nn.viz.snapshot('featuremaps', {model = net, layer = 'dense_1', frame = false})
t.like(by_name, '^dense_1 %(Dense%)', 'a layer chosen by name')
t.like(nn.viz.snapshot('featuremaps', {model = net, layer = 4, frame = false}), '^dense_1',
       'or by number')
t.raises(function() nn.viz.open(net) end, 'needs a terminal', 'open without a terminal: a clear message')
local fitted = net:fit(x, y, {epochs = 1, batch_size = 4, verbose = 0, viz = true})
t.is(#fitted.loss, 1, 'fit{viz = true} without a terminal trains anyway (with a warning)')

print = real_print
t.done_testing()
