-- hardening.lua: inputs that crashed nnstep or ran into undefined behaviour
-- before, each now a clear error that names the function and what was
-- wrong, with the process and the model alive afterwards.
local t = require 'tap'

-- every loss on a 0-D output and on one whose last axis is empty: these
-- divided by zero (SIGFPE killed the process)
local losses = {'mean_squared_error', 'mean_absolute_error', 'categorical_crossentropy',
                'sparse_categorical_crossentropy', 'binary_crossentropy', 'hinge'}
for _, name in ipairs(losses) do
  local loss = nn.losses[name]
  if loss then
    t.raises(function() return loss(nn.tensor(1), nn.tensor(1)) end,
             name .. ': the output () holds a single number, with no axis',
             name .. ' of a 0-D output is a shape error')
    t.raises(function() return loss(nn.zeros(2, 0), nn.zeros(2, 0)) end,
             name .. ': the output (2, 0) holds no values',
             name .. ' of an output with an empty last axis is a shape error')
  end
end

-- t:narrow with indices whose last element overflows a Lua integer
local v = nn.ones(4)
t.raises(function() return v:narrow(1, math.maxinteger, math.maxinteger) end,
         'narrow: 9223372036854775807 elements from element 9223372036854775807 do not fit ' ..
         'in axis 1 of size 4', 'narrow: maxint, maxint is a range error, not an overflow')
t.raises(function() return v:narrow(1, math.mininteger, 0) end,
         'do not fit in axis 1 of size 4', 'narrow: minint, 0 likewise')
t.raises(function() return v:narrow(1, 4, 2) end,
         'narrow: elements 4..5 are outside axis 1 of size 4', 'narrow: a small range says which')

-- to_categorical with labels no integer can hold (casting them was undefined)
t.raises(function() return nn.utils.to_categorical(nn.tensor{1, 0 / 0}, 3) end,
         'to_categorical: label 2 is [-]?nan, not a class number 0..2', 'to_categorical: NaN')
t.raises(function() return nn.utils.to_categorical(nn.tensor{1e30}, 3) end,
         'to_categorical: label 1 is 1.0000000150475e%+30, not a class number 0..2',
         'to_categorical: 1e30')
t.raises(function() return nn.utils.to_categorical(nn.tensor{-3}, 3) end,
         'to_categorical: label 1 is %-3, not a class number 0..2', 'to_categorical: -3')

-- a shape whose element count wraps around to 0 in 64 bits
t.raises(function() return nn.Sequential{nn.Flatten{input_shape = {2^32, 2^32}}} end,
         'flatten_%d+: an input of shape %(4294967296, 4294967296%) per example has too ' ..
         'many elements', 'Flatten of 2^32 x 2^32 is refused, not built with 0 outputs')

-- nn.debug with x and y of different lengths (fit refuses the same)
local m = nn.Sequential{nn.Dense(2, {input_shape = {3}})}
m:compile{optimizer = 'sgd', loss = 'mse'}
t.raises(function() return nn.debug(m, nn.ones(2, 3), nn.ones(3, 2)) end,
         'debug: x holds 2 examples but y holds 3', 'nn.debug: x of 2 examples, y of 3')
t.is(m:predict(nn.ones(1, 3)).shape, {1, 2}, 'the model still predicts after all that')

-- a model of the most layers nnstep allows: names found at once, the next
-- layer refused with the limit, and a save and load that keeps them all
-- (before, names were looked up one by one: a crafted 100,000-layer file
-- took a minute to load)
local big = nn.Sequential{nn.Activation('linear', {input_shape = {1}})}
for _ = 2, 10000 do big:add(nn.Activation('linear')) end
t.is(big:get_layer('activation_7777').name, 'activation_7777', 'get_layer finds layer 7777 of 10000')
t.raises(function() big:add(nn.Activation('linear')) end,
         'a model has at most 10000 layers', 'the 10001st layer is refused, saying the limit')
local small = nn.Sequential{nn.Dense(2, {input_shape = {2}}), nn.Dense(2, {name = 'dense_3'})}
t.raises(function() small:add(nn.Dense(2, {name = 'dense_1'})) end,
         "there is already a layer named 'dense_1'", 'a taken name is still refused')
-- automatic names count the layers of the kind: the next is dense_3, taken
t.raises(function() small:add(nn.Dense(2)) end, "there is already a layer named 'dense_3'",
         'an automatic name that is taken is refused as before')
local path = os.tmpname()
big:save(path)
local back = nn.load(path)
os.remove(path)
t.is({#back.layers, back.layers[10000].name}, {10000, 'activation_10000'},
     'saved and loaded: every layer, in order')
t.is(back:predict(nn.tensor{{0.5}})[1][1], 0.5, 'and it predicts (linear: the input)')

-- one example is "1 example" in the messages that count them
t.raises(function() return m:fit(nn.ones(1, 3), nn.ones(2, 2), {verbose = 0}) end,
         'x holds 1 example but y holds 2', 'fit: 1 example, not 1 examples')
t.raises(function() return nn.debug(m, nn.ones(1, 3), nn.ones(2, 2)) end,
         'debug: x holds 1 example but y holds 2', 'debug: 1 example')
t.is(tostring(nn.Sequential{nn.Dense(1, {input_shape = {1}, use_bias = false})}),
     'nn.Sequential (1 layer, 1 parameter, not compiled)', 'a model of 1 parameter says so')

-- predict whose output is more than the machine has: 10^6 examples of
-- 100,000 outputs, 372.5 GiB. predict freed an uninitialised pointer here
-- (SIGBUS: the process died and every model in it was lost); now the request
-- is refused, predict says why, and the model predicts as before.
local wide = nn.Sequential{nn.Dense(100000, {input_shape = {1}})}
local probe = nn.tensor{{0.5}, {-2}}
local before = wide:predict(probe)
t.raises(function() return wide:predict(nn.zeros(1e6, 1)) end,
         'predict: no room for the predictions, of shape %(1000000, 100000%): out of ' ..
         'memory: asked for 100000000000 elements %(372.5 GiB%); this machine has .* in ' ..
         'all; predict fewer examples at a time', 'predict of 372.5 GiB of outputs: out of memory')
local after = wide:predict(probe)
t.is(after.shape, {2, 100000}, 'the model still predicts after it')
t.is((after - before):abs():max(), 0, 'and gives the same predictions as before')

-- Lua's collector is told of a tensor's storage, not only of its few bytes
-- of userdata: 60 tensors of 100 MB made and dropped in a loop must not
-- hold 6 GB (a sweep of load_data calls grew to 13 GB and was killed)
local function peak_resident_mb()
  local f = io.open('/proc/self/status')
  if not f then return nil end
  local peak = f:read('a'):match('VmHWM:%s*(%d+) kB')
  f:close()
  return peak and tonumber(peak) / 1024
end
if peak_resident_mb() then
  for _ = 1, 60 do local big = nn.ones(25000000) end  -- 100 MB each, written
  local peak = peak_resident_mb()
  t.ok(peak < 2048, string.format('60 dropped 100 MB tensors: peak memory %.0f MB (< 2048)', peak))
else
  t.skip('peak memory', 'no /proc/self/status')
end
t.raises(function() return nn.datasets.fashion_mnist.load_data(5) end,
         "load_data: takes no arguments, as Keras's load_data%(%); got number as argument #1",
         'load_data with an argument: an error, not a 200 MB load')

t.done_testing()
