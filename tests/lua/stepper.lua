-- stepper.lua: stepping one training step from Lua.
local t = require 'tap'

nn.seed(3)
local m = nn.Sequential{
  nn.LSTM(3, {input_shape = {4, 2}}),
  nn.Dense(2, {activation = 'softmax'}),
}
m:compile{optimizer = 'sgd', loss = 'categorical_crossentropy'}
local x = nn.randn(5, 4, 2)
local y = nn.utils.to_categorical(nn.tensor{0, 1, 1, 0, 1}, 2)

local s = nn.stepper(m, x, y)
t.is(s:where(), 'forward lstm_1 t=1/4 (step 1 of 12, batch 1)', 'where: the step about to run')
local events = {}
s:on(function(e) events[#events + 1] = e end)
t.is(s:step(), true, 'step returns true while steps are left')
t.is(events[1].phase, 'forward', 'the observer sees the step')
t.is(events[1].layer, 'lstm_1', 'with the layer')
t.is(events[1].timestep, 1, 'and the timestep')
s:step(4)
t.is(s:where(), 'loss (step 6 of 12, batch 1)', 'after 4 LSTM steps and the Dense: the loss')
local kernel_before = m.layers[2].kernel:clone()
s:step()
t.ok(s.loss > 0, 'the loss is known after the loss step')
s:step()
t.is(events[7].phase, 'backward', 'backward after the loss')
t.is(events[7].layer, 'dense_1', 'backward starts at the last layer')
t.ok(m.layers[2].grad.kernel:abs():sum() > 0, 'the Dense kernel has a gradient')
t.is((m.layers[2].kernel - kernel_before):abs():sum(), 0, 'no update before the update step')
t.is(s:step(10), false, 'the batch ends')
t.is(events[12].phase, 'update', 'the last step is the update')
t.is(events[8].timestep, 4, 'backprop through time starts at t = 4')
t.ok((m.layers[2].kernel - kernel_before):abs():sum() > 0, 'the update changed the weights')
t.like(s:where(), 'batch 1 finished', 'where after the end')
t.is(s:layer(2).name, 'dense_1', 'layer(i)')
t.raises(function() s:layer(3) end, 'layer: index 3 is out of range', 'layer out of range')
t.raises(function() s:step(0) end, 'step: the number of steps must be positive', 'step(0)')

local s2 = nn.stepper(m, x, y)
s2:on(function() error('observer broke') end)
t.raises(function() s2:step() end, 'an observer failed: .*observer broke', 'observer errors surface')
t.raises(function() nn.stepper(m, nn.zeros(5, 3, 2), y) end, 'x has shape', 'wrong batch shape')

t.done_testing()
