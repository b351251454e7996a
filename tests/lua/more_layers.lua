-- more_layers.lua: Conv1D, GlobalAveragePooling2D, GlobalMaxPooling2D and
-- Embedding from Lua: Keras's arguments and defaults, shapes and parameter
-- counts, values against plain Lua loops, the errors for bad arguments and
-- bad ids, and what a learner sees where ids have no gradient.
local t = require 'tap'

-- ---- constructors, as Keras reads them ----
local c1 = nn.Conv1D(8, 3, {padding = 'same'})
t.like(tostring(c1), 'filters=8, kernel_size=3, strides=1, padding=same, activation=linear, '
       .. 'use_bias=true', 'Conv1D(8, 3, {padding = same}): Keras defaults for the rest')
local e = nn.Embedding(100, 16)
t.like(tostring(e), 'input_dim=100, output_dim=16', 'Embedding(100, 16)')
t.like(tostring(nn.GlobalAveragePooling2D()), 'keepdims=false', 'GlobalAveragePooling2D()')
t.like(tostring(nn.GlobalMaxPooling2D{keepdims = true}), 'keepdims=true', 'keepdims option')

local m = nn.Sequential()
m:add(nn.Embedding(100, 16, {input_shape = {10}}))
m:add(nn.Conv1D(8, 3, {padding = 'same', strides = 2, activation = 'relu'}))
m:add(nn.Flatten())
m:add(nn.Dense(3))
local emb, conv = m.layers[1], m.layers[2]
t.is(emb.output_shape, {10, 16}, 'Embedding: (10) ids -> (10, 16)')
t.is(emb:count_params(), 100 * 16, 'Embedding parameters: input_dim * output_dim')
t.is(emb.weights.embeddings.shape, {100, 16}, 'embeddings (input_dim, output_dim)')
t.ok(emb.weights.embeddings:abs():max() <= 0.05, "embeddings start uniform in [-0.05, 0.05] ('uniform')")
t.is(conv.output_shape, {5, 8}, "Conv1D 'same', strides 2: ceil(10 / 2) steps")
t.is(conv.kernel.shape, {3, 16, 8}, 'Conv1D kernel (kernel_size, channels, filters)')
t.is(conv:count_params(), 3 * 16 * 8 + 8, 'Conv1D parameters: k * in * filters + filters')

local g = nn.Sequential()
g:add(nn.Conv2D(4, 3, {input_shape = {6, 5, 2}}))
g:add(nn.GlobalAveragePooling2D())
t.is(g.layers[2].output_shape, {4}, 'GlobalAveragePooling2D: (4, 3, 4) -> (4)')
t.is(g.layers[2]:count_params(), 0, 'no parameters')
local gk = nn.Sequential{nn.GlobalMaxPooling2D{keepdims = true, input_shape = {4, 3, 2}}}
t.is(gk.layers[1].output_shape, {1, 1, 2}, 'keepdims: (1, 1, C)')

-- errors name the function, the argument and what was wrong
t.raises(function() nn.Conv1D(8) end, 'Conv1D: argument #2 %(kernel_size%) should be a positive integer, got no value', 'Conv1D without kernel_size')
t.raises(function() nn.Conv1D(8, 3, {padding = 'causal'}) end, "Conv1D: padding should be 'valid' or 'same', got 'causal'", "padding 'causal' is not there")
t.raises(function() nn.Conv1D(8, 3, {strides = 0}) end, "Conv1D: option 'strides' should be a positive integer, got 0", 'strides 0')
t.raises(function() nn.Sequential{nn.Conv1D(2, 5, {input_shape = {4, 3}})} end, "Conv1D: kernel_size 5 is longer than the 4 steps", 'a window longer than the sequence')
t.raises(function() nn.Sequential{nn.Conv1D(2, 3, {input_shape = {4, 3, 1}})} end, 'Conv1D: expected input of shape %(steps, channels%), got %(4, 3, 1%)', 'Conv1D on images')
t.raises(function() nn.Embedding(100) end, 'Embedding: argument #2 %(output_dim%) should be a positive integer, got no value', 'Embedding without output_dim')
t.raises(function() nn.Embedding(100, 16, {activation = 'relu'}) end, "Embedding: unknown option 'activation' %(expected one of: input_shape, name%)", 'Embedding takes no activation')
t.raises(function() nn.GlobalMaxPooling2D{keepdims = 1} end, "GlobalMaxPooling2D: option 'keepdims' should be a boolean, got number", 'keepdims type')
t.raises(function() nn.Sequential{nn.GlobalAveragePooling2D{input_shape = {5, 4}}} end, 'GlobalAveragePooling2D: expected input of shape %(height, width, channels%), got %(5, 4%)', 'global pooling on a sequence')
t.raises(function() nn.Sequential{nn.Dense(4, {input_shape = {3}}), nn.Embedding(10, 2)} end, 'Embedding takes integer ids, which only the data holds: it must be the model\'s first layer', 'Embedding only first')

-- ---- values against plain Lua loops ----
nn.seed(5)
-- Conv1D: y[b][o][f] = act(bias[f] + sum over k, c of x[b][o*s - pad + k][c] * kernel[k][c][f])
local cm = nn.Sequential{nn.Conv1D(3, 3, {padding = 'same', strides = 2, activation = 'tanh',
                                          input_shape = {7, 2}})}
local cl = cm.layers[1]
cl.bias:copy(nn.randn(3))
local x = nn.randn(2, 7, 2)
local y = cm:predict(x)
local worst = 0
for b = 1, 2 do
  for o = 1, 4 do
    for f = 1, 3 do
      local z = cl.bias[f]
      for k = 1, 3 do
        local step = (o - 1) * 2 - 1 + k  -- 'same': 7 steps, stride 2, k 3: 1 zero before
        if step >= 1 and step <= 7 then
          for ch = 1, 2 do z = z + x[b][step][ch] * cl.kernel[k][ch][f] end
        end
      end
      worst = math.max(worst, math.abs(y[b][o][f] - math.tanh(z)))
    end
  end
end
t.ok(worst < 1e-5, 'Conv1D output = the loops by hand (worst ' .. worst .. ')')

-- the global poolings: the mean and the max of each channel
local im = nn.randn(2, 3, 4, 2)
local avg = nn.Sequential{nn.GlobalAveragePooling2D{input_shape = {3, 4, 2}}}:predict(im)
local mx = nn.Sequential{nn.GlobalMaxPooling2D{input_shape = {3, 4, 2}}}:predict(im)
worst = 0
for b = 1, 2 do
  for ch = 1, 2 do
    local sum, best = 0, -math.huge
    for i = 1, 3 do
      for j = 1, 4 do
        sum = sum + im[b][i][j][ch]
        best = math.max(best, im[b][i][j][ch])
      end
    end
    worst = math.max(worst, math.abs(avg[b][ch] - sum / 12), math.abs(mx[b][ch] - best))
  end
end
t.ok(worst < 1e-6, 'global mean and max of each channel = by hand (worst ' .. worst .. ')')

-- Embedding: each id picks its row (id 0 is row 1 in Lua)
local em = nn.Sequential{nn.Embedding(5, 3, {input_shape = {4}})}
local ids = nn.tensor({{4, 0, 4, 2}, {1, 1, 3, 0}})
local out = em:predict(ids)
local table_ = em.layers[1].embeddings
local same = true
for b = 1, 2 do
  for p = 1, 4 do
    for j = 1, 3 do
      same = same and out[b][p][j] == table_[ids[b][p] + 1][j]
    end
  end
end
t.ok(same, 'Embedding output rows are rows of embeddings, exactly')

-- training: SGD moves only the rows of ids in the batch; a row used three
-- times gets the sum of the three positions' gradients (checked in C and
-- against PyTorch); the ids themselves have no gradient
em:add(nn.Flatten())
em:add(nn.Dense(2))
em:compile{loss = 'mse', optimizer = 'sgd'}
local before = nn.tensor(em.layers[1].embeddings)
em:train_on_batch(nn.tensor({{4, 0, 4, 4}, {0, 0, 4, 0}}), nn.randn(2, 2))
local after = em.layers[1].embeddings
local unused_same, used_moved = true, true
for row = 1, 5 do
  local moved = false
  for j = 1, 3 do moved = moved or after[row][j] ~= before[row][j] end
  if row == 1 or row == 5 then used_moved = used_moved and moved
  else unused_same = unused_same and not moved end
end
t.ok(used_moved, 'the rows of ids 0 and 4 (used) moved')
t.ok(unused_same, 'the rows of ids 1, 2, 3 (not in the batch) did not move')
t.is(em.layers[1].grad_input, nil, 'grad_input of an Embedding is nil: ids have no gradient')
t.raises(function() em:compute_input_gradient(true) end, 'compute_input_gradient: embedding_1 %(Embedding%) takes integer ids, which have no gradient', 'compute_input_gradient(true) says why not')

-- ---- bad ids: named with their place, before anything runs ----
local bad = nn.tensor({{1, 2, 3, 4}, {0, 2.5, 1, 1}})
local yb = nn.randn(2, 2)
local where = 'x%[2%]%[2%] = 2.5 is not an id for embedding_1: Embedding takes whole numbers from 0 to 4 %(its input_dim is 5%); x is %(2, 4%)'
t.raises(function() em:predict(bad) end, 'predict: ' .. where, 'predict names a fractional id')
t.raises(function() em:fit(bad, yb, {verbose = 0}) end, where, 'fit names it')
t.raises(function() em:evaluate(bad, yb) end, 'evaluate: ' .. where, 'evaluate names it')
t.raises(function() em:train_on_batch(bad, yb) end, where, 'train_on_batch names it')
t.raises(function() em:predict(nn.tensor({{0, 1, 2, 5}, {0, 0, 0, 0}})) end, 'x%[1%]%[4%] = 5 is not an id', 'an id = input_dim is out of range')
t.raises(function() em:predict(nn.tensor({{0, 1, 2, 3}, {-1, 0, 0, 0}})) end, 'x%[2%]%[1%] = %-1 is not an id', 'a negative id')
t.raises(function() em:predict(nn.tensor({{0, 0/0, 2, 3}, {0, 0, 0, 0}})) end, 'x%[1%]%[2%] = %-?nan is not an id', 'NaN is not an id')
t.raises(function() nn.gradcheck(nn.Embedding(5, 2), nn.randn(2, 3)) end, 'gradcheck: x%[1%]%[1%] = .* is not an id', 'nn.gradcheck checks the ids')

-- ---- nn.gradcheck: the embeddings' gradient checked, the ids' said to have none ----
local r = nn.gradcheck(nn.Embedding(4, 3), nn.tensor({{1, 3, 1}, {0, 1, 1}}))
t.ok(r.ok, 'gradcheck of Embedding: ok')
t.is(r.names, {'embedding_1.embeddings'}, 'only the embeddings are checked')
t.is(r.input_note, 'input not checked: embedding_1 takes integer ids, which have no gradient', 'the input note says why')
t.like(tostring(r), 'input not checked: embedding_1 takes integer ids', 'and the report prints it')
local rm = nn.gradcheck(em, nn.tensor({{4, 0, 4, 4}, {0, 0, 4, 1}}), nn.randn(2, 2))
t.ok(rm.ok and rm.input == nil and rm['embedding_1.embeddings'] ~= nil and rm.input_note ~= nil,
     'gradcheck of a model starting with an Embedding: its weights ok, the input noted')
local rc = nn.gradcheck(nn.Conv1D(2, 3, {padding = 'same', strides = 2}), nn.randn(2, 5, 3))
t.ok(rc.ok and rc.input ~= nil, 'gradcheck of Conv1D: input, kernel and bias ok')
local rn = nn.gradcheck(nn.Conv1D(4, 3, {use_bias = false, activation = 'elu',
                                          kernel_initializer = 'he_normal'}), nn.randn(3, 6, 2))
t.is(rn.names, {'input', 'conv1d_1.kernel'}, 'Conv1D without bias: input and kernel only')
t.ok(rn.ok, 'and both are ok')

-- ---- save and load ----
local path = os.tmpname()
em:save(path)
local loaded = nn.load(path)
os.remove(path)
local probe = nn.tensor({{4, 3, 2, 1}, {0, 1, 0, 1}})
t.is((loaded:predict(probe) - em:predict(probe)):abs():max(), 0, 'an Embedding model saved and loaded predicts the same')
t.like(tostring(loaded.layers[1]), 'input_dim=5, output_dim=3', 'its settings came back')

-- ---- summary: Keras's lines (printed by C: run it in a child) ----
local script = os.tmpname()
local f = assert(io.open(script, 'w'))
f:write([[
local m = nn.Sequential()
m:add(nn.Embedding(100, 16, {input_shape = {10}}))
m:add(nn.Conv1D(8, 3, {padding = 'same', strides = 2}))
m:add(nn.Flatten())
m:add(nn.Dense(3))
m:summary()
local g = nn.Sequential{nn.Conv2D(4, 3, {input_shape = {6, 5, 2}}), nn.GlobalMaxPooling2D()}
g:summary()
]])
f:close()
local child = assert(io.popen(arg[-1] .. ' ' .. script .. ' 2>&1'))
local text = child:read('a')
child:close()
os.remove(script)
t.like(text, 'embedding_1 %(Embedding%) +%(None, 10, 16%) +1,600\n', 'summary: Embedding (None, 10, 16), 1,600 parameters')
t.like(text, 'conv1d_1 %(Conv1D%) +%(None, 5, 8%) +392\n', 'summary: Conv1D (None, 5, 8), 3*16*8 + 8 = 392')
t.like(text, 'Total params: 2,115\n', 'summary: total 1600 + 392 + 0 + 123')
t.like(text, 'global_max_pooling2d_1 %(GlobalMaxPooling2D%) +%(None, 4%) +0\n', 'summary: GlobalMaxPooling2D (None, 4), no parameters')

-- GlobalMaxPooling2D at a tie: Keras's ops.max (tf.reduce_max, jnp.max) and
-- torch.amax divide dL/dy evenly among the positions that share the max.
-- Here a channel of 4 equal values (a saturated patch) and one with a
-- single max; the loss is the sum of the outputs (dL/dy = 1 each, times
-- the Dense's kernel of ones).
local tie = nn.Sequential{nn.GlobalMaxPooling2D{input_shape = {2, 2, 2}},
                          nn.Dense(1, {use_bias = false})}
tie.layers[2].kernel:fill(1)
tie:compile{optimizer = nn.optimizers.SGD{learning_rate = 1e-9}, loss = 'mean_squared_error'}
tie:compute_input_gradient(true)
local xt = nn.tensor{{{{1, 0.5}, {1, 0.2}}, {{1, 0.9}, {1, 0.1}}}}  -- (1, 2, 2, 2)
tie:train_on_batch(xt, nn.tensor{{0}})
-- dL/dy = 2 * (y - 0) for the mean squared error of one output: y = 1 + 0.9
local g = 2 * 1.9
t.is_near(tie.layers[1].grad_input:totable(),
          {{{{g / 4, 0}, {g / 4, 0}}, {{g / 4, g}, {g / 4, 0}}}}, 1e-5,
          'GlobalMaxPooling2D: a tie shares the gradient evenly, as Keras and torch.amax')

t.done_testing()
