-- debugger.lua: the training debugger from Lua (nn.debug), the same
-- functions the ':' commands call.
local t = require 'tap'

-- the debugger talks with print; collect what it says
local said = {}
local real_print = print
print = function(...)
  local parts = {}
  for i = 1, select('#', ...) do parts[i] = tostring((select(i, ...))) end
  said[#said + 1] = table.concat(parts, '\t')
end
local function heard(pattern)
  for _, line in ipairs(said) do if line:find(pattern) then return true end end
  return false
end

local function model(seed)
  nn.seed(seed)
  local m = nn.Sequential{
    nn.Conv2D(2, 3, {activation = 'relu', input_shape = {6, 6, 1}}),
    nn.MaxPooling2D(2),
    nn.Flatten(),
    nn.Dense(3, {activation = 'softmax'}),
  }
  m:compile{optimizer = 'adam', loss = 'categorical_crossentropy'}
  return m
end
nn.seed(4)
local x = nn.randn(6, 6, 6, 1)
local y = nn.utils.to_categorical(nn.tensor{0, 1, 2, 0, 1, 2}, 3)

-- stepping a whole batch == train_on_batch, to the bit
local a, b = model(1), model(1)
a:train_on_batch(x, y)
local d = nn.debug(b, x, y)
t.like(said[1], 'debugging nn.Sequential %(4 layers', 'nn.debug introduces itself')
d:step(10)
t.is(d.stepper.done, true, '10 steps: forward 4, loss, backward 4, update')
t.is((a.layers[1].kernel - b.layers[1].kernel):abs():max(), 0, 'stepping == train_on_batch (conv kernel)')
t.is((a.layers[4].kernel - b.layers[4].kernel):abs():max(), 0, 'stepping == train_on_batch (dense kernel)')

-- back: bitwise the state one step earlier
local m = model(2)
d = nn.debug(m, x, y, {batch_size = 2, epochs = 2})
d:step(8)  -- forward 4, loss, backward dense_1, flatten_1, max_pooling2d_1
local grad_before = m.layers[4].grad.kernel:clone()
local out_before = m.layers[1].output:clone()
d:step()
t.ok((m.layers[1].grad.kernel):abs():sum() > 0, 'backward conv2d_1 wrote its gradient')
d:back()
t.is(d.stepper.position, 8, 'back one step')
t.is((m.layers[4].grad.kernel - grad_before):abs():max(), 0, 'dense gradient as it was')
t.is((m.layers[1].output - out_before):abs():max(), 0, 'conv output as it was')
t.is(m.layers[1].grad.kernel:abs():sum(), 0, "conv gradient not yet computed again")
local kernel_before = m.layers[4].kernel:clone()
d:finish()
t.ok((m.layers[4].kernel - kernel_before):abs():sum() > 0, 'the update ran')
d:back()
t.is((m.layers[4].kernel - kernel_before):abs():max(), 0, 'going back across the update undoes it')

-- breakpoints count their hits across batches
said = {}
local id = d:break_at('dense_1 backward')
d:continue()
t.is(d.stepper:peek().phase, 'backward', 'stopped before the backward step')
t.is(d.stepper:peek().layer, 'dense_1', 'of dense_1')
d:continue()
d:continue()
t.is(d.breakpoints[1].hits, 3, 'hit once per batch')
t.ok(heard('breakpoint 1 %(dense_1 backward%), hit 3 times'), 'the hit is announced')
d:disable(id)
local loss_id = d:break_at('loss > 0')
d:continue()
t.is(d.stepper:peek().phase, 'backward', 'a condition stops after the step that made it true')
d:delete(loss_id)
local calls = 0
local predicate_id = d:break_at(function(event) calls = calls + 1 return event.phase == 'update' end)
d:continue()
t.ok(calls > 0, 'a Lua predicate sees the events')
t.is(d.stepper.done, true, 'the predicate stopped after the update')
d:delete(predicate_id)
d:continue()
t.ok(heard('stopped: the end of the run'), 'continue ends at the end of the run')

-- watches print when the value changes
said = {}
d = nn.debug(model(3), x, y)
d:watch('dense_1.grad.kernel:norm()')
d:step(5)
t.ok(heard('watch 1: dense_1.grad.kernel:norm%(%) = 0$'), 'a watch prints its first value')
t.raises(function() d:explain('dense_1.weights[5][2]') end, 'the backward pass of dense_1 has not run yet', 'explain waits for the backward pass')
d:step()
t.ok(heard('%(was 0%)'), 'and prints again when a step changes it')
d:print('conv2d_1.output:max()')
t.ok(said[#said]:match('^%d'), ':print evaluates with layer names in scope')

-- :print reads the paths :explain reads, and shows values as the REPL does
said = {}
local kernel = d.model.layers[4].kernel  -- (8, 3): conv 6 -> 4, pool -> 2; 2 x 2 x 2 filters
local value = d:print('dense_1.weights[5][2]')
t.is(value, kernel:get(5, 2), ':print dense_1.weights[5][2] is the kernel element, as :explain reads it')
t.is_near(tonumber(said[#said]), kernel:get(5, 2), 1e-12, 'and prints it')
d:print('dense_1.weights.shape')
t.is(said[#said], '{8, 3}', ':print of a shape shows the table, not its address')
d:print('dense_1.kernel.shape, conv2d_1.kernel.shape')
t.is(said[#said], '{8, 3}\t{3, 3, 1, 2}', ':print of several values: side by side, as the REPL')
d:print('dense_1.weights')
t.like(said[#said], '%[nn.Tensor of size 8x3%]$', ':print dense_1.weights is the kernel, printed as a tensor')
t.raises(function() d:print('dense_1.weights[9][1]') end, 'index 9 is out of range: a tensor of shape (8, 3) takes t[i][j] with i from 1 to 8',
         ':print of an index out of range says which')
t.raises(function() d:print('flatten_1.weights[1]') end, 'print: flatten_1 has no kernel',
         ':print of the weights of a layer without a kernel says so')

-- a watch shows 6 significant digits: 1/3 as float32 is 0.3333333432674...
said = {}
local wd = nn.debug(model(3), x, y)
wd.model.layers[4].kernel[1][1] = 1 / 3
wd:watch('dense_1.weights[1][1]')
t.ok(heard('^watch 1: dense_1.weights%[1%]%[1%] = 0.333333$'), 'a watch of a number shows 6 significant digits')
wd:watch('dense_1.kernel.shape')
t.ok(heard('^watch 2: dense_1.kernel.shape = {8, 3}$'), 'a watch of a table shows its contents')

-- explain: the chain rule adds up to the engine's gradient
local e = d:explain('dense_1.weights[5][2]')
t.is(e.input, 5, 'explain: the input')
t.is(e.output, 2, 'explain: the unit')
t.is(#e.terms, 6, 'one product per example')
t.is_near(e.sum, e.engine, 1e-6, 'the products add up to the engine gradient')
local eb = d:explain('dense_1.bias[3]')
t.is(eb.bias, true, 'explain a bias')
t.raises(function() d:explain('flatten_1.kernel[1]') end, 'flatten_1 has no kernel', 'no kernel, no explain')
t.raises(function() d:explain('dense_1.weights[99][1]') end, 'index 99 is out of range', 'explain checks indices')
t.raises(function() d:break_at('dense_9 backward') end, "no layer named 'dense_9'", 'break checks names')
t.raises(function() d:break_at('dense_1 sideways') end, "the phase is 'forward' or 'backward'", 'break checks phases')
t.raises(function() d:info('everything') end, "info: what%?", 'info checks its argument')

-- one example: "1 example", not "the 1 examples"
said = {}
local od = nn.debug(model(9), x:slice(1, 1), y:slice(1, 1))
od:step(6)  -- forward 4, loss, backward dense_1
local oe = od:explain('dense_1.weights[1][1]')
t.ok(heard('^dL/dw = sum over the 1 example of dL/dz %* dz/dw,$'), 'explain over one example says "the 1 example"')
t.ok(not heard('1 examples'), 'and never "1 examples"')
t.ok(heard('^  the only product: '), 'one product is "the only product", not "all 1 products"')
t.is_near(oe.sum, oe.engine, 1e-6, 'and it is the engine gradient')
do  -- and shows as the same number: both at float's 7 digits
  local product, engine
  for _, line in ipairs(said) do
    product = product or line:match('^  the only product: (%S+)$')
    engine = engine or line:match("^  the engine's gradient:  (%S+)$")
  end
  t.is(product, engine, 'the only product and the engine gradient print alike')
  t.is(product, string.format('%.7g', oe.engine), '... at 7 significant digits')
end
t.ok(heard('^on 1 example %(1 batch of 1%)'), 'nn.debug on one example says "1 example"')

-- a planted NaN stops at the layer and phase that made it
said = {}
local bad = model(5)
bad.layers[4].kernel[7][2] = 0 / 0
d = nn.debug(bad, x, y)
d:continue()
t.ok(heard('stopped: .*NaN appeared in the output of dense_1 during forward dense_1'), 'NaN is caught where it starts')
t.is(d.stepper.position, 4, 'the cursor is after the step that made it')

-- the NaN hint names the element the message names: a :print of the whole
-- tensor may hide it behind '...'
local element, whole = nn.debugger.bad_element(d.stopped_by)
t.like(element, '^dense_1%.output%[%d+%]%[%d+%]$', 'the hint :prints the element the message names')
t.is(whole, 'dense_1.output', 'and names the whole tensor')
local row, col = d.stopped_by:match('%(at %[(%d+)%]%[(%d+)%]')
t.ok(element == 'dense_1.output[' .. row .. '][' .. col .. ']', 'at the message\'s index')
said = {}
d:print(element)
t.ok(heard('nan'), ':print of it shows the NaN')
t.is({nn.debugger.bad_element('NaN appeared in dense_1.kernel during update (at [51][2]: row 51, ' ..
                              'column 2 of (64, 10))')}, {'dense_1.kernel[51][2]', 'dense_1.kernel'},
     'a parameter after the update')
t.is({nn.debugger.bad_element('+Inf appeared in conv2d_1.grad.kernel during backward conv2d_1 ' ..
                              '(at [1][2][1][2] of (3, 3, 1, 2))')},
     {'conv2d_1.grad.kernel[1][2][1][2]', 'conv2d_1.grad.kernel'}, 'a gradient, 4-D')
t.is({nn.debugger.bad_element('-Inf appeared in the input gradient of dense_2 during backward dense_2 ' ..
                              '(at [3][1]: row 3, column 1 of (6, 4))')},
     {'dense_2.grad_input[3][1]', 'dense_2.grad_input'}, 'an input gradient')
t.is(nn.debugger.bad_element("NaN appeared in the loss's gradient during loss (at [1][1]: ...)"), nil,
     'the loss\'s gradient has no :print path: nil (the hint stays general)')

-- fit can hand its run to the debugger
said = {}
local fm = model(6)
local fd = fm:fit(x, y, {epochs = 2, batch_size = 4, debug = true})
t.ok(heard('on 6 examples %(2 batches of 4%)'), 'fit{debug = true} starts the debugger on its run')
fd:continue()
t.ok(heard('stopped: the end of the run'), 'and :continue trains through every batch and epoch')
t.is(fd.epoch, 2, 'two epochs')

-- where() returns the position as a value (and prints the listing)
said = {}
local pm = model(7)
local pd = nn.debug(pm, x, y)
local pos = pd:where()
t.ok(heard('^=>   1  forward conv2d_1$'), 'where prints the listing')
t.is({pos.phase, pos.layer, pos.layer_index, pos.timestep, pos.step, pos.steps, pos.batch, pos.epoch, pos.done},
     {'forward', 'conv2d_1', 1, 1, 1, 10, 1, 1, false}, 'where returns phase, layer, timestep, step, batch, epoch')
t.like(tostring(pos), '^forward conv2d_1 %(step 1 of 10, batch 1/1, epoch 1/1%)$', 'and the position prints as one line')
pos = pd:step(5)
t.is({pos.phase, pos.layer, pos.step}, {'backward', 'dense_1', 6}, 'step returns the new position')
pd:finish()
t.is({pd:position().done, pd:position().step}, {true, 11}, 'at the end of the batch: done')
t.is(tostring(pd:position()), 'the batch is done (all 10 steps, batch 1/1, epoch 1/1)',
     'and says so without a step 11 of 10')

-- a Conv2D weight is named by its place in the window
said = {}
pd:back(2)  -- before conv2d_1's backward ... and its update
pd:step()
pd:explain('conv2d_1.kernel[3][2][1][2]')
t.ok(heard('weighs row 3, column 2, channel 1$') and heard('^of each 3x3 window for filter 2 of conv2d_1%.$'),
     'explain names the place in the window of a Conv2D weight')

-- predict and evaluate unload the batch being stepped through; the debugger
-- puts it back at the same step, every number as it was
local rm = model(8)
local rd = nn.debug(rm, x, y)
rd:step(4)
local dense_out = rm.layers[4].output:clone()
rd:back(1)
rm:predict(nn.randn(5, 6, 6, 1))
rm:evaluate(x:slice(1, 2), y:slice(1, 2))
t.is(rd.stepper.loaded, false, 'predict and evaluate unload the batch')
said = {}
rd:step()
t.ok(heard('the batch is back in place at step 4'), 'the debugger says it put the batch back')
t.is(rd.stepper.position, 4, 'and stepping goes on from where it was')
t.is((rm.layers[4].output - dense_out):abs():max(), 0, 'the step computes what it computed before, bitwise')
rm:predict(x)
t.is((rd:print('dense_1.output') - dense_out):abs():max(), 0, ':print sees the batch, not what predict ran')
rd:finish()
-- at the batch's first step there is nothing to replay: predict then s
-- says the batch is back at step 1, not that the model was trained since
local zd = nn.debug(model(8), x, y)
zd.model:predict(x)
said = {}
zd:step()
t.ok(heard('the batch is back in place at step 1'), 'predict at step 1: the batch is back at step 1')
t.ok(not heard('trained since'), '... and nothing says the model was trained')
t.is(zd.stepper.position, 1, '... and the step ran')
zd:finish()
local ref = model(8)
ref:train_on_batch(x, y)
t.is((rm.layers[4].kernel - ref.layers[4].kernel):abs():max(), 0, 'the interrupted step == train_on_batch, bitwise')

print = real_print
t.done_testing()
