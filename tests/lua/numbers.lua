-- numbers.lua: readable numbers everywhere a learner looks: one rule for single numbers (nn.format, tensor_print.h), used by the
-- progress line, the stepper, the views, the debugger and the Gluon losses;
-- places in a tensor as Lua indexes them; "1 example", not "1 examples".
-- Every expected text is written out here from arithmetic.
local t = require 'tap'

---------------------------------------------------------------- the rule
t.is(nn.format(0.53214478), '0.5321', 'a loss: 4 decimals, as Keras prints it')
t.is(nn.format(0), '0.0000', 'zero: 4 decimals')
t.is(nn.format(1.0486e57), '1.05e+57', 'a huge loss: 3 significant digits, not 58 digits')
t.is(nn.format(-123456), '-1.23e+05', 'from 1e5 up: scientific')
t.is(nn.format(2.5e-5), '2.5e-05', 'below 1e-3: scientific, not 0.0000')
t.is(nn.format(0 / 0), 'nan', 'NaN is nan (never -nan)')
t.is(nn.format(-1 / 0), '-inf', 'an infinity')
t.is(nn.format(1 / 3, 6), '0.333333', 'nn.format(v, 6): 6 significant digits')
t.is(nn.format(123456789, 4), '1.235e+08', 'nn.format(v, 4): 4 significant digits')

---------------------------------------------------------------- a huge loss
-- One weight 1, no bias, x = 1.5e18, target 0: the MSE is 1.5e18^2 = 2.25e36.
local function huge_loss_model()
  local m = nn.Sequential{nn.Dense(1, {use_bias = false, input_shape = {1}})}
  m:compile{optimizer = nn.optimizers.SGD{learning_rate = 1e-40}, loss = 'mse'}
  m.layers[1].kernel[1][1] = 1
  return m, nn.tensor{{1.5e18}}, nn.zeros(1, 1)
end

-- The progress line is printed by C on standard output: run it in a child.
local script = os.tmpname()
local f = assert(io.open(script, 'w'))
f:write([[
local m = nn.Sequential{nn.Dense(1, {use_bias = false, input_shape = {1}})}
m:compile{optimizer = nn.optimizers.SGD{learning_rate = 1e-40}, loss = 'mse'}
m.layers[1].kernel[1][1] = 1
m:fit(nn.tensor{{1.5e18}}, nn.zeros(1, 1), {epochs = 1, batch_size = 1, verbose = 2})
]])
f:close()
local child = assert(io.popen(arg[-1] .. ' ' .. script .. ' 2>&1'))
local output = child:read('a')
child:close()
os.remove(script)
t.like(output, '^Epoch 1/1 %- 1/1 %- %d+s %- loss: 2%.25e%+36\n$',
       'the progress line shows a loss of 2.25e36 as 2.25e+36')
t.ok(not output:find('%d%d%d%d%d%d%d%d%d%d'), 'and nowhere ten digits in a row')

local m, x, y = huge_loss_model()
local s = nn.stepper(m, x, y)
s:step(2)  -- forward dense_1, the loss
t.is_near(s.loss, 2.25e36, 2.25e36 * 1e-6, '(the loss is 2.25e36)')
s:finish()
t.like(s:where(), 'loss 2%.25e%+36%)$', 'the stepper says the loss as 2.25e+36')

local said = {}
local real_print = print
print = function(...) said[#said + 1] = table.concat({...}, '\t') end
local d = nn.debug(m, x, y)
d:step(2)
print = real_print
local status
for _, line in ipairs(said) do status = line:match('^batch 1/1, epoch 1/1, loss .*') or status end
t.is(status, 'batch 1/1, epoch 1/1, loss 2.25e+36', 'the debugger status line shows the loss as 2.25e+36')

local frame = nn.viz.snapshot('model', {model = m, width = 100, height = 30})
t.like(frame, 'loss 2%.25e%+36', 'the model view shows the loss as 2.25e+36')
local loss_view = nn.viz.snapshot('loss', {model = m, width = 100, height = 24, loss = {2.25e36, 1e57}})
t.like(loss_view, 'last 1e%+57, lowest 2%.25e%+36, highest 1e%+57',
       'the loss view: last, lowest and highest with 4 significant digits')

local hm, hx, hy = huge_loss_model()
local history = hm:fit(hx, hy, {epochs = 1, batch_size = 1, verbose = 0})
t.is(nn.show(history.loss), '{2.25e+36}', 'a history shows its losses with 6 significant digits')
t.is(nn.show({loss = {0.53214478254318, 1 / 3, 2}}), '{loss = {0.532145, 0.333333, 2}}',
     'floats in a table: 6 significant digits, not float32 noise; integers as they are')
t.is(nn.show(1 / 3), '0.33333333333333', 'a number on its own shows in full, as Lua prints it')

local g = nn.Sequential{nn.Dense(1, {use_bias = false, input_shape = {1}})}
g.layers[1].kernel[1][1] = 1
t.is(tostring(nn.losses.mean_squared_error(nn.zeros(1, 1), g(nn.tensor{{1.5e18}}))),
     'mean_squared_error loss 2.25e+36', "a Gluon loss prints its name and 2.25e+36")

---------------------------------------------------------------- positions
-- A (64, 10) Dense kernel, all zeros; one example whose only non-zero input
-- is x[51] = 1 and whose target for unit 2 is -100. MSE over 10 outputs:
-- dL/dz[2] = 2 * (0 - (-100)) / 10 = 20, so dL/dkernel[51][2] = 1 * 20 is
-- the first non-zero gradient; SGD with a learning rate of 1e38 moves that
-- weight by -2e39, past float32's largest (3.4e38): -Inf at row 51, column 2.
local pm = nn.Sequential{nn.Dense(10, {input_shape = {64}})}
pm:compile{optimizer = nn.optimizers.SGD{learning_rate = 1e38}, loss = 'mse'}
pm.layers[1].kernel:fill(0)
local px, py = nn.zeros(1, 64), nn.zeros(1, 10)
px[1][51] = 1
py[1][2] = -100
local h = pm:fit(px, py, {epochs = 1, batch_size = 1, verbose = 0})
t.is(h.stopped, 'fit: stopped at epoch 1, batch 1: -Inf appeared in dense_1.kernel during update '
     .. '(at [51][2]: row 51, column 2 of (64, 10))',
     'a place in a (64, 10) weight is its row and column, from 1, as Lua indexes it')
t.is(pm.layers[1].kernel[51][2], -1 / 0, '(and that weight is -Inf)')

-- fit does not check every step (it watches the loss, the gradients and the
-- update, then replays the batch checked step by step): a NaN at timestep 3
-- of example 3 (batch 2, its example 1) is still named at that timestep,
-- and the batch stops before its update.
nn.seed(1)
local rm = nn.Sequential{nn.LSTM(3, {return_sequences = true, input_shape = {5, 2}}),
                         nn.Flatten(), nn.Dense(1)}
rm:compile{optimizer = 'adam', loss = 'mse'}
local rx, ry = nn.randn(4, 5, 2), nn.zeros(4, 1)
rx[3][3][1] = 0 / 0
local kernel_after_batch
local rh = rm:fit(rx, ry, {epochs = 1, batch_size = 2, verbose = 0, shuffle = false, callbacks = {
  {on_batch_end = function() kernel_after_batch = rm.layers[1].kernel:clone() end}}})
t.is(rh.stopped, 'fit: stopped at epoch 1, batch 2: NaN appeared in the output of lstm_1 during '
     .. 'forward lstm_1 t=3/5 (at [1][3][1] of (2, 5, 3))',
     'fit names the timestep a NaN entered an LSTM, and the example in its batch')
t.is((rm.layers[1].kernel - kernel_after_batch):abs():max(), 0,
     'the batch that made it did not update the weights')

---------------------------------------------------------------- one, not ones
local one = nn.Sequential{nn.Dense(1, {use_bias = false, input_shape = {1}})}
one:compile{optimizer = 'sgd', loss = 'mse'}
t.like(nn.viz.snapshot('gradients', {model = one, width = 100, height = 30}),
       'kernel of dense_1: 1 value ', 'the gradients view: "1 value" for a (1, 1) kernel')
local six = nn.Sequential{nn.Dense(3, {input_shape = {2}})}
six:compile{optimizer = 'sgd', loss = 'mse'}
t.like(nn.viz.snapshot('gradients', {model = six, width = 100, height = 30}),
       'kernel of dense_1: 6 values ', 'and "6 values" for a (2, 3) kernel')
said = {}
print = function(...) said[#said + 1] = table.concat({...}, '\t') end
local od = nn.debug(one, nn.ones(1, 1), nn.ones(1, 1))
od:info('layers')
print = real_print
t.like(said[#said], 'dense_1 +Dense +%(None, 1%)  1 parameter$', ':info layers: "1 parameter"')
t.ok(said[2]:find('^on 1 example %(1 batch of 1%)'), 'nn.debug: "1 example"')
t.raises(function() return nn.zeros(3):permute(1, 2) end,
         'permute: expected 1 axis for a 1-D tensor, got 2', 'permute: "1 axis"')
t.like(tostring(nn.zeros(11, 2, 2)), '%.%.%. %(1 slice not shown%)',
       'a printed tensor with one slice elided says "1 slice"')

t.done_testing()
