-- layers.lua: every layer constructor from Lua: arguments, defaults, the
-- layer object's fields, and the error for each kind of bad argument.
local t = require 'tap'

local d = nn.Dense(4, {activation = 'relu', input_shape = {3}})
t.is(d.class, 'Dense', 'Dense class')
t.is(d.name, 'dense', 'a layer outside a model has its kind as name')
t.is(d.activation, 'relu', 'activation kept')
t.like(tostring(d), 'units=4, activation=relu', 'tostring shows the settings')
t.is(d.kernel, nil, 'no kernel before the layer is built')

local m = nn.Sequential()
m:add(d)
t.is(d.name, 'dense_1', 'named dense_1 when added')
t.is(d.kernel.shape[1], 3, 'kernel (in, units): in')
t.is(d.kernel.shape[2], 4, 'kernel (in, units): units')
t.is(d.weights.bias:sum(), 0, 'bias starts at zero')
t.is(d:count_params(), 16, 'Dense(4) on 3 inputs: 16 parameters')
t.is(#d.input_shape, 1, 'input_shape')
t.is(d.output_shape[1], 4, 'output_shape')
-- glorot_uniform: |w| <= sqrt(6 / (3 + 4))
t.ok(d.kernel:abs():max() <= math.sqrt(6 / 7), 'glorot_uniform limit')

local c = nn.Conv2D(8, 3, {strides = 2, padding = 'same', input_shape = {9, 7, 2}})
local mc = nn.Sequential{c}
t.is(c.output_shape[1], 5, 'same padding, stride 2: ceil(9 / 2)')
t.is(c.output_shape[2], 4, 'same padding, stride 2: ceil(7 / 2)')
t.is(c:count_params(), 3 * 3 * 2 * 8 + 8, 'Conv2D parameters')
mc:add(nn.MaxPooling2D())
t.is(mc.layers[2].output_shape[1], 2, 'MaxPooling2D() pools 2x2')
mc:add(nn.AveragePooling2D(2, {strides = 1}))
t.is(mc.layers[3].output_shape[1], 1, 'AveragePooling2D strides')
mc:add(nn.Flatten())
t.is(mc.layers[4].output_shape[1], 8, 'Flatten')
mc:add(nn.Dropout(0.5))
mc:add(nn.Activation('tanh'))
t.is(mc.layers[6].class, 'Activation', 'Activation layer')

local r = nn.Sequential()
r:add(nn.LSTM(5, {return_sequences = true, input_shape = {7, 3}}))
r:add(nn.GRU(4, {return_sequences = true}))
r:add(nn.SimpleRNN(2, {activation = 'relu'}))
t.is(r.layers[1].output_shape[1], 7, 'return_sequences keeps the timesteps')
t.is(r.layers[1]:count_params(), 4 * 5 * (3 + 5 + 1), 'LSTM parameters')
t.is(r.layers[2]:count_params(), 3 * 4 * (5 + 4 + 2), 'GRU parameters (reset_after)')
t.is(r.layers[1].weights.bias[6], 1, 'LSTM forget-gate bias starts at 1')

-- errors name the function, the argument and what was wrong
t.raises(function() nn.Dense(0) end, 'Dense: argument #1 %(units%) should be a positive integer, got 0', 'units 0')
t.raises(function() nn.Dense('10') end, 'Dense: argument #1 %(units%) should be a positive integer, got 10', 'units as a string')
t.raises(function() nn.Dense(3, {activaton = 'relu'}) end, "Dense: unknown option 'activaton'", 'misspelt option')
t.raises(function() nn.Dense(3, {activation = 'rleu'}) end, "unknown activation 'rleu'", 'unknown activation')
t.raises(function() nn.Dense(3, {use_bias = 'no'}) end, "Dense: option 'use_bias' should be a boolean, got string", 'use_bias type')
t.raises(function() nn.Conv2D(8, {3}) end, 'Conv2D: kernel_size should be a positive integer or a table of two', 'kernel_size')
t.raises(function() nn.Conv2D(8, 3, {padding = 'full'}) end, "Conv2D: padding should be 'valid' or 'same', got 'full'", 'padding')
t.raises(function() nn.Dropout(1.5) end, 'Dropout: rate must be in %[0, 1%), got 1.5', 'dropout rate')
t.raises(function() nn.LSTM(4, {return_sequences = 1}) end, "LSTM: option 'return_sequences' should be a boolean", 'return_sequences type')
t.raises(function() nn.Dense(3, {input_shape = {0, 2}}) end, 'input_shape', 'zero input dimension')
t.raises(function() m:add(d) end, 'add: dense_1 already belongs to a model', 'a layer joins one model only')
local bad = nn.Sequential()
t.raises(function() bad:add(nn.Dense(2)) end, 'the first layer needs an input_shape', 'first layer without input_shape')
local conv_first = nn.Sequential{nn.Flatten({input_shape = {4}})}
t.raises(function() conv_first:add(nn.Conv2D(2, 3)) end, 'Conv2D: expected input of shape %(height, width, channels%)', 'Conv2D after Flatten')
-- a failed add leaves the layer usable
local lonely = nn.Dense(2, {input_shape = {3}})
local fresh = nn.Sequential()
fresh:add(lonely)
t.is(fresh.layers[1], lonely, 'm.layers holds the added layer')

-- nn.layer_kinds: the facts of each kind, made from the C table; every kind
-- in it has its constructor in nn and its help text, and the recurrent ones
-- name their gates as the kernels hold them (Keras's order)
local kinds = 0
for class, info in pairs(nn.layer_kinds) do
  kinds = kinds + 1
  t.is(type(nn[class]), 'function', 'nn.' .. class .. ' is a constructor')
  t.is(type(info.recurrent), 'boolean', class .. ': recurrent is known')
  t.is(type(info.settings), 'table', class .. ': its settings are listed')
end
t.ok(kinds >= 10, 'every kind, the ten of today at least')
t.ok(nn.layer_kinds.LSTM.recurrent and nn.layer_kinds.GRU.recurrent and
     nn.layer_kinds.SimpleRNN.recurrent, 'the recurrent kinds')
t.ok(not nn.layer_kinds.Dense.recurrent and not nn.layer_kinds.Conv2D.recurrent,
     'Dense and Conv2D are not recurrent')
t.is(table.concat(nn.layer_kinds.LSTM.gate_names, ' '), 'i f g o', 'LSTM gates')
t.is(table.concat(nn.layer_kinds.GRU.gate_names, ' '), 'z r h', 'GRU gates')
t.is(nn.layer_kinds.SimpleRNN.gate_names, nil, 'SimpleRNN has no gates')
t.is(nn.layer_kinds.Conv2D.output_unit, 'filter', "a Conv2D's output channel is a filter")
t.is(table.concat(nn.layer_kinds.Conv2D.settings, ' '), 'filters kernel_size strides padding',
     'Conv2D settings, in the constructor order')
local lstm_model = nn.Sequential{nn.LSTM(3, {input_shape = {5, 2}})}
t.is(lstm_model.layers[1].kernel.shape[2], 3 * #nn.layer_kinds.LSTM.gate_names,
     'an LSTM kernel holds one block per gate')
t.raises(function() nn.MaxPooling2D(2, {units = 3}) end,
         "MaxPooling2D: unknown option 'units' %(expected one of: strides, padding, input_shape, name%)",
         'a kind takes the options its settings and flags name')

t.done_testing()
