-- custom_layer.lua: layers written in Lua with nn.Layer{...} (issue 16).
-- The independent check is the built-in Dense: the issue's MyDense, given
-- the same weights, must compute what Dense computes (forward, gradients,
-- a whole fit) to within float rounding; nn.gradcheck checks its backward
-- by central differences, and a backward broken on purpose must fail at
-- the tensor and index that were broken.
local t = require 'tap'

local function dense_backward(self, x, grad_out)
  self.kernel.grad:copy(x:transpose():matmul(grad_out))
  self.bias.grad:copy(grad_out:sum(1))
  return grad_out:matmul(self.kernel:transpose())
end

local MyDense = nn.Layer{
  name = 'my_dense',
  build = function(self, input_shape)          -- input_shape without the batch axis
    self.kernel = self:add_weight('kernel', {input_shape[1], 4}, 'glorot_uniform')
    self.bias   = self:add_weight('bias', {4}, 'zeros')
  end,
  call = function(self, x) return x:matmul(self.kernel) + self.bias end,
  backward = dense_backward,
}

-- The largest absolute difference between two tensors.
local function diff(a, b) return (a - b):abs():max() end

-- ---- tensors: what the class's code leans on ----
local row = nn.tensor{{1, 2, 3}, {4, 5, 6}} + nn.tensor{10, 20, 30}
t.is(row:totable(), {{11, 22, 33}, {14, 25, 36}}, '(2, 3) + (3,): the bias added to each row')
t.is((nn.tensor{1, 2} * nn.tensor{{1, 1}, {2, 2}}):totable(), {{1, 2}, {2, 4}},
     '(2,) * (2, 2): the smaller side may come first')
t.raises(function() return nn.tensor{{1, 2, 3}} + nn.tensor{1, 2} end, 'shapes differ',
         'shapes that do not end alike still differ')

-- ---- the class and one layer ----
t.like(tostring(MyDense), "layer class 'my_dense'", 'a class prints as one')
local m = nn.Sequential{MyDense{input_shape = {5}}}
local layer = m.layers[1]
t.is(layer.name, 'my_dense_1', 'layers are named after the class')
t.is(layer.class, 'my_dense', 'the class name is the given name')
t.is(layer.output_shape, {4}, 'output shape from the dry call at build')
t.is(m:count_params(), 5 * 4 + 4, 'parameter count: kernel and bias')
t.is(layer.bias:abs():sum(), 0, "'zeros' initializer")
local limit = math.sqrt(6 / (5 + 4))
t.ok(layer.kernel:abs():max() <= limit and layer.kernel:abs():max() > 0,
     'glorot_uniform kernel within sqrt(6 / (fan_in + fan_out))')
local named = MyDense{name = 'mine', input_shape = {5}}
t.is(named.name, 'mine', 'an instance takes name like any layer')
t.raises(function() return MyDense{units = 3} end, "unknown option 'units'",
         'unknown options are refused')

-- ---- forward and gradients equal the built-in Dense's ----
nn.seed(7)
local x = nn.randn(6, 5)
local y = nn.randn(6, 4)
local function pair(optimizer)
  local a = nn.Sequential{MyDense{input_shape = {5}}}
  local b = nn.Sequential{nn.Dense(4, {input_shape = {5}})}
  a:compile{optimizer = optimizer or 'sgd', loss = 'mean_squared_error'}
  b:compile{optimizer = optimizer or 'sgd', loss = 'mean_squared_error'}
  a.layers[1].bias:copy(nn.tensor{0.1, -0.2, 0.3, -0.4})
  b:set_weights(a:get_weights())
  return a, b
end
local a, b = pair()
t.is_near(diff(a:predict(x), b:predict(x)), 0, 1e-6, 'forward: MyDense == Dense with the same weights')
a:train_on_batch(x, y)
b:train_on_batch(x, y)
t.is_near(diff(a.layers[1].grad.kernel, b.layers[1].grad.kernel), 0, 1e-6,
          'train_on_batch: kernel gradient == Dense')
t.is_near(diff(a.layers[1].grad.bias, b.layers[1].grad.bias), 0, 1e-6,
          'train_on_batch: bias gradient == Dense')
t.ok(a.layers[1].grad.kernel:abs():sum() > 0, '(and the gradient is not zero)')
t.is_near(diff(a.layers[1].kernel, b.layers[1].kernel), 0, 1e-6,
          'the optimizer updated the weights as it did Dense')

-- set_weights and initialize{force_reinit} change the very tensors its call
-- reads (self.kernel is a view of the parameter)
a, b = pair()
a:set_weights{nn.full({5, 4}, 0.5), nn.tensor{1, 2, 3, 4}}
t.is_near(a:predict(nn.ones(1, 5)):totable(), {{3.5, 4.5, 5.5, 6.5}}, 1e-6,
          'after set_weights, call computes with the new weights (5 * 0.5 + bias)')
a:initialize{force_reinit = true}
t.ok(diff(a.layers[1].kernel, nn.full({5, 4}, 0.5)) > 0, 'force_reinit draws its kernel anew')
t.is_near(diff(a:predict(x), x:matmul(a.layers[1].kernel) + a.layers[1].bias), 0, 1e-6,
          'and call uses the new draw')

-- fit: the same losses, epoch by epoch, and the same weights at the end
a, b = pair('adam')
local before = a:evaluate(x, y)
local ha = a:fit(x, y, {epochs = 5, batch_size = 3, shuffle = false, verbose = 0})
local hb = b:fit(x, y, {epochs = 5, batch_size = 3, shuffle = false, verbose = 0})
t.is_near(ha.loss, hb.loss, 1e-5, 'fit: the loss curve equals the built-in Dense one')
t.ok(ha.loss[5] < before, 'fit lowers the loss')
t.is_near(diff(a.layers[1].kernel, b.layers[1].kernel), 0, 1e-5, 'fit: kernel == Dense')
t.is_near(diff(a.layers[1].bias, b.layers[1].bias), 0, 1e-5, 'fit: bias == Dense')

-- a custom layer inside a bigger model, against the same model built in
a = nn.Sequential{MyDense{input_shape = {5}}, nn.Activation('tanh'), nn.Dense(2)}
b = nn.Sequential{nn.Dense(4, {input_shape = {5}}), nn.Activation('tanh'), nn.Dense(2)}
b:set_weights(a:get_weights())
a:compile{optimizer = 'sgd', loss = 'mean_squared_error'}
b:compile{optimizer = 'sgd', loss = 'mean_squared_error'}
local y2 = nn.randn(6, 2)
a:train_on_batch(x, y2)
b:train_on_batch(x, y2)
t.is_near(diff(a.layers[1].grad.kernel, b.layers[1].grad.kernel), 0, 1e-6,
          'first of three layers: its gradient == Dense (its grad_output came from above)')

-- the Gluon loop: net(x), loss:backward(), trainer:step(n), as the built-in
a = nn.Sequential{MyDense{input_shape = {5}}, nn.Dense(2)}
b = nn.Sequential{nn.Dense(4, {input_shape = {5}}), nn.Dense(2)}
b:set_weights(a:get_weights())
local ta = nn.Trainer(a, 'sgd', {learning_rate = 0.1})
local tb = nn.Trainer(b, 'sgd', {learning_rate = 0.1})
for _ = 1, 3 do
  nn.losses.mean_squared_error(y2, a(x)):backward()
  ta:step(6)
  nn.losses.mean_squared_error(y2, b(x)):backward()
  tb:step(6)
end
t.is_near(diff(a.layers[1].kernel, b.layers[1].kernel), 0, 1e-6,
          'Gluon loop, 3 steps: its kernel == Dense')

-- ---- the visualizer shows it (text snapshots of its views) ----
local viz_script = os.tmpname()
local vf = assert(io.open(viz_script, 'w'))
vf:write([[
local Sq = nn.Layer{name = 'square', call = function(self, x) return x * x end,
  backward = function(self, x, g) return g * x * 2 end}
nn.seed(1)
m = nn.Sequential{nn.Conv2D(2, 3, {input_shape = {6, 6, 1}}), Sq(), nn.Flatten(), nn.Dense(2)}
m:compile{optimizer = 'sgd', loss = 'mse'}
m:fit(nn.randn(4, 6, 6, 1), nn.randn(4, 2), {epochs = 1, verbose = 0})
]])
vf:close()
local function snapshot(view)
  local p = assert(io.popen(arg[-1] .. ' --snapshot ' .. view .. ' ' .. viz_script .. ' 2>&1'))
  local text = p:read('a')
  p:close()
  return text
end
t.like(snapshot('model'), 'square_1 +square +%(None, 4, 4, 2%) +0', 'model view: its row, shape, no params')
t.like(snapshot('gradients'), 'square_1 +%(no weights%)', 'gradients view lists it')
t.like(snapshot('featuremaps'), 'square_1 %(square%)  output %(4, 4, 2%)',
       'its image-shaped output shows as feature maps')
os.remove(viz_script)

-- x and grad_out are copies: changing them in call or backward changes no
-- other layer's numbers
local Careless = nn.Layer{name = 'careless',
  call = function(self, x) local y = x * 1; x:fill(7); return y end,
  backward = function(self, x, g) local d = g * 1; g:fill(7); return d end}
a = nn.Sequential{nn.Dense(3, {input_shape = {5}}), Careless(), nn.Dense(2)}
a:compile{optimizer = 'sgd', loss = 'mean_squared_error'}
b = nn.Sequential{nn.Dense(3, {input_shape = {5}}), nn.Activation('linear'), nn.Dense(2)}
b:compile{optimizer = 'sgd', loss = 'mean_squared_error'}
b:set_weights(a:get_weights())
a:train_on_batch(x, y2)
b:train_on_batch(x, y2)
t.is(diff(a.layers[1].output, b.layers[1].output), 0, "call's x:fill(7) left the layer below as it was")
t.is(diff(a.layers[3].grad_input, b.layers[3].grad_input), 0,
     "backward's g:fill(7) left the layer above's dL/dx as it was")
t.is(diff(a.layers[1].grad.kernel, b.layers[1].grad.kernel), 0, 'and the gradients below are right')

-- against PyTorch 1.13 in float64 (x @ W + b, mean squared error; the
-- numbers printed by torch and pasted here, as gradcheck.lua does)
local TORCH = {
  loss = 0.42468749999999994,
  kernel = {{-0.225, -0.241666666667, -0.216666666667, 0.183333333333},
            {0.18125, -0.047916666667, 0.020833333333, 0.058333333333},
            {0.09375, 0.116666666667, 0.166666666667, -0.252083333333},
            {-0.311458333333, -0.030208333333, -0.01875, -0.220833333333},
            {0.096875, -0.238541666667, -0.035416666667, -0.004166666667}},
  bias = {-0.079166666667, -0.204166666667, 0.025, -0.266666666667},
  dx = {{0.031666666667, 0.04375, 0.009166666667, 0.00375, -0.013333333333},
        {0.060833333333, -0.087083333333, 0.033333333333, -0.050416666667, 0.005833333333},
        {-0.030416666667, 0.082083333333, -0.032916666667, 0.015416666667, -0.035416666667}},
}
local tm = nn.Sequential{MyDense{input_shape = {5}}}
tm:compile{optimizer = 'sgd', loss = 'mean_squared_error'}
local W = {}
for i = 1, 5 do W[i] = {} for j = 1, 4 do W[i][j] = 0.1 * (((i - 1) * 4 + j - 1) % 7) - 0.3 end end
tm:set_weights{nn.tensor(W), nn.tensor{0.05, -0.1, 0.15, -0.2}}
tm:compute_input_gradient(true)
local tloss = tm:train_on_batch(
  nn.tensor{{0.5, -1.0, 0.25, 2.0, -0.5}, {1.5, 0.0, -0.75, 0.5, 1.0}, {-1.0, 0.5, 1.0, -0.25, 0.75}},
  nn.tensor{{1.0, 0.0, -1.0, 0.5}, {0.0, 1.0, 0.5, -0.5}, {-0.5, 0.25, 0.0, 1.0}})
t.is_near(tloss, TORCH.loss, 1e-6, 'PyTorch float64: the loss')
t.is_near(tm.layers[1].grad.kernel:totable(), TORCH.kernel, 1e-6, 'PyTorch float64: dL/dkernel')
t.is_near(tm.layers[1].grad.bias:totable(), TORCH.bias, 1e-6, 'PyTorch float64: dL/dbias')
t.is_near(tm.layers[1].grad_input:totable(), TORCH.dx, 1e-6, 'PyTorch float64: dL/dx, the value backward returned')

-- ---- nn.gradcheck ----
local r = nn.gradcheck(MyDense(), nn.rand(3, 5))
t.is(r.ok, true, 'gradcheck(MyDense(), nn.rand(3, 5)) is ok')
t.is(r.names, {'input', 'my_dense_1.kernel', 'my_dense_1.bias'}, 'every tensor is checked')
t.ok(r['my_dense_1.kernel'].error < 1e-2, 'kernel within the threshold')

-- one entry broken: the check names that tensor and that index
local Broken = nn.Layer{
  name = 'broken_dense',
  build = MyDense.build, call = MyDense.call,
  backward = function(self, x, grad_out)
    local dx = dense_backward(self, x, grad_out)
    self.kernel.grad[2][3] = 0   -- the mistake
    return dx
  end,
}
nn.seed(3)
r = nn.gradcheck(Broken(), nn.rand(3, 5) + 0.5)
t.is(r.ok, false, 'a broken backward: ok = false')
local k = r['broken_dense_1.kernel']
t.is({k.ok, k.index}, {false, {2, 3}}, 'gradcheck points at kernel[2][3], the broken entry')
t.is(k.analytic, 0, 'its analytic value is the 0 written there')
t.is({r.input.ok, r['broken_dense_1.bias'].ok}, {true, true}, 'the other tensors are ok')
t.like(tostring(r), 'broken_dense_1.kernel.-WRONG', 'the report says WRONG')

-- a factor 2 (a classic slip): every entry off by 1/2
local Doubled = nn.Layer{
  name = 'doubled_dense',
  build = MyDense.build, call = MyDense.call,
  backward = function(self, x, grad_out)
    self.kernel.grad:copy(x:transpose():matmul(grad_out))
    self.bias.grad:copy(grad_out:sum(1) * 2)
    return grad_out:matmul(self.kernel:transpose())
  end,
}
r = nn.gradcheck(Doubled(), nn.rand(3, 5))
t.is({r.ok, r['doubled_dense_1.bias'].ok, r['doubled_dense_1.kernel'].ok}, {false, false, true},
     'a doubled bias gradient: the bias is WRONG, the kernel ok')
t.is_near(r['doubled_dense_1.bias'].error, 0.5, 1e-3, 'relative error 1/2 = |2g - g| / |2g|')

-- ---- save and load ----
local path = os.tmpname()
a = nn.Sequential{MyDense{input_shape = {5}}, nn.Dense(2)}
a:compile{optimizer = 'sgd', loss = 'mean_squared_error'}
a:save(path)
local loaded = nn.load(path)
t.is(loaded.layers[1].class, 'my_dense', 'nn.load finds the class')
t.is(loaded.layers[1].name, 'my_dense_1', 'and the layer name')
t.is(diff(loaded.layers[1].kernel, a.layers[1].kernel), 0, 'kernel bit for bit')
t.is(diff(loaded.layers[1].bias, a.layers[1].bias), 0, 'bias bit for bit')
t.is(diff(loaded:predict(x), a:predict(x)), 0, 'the loaded model predicts bit for bit')

-- in a fresh nnstep, where nobody defined the class
local script = os.tmpname()
local f = assert(io.open(script, 'w'))
f:write(string.format("local ok, err = pcall(nn.load, %q) print(err)", path))
f:close()
local child = assert(io.popen(arg[-1] .. ' ' .. script .. ' 2>&1'))
local said = child:read('a')
child:close()
t.like(said, "unknown layer class 'my_dense'", 'undefined class: nn.load says which')
t.like(said, "define it with nn.Layer{name = 'my_dense', ...} first, before nn.load",
       'and what to do')
os.remove(script)
os.remove(path)

-- help(MyDense) and help('my_dense') (help prints from C: read a child's output)
local hp = assert(io.popen(arg[-1] .. [[ -e "M = nn.Layer{name = 'h_m', call = function(s, x) return x end}" ]]
                           .. [[-e "help(M)" -e "help('h_m')" 2>&1]]))
local helped = hp:read('a')
hp:close()
t.like(helped, "^MyDense = nn.Layer{name = 'my_dense', build = f, call = f, backward = f}",
       "help(a class) describes nn.Layer's classes")
t.like(helped, "A custom layer class defined in Lua with nn.Layer{name = 'h_m', ...}",
       "help('h_m') finds the class by its name")

-- ---- errors in the user's code name layer, method and line ----
local Faulty = nn.Layer{
  name = 'faulty',
  build = function(self, shape) self.w = self:add_weight('w', {shape[1], 3}) end,
  call = function(self, x)
    if self.explode then error('boom') end
    return x:matmul(self.w)
  end,
  backward = function(self, x, grad_out)
    return grad_out:matmul(self.w)   -- wrong shapes: (B, 3) x (5, 3)
  end,
}
local fm = nn.Sequential{Faulty{input_shape = {5}}}
fm:compile{optimizer = 'sgd', loss = 'mean_squared_error'}
local w_before = fm.layers[1].w:clone()
local ok, err = pcall(fm.fit, fm, x, nn.randn(6, 3), {epochs = 1, verbose = 0})
t.is(ok, false, 'a failing backward stops fit')
t.like(err, 'faulty_1 %(faulty%): backward: .-custom_layer%.lua:%d+: matmul',
       'the message names the layer, the method and the line (a C error too)')
t.is(diff(fm.layers[1].w, w_before), 0, 'the weights are as they were (no update ran)')
t.like(tostring(fm:predict(x).shape[2]), '3', 'the model still predicts afterwards')
t.raises(function() fm.layers[1].w = 1 end, 'cannot be replaced', 'layer fields stay guarded')

local Exploding = nn.Layer{name = 'exploding', call = function(self, x)
  if x:get(1, 1) > 100 then error('boom') end
  return x * 2
end}
local em = nn.Sequential{Exploding{input_shape = {2}}}
t.is(em:predict(nn.tensor{{1, 2}}):totable(), {{2, 4}}, 'a class without build or weights')
ok, err = pcall(em.predict, em, nn.tensor{{101, 2}})
t.like(err, 'exploding_1 %(exploding%): call: .-custom_layer%.lua:%d+: boom',
       'an error() in call, with its line')

-- a Ctrl-C pressed before a custom layer's call began (while built-in
-- layers ran) does not cut the call short: fit stops cleanly after the batch
local Busy = nn.Layer{name = 'busy', call = function(self, x)
  local s = 0
  for i = 1, 20000 do s = s + i end  -- some 100,000 instructions: the hook looks often
  return x + (s - 200010000)
end, backward = function(self, x, g) return g end}
local calm = nn.Sequential{Busy{input_shape = {5}}}
nn.viz.interrupt()
t.is(diff(calm:predict(x), x), 0, 'a pending Ctrl-C lets a call that ends finish')
calm:compile{optimizer = 'sgd', loss = 'mean_squared_error'}
calm:fit(x, x, {epochs = 1, verbose = 0})  -- fit starts by clearing the flag

-- Ctrl-C (here nn.viz.interrupt, which sets the same flag) stops a loop in
-- the class's code, which runs on a thread of its own
local Spin = nn.Layer{name = 'spin', call = function(self, x)
  if x:get(1, 1) > 5 then
    nn.viz.interrupt()
    while true do end
  end
  return x
end}
local spin = nn.Sequential{Spin{input_shape = {2}}}
ok, err = pcall(spin.predict, spin, nn.tensor{{9, 1}})
t.like(err, 'spin_1 %(spin%): call: .-interrupted!', 'an endless loop in call is interrupted')
t.is(spin:predict(nn.tensor{{1, 2}}):totable(), {{1, 2}}, 'and the next call runs')

local WrongShape = nn.Layer{name = 'wrong_shape', call = function(self, x)
  return x:narrow(1, 1, 1)    -- one row, whatever the batch
end}
local wm = nn.Sequential{WrongShape{input_shape = {2}}}
ok, err = pcall(wm.predict, wm, nn.rand(3, 2))
t.like(err, 'wrong_shape_1 %(wrong_shape%): call: returned a tensor of shape %(1, 2%); '
       .. 'the output must be %(3, 2%)', 'a result of the wrong shape is named with both shapes')

t.raises(function() nn.Layer{name = 'Dense', call = function() end} end,
         "'Dense' is taken by the built%-in Dense", 'a built-in class name is refused')
t.raises(function() nn.Layer{name = 'dense', call = function() end} end,
         "'dense' is taken by the built%-in Dense", "so is a built-in's layer name")
t.raises(function() nn.Layer{name = 'my dense', call = function() end} end,
         "name 'my dense' should be letters, digits and _", 'a name the debugger can read')
t.raises(function() nn.Layer{call = function() end} end, 'needs a name', 'a class needs a name')
t.raises(function() nn.Layer{name = 'nocall'} end, 'call should be a function',
         'a class needs call')
t.raises(function() nn.Layer{name = 'plural', call = function(self, x) return x end,
                             backwards = function(self, x, g) return g end} end,
         "Layer 'plural': 'backwards' is not a method nnstep calls; did you mean backward%?",
         'a misspelt backward is named (it would run forward only)')
t.raises(function() nn.Layer{name = 'capital', Build = function() end,
                             call = function(self, x) return x end} end,
         "'Build' is not a method nnstep calls; did you mean build%?", 'so is Build')
t.ok(pcall(nn.Layer, {name = 'helper', call = function(self, x) return x end,
                      build_kernel = function() end}), 'a helper method of another name is fine')
local Late = nn.Layer{name = 'late', call = function(self, x)
  self.w = self.w or self:add_weight('w', {2})
  return x
end}
t.raises(function() nn.Sequential{Late{input_shape = {2}}} end,
         'late_1 %(late%): call %(its dry call on zeros %(1, input...%) at build%): '
         .. '.-add_weight: weights are made in build%(self, input_shape%)',
         'add_weight outside build says where weights are made')
-- A mistake in call shows at the dry call that finds the output shape:
-- the method named is call (where the line is), not build.
local Typo = nn.Layer{name = 'typo',
  build = function(self, s) self.kernel = self:add_weight('kernel', {s[1], 2}) end,
  call = function(self, x) return x:matmul(self.kernal) end}
t.raises(function() nn.Sequential{Typo{input_shape = {3}}} end,
         'typo_1 %(typo%): call %(its dry call on zeros %(1, input...%) at build%): '
         .. '.-custom_layer%.lua:%d+: matmul', 'an error in call at build names call and the line')

-- ---- the class, or nn.Dense, where a layer belongs ----
local Lin = nn.Layer{name = 'lin', call = function(self, x) return x end}
t.raises(function() nn.Sequential():add(Lin) end,
         "add: argument #2: expected a layer, got table %(the layer class 'lin': call it",
         'm:add(MyLayer) says to call the class')
t.raises(function() nn.Sequential{Lin} end,
         "element 1 of the list is a table, not a layer %(the layer class 'lin': call it",
         'so does Sequential{MyLayer}')
t.raises(function() nn.Sequential():add(nn.Dense) end,
         'expected a layer, got function %(a function: call it to make a layer',
         'm:add(nn.Dense) says to call it')

-- ---- call(self, x, training), as Keras's: a Dropout-like layer can tell ----
local seen = {}
local Moody = nn.Layer{name = 'moody',
  call = function(self, x, training)
    seen[#seen + 1] = training
    return training and x * 2 or x
  end,
  backward = function(self, x, g) return g * 2 end}
local mm = nn.Sequential{Moody{input_shape = {2}}}
t.is(seen, {false}, 'the dry call at build is not training')
mm:compile{optimizer = 'sgd', loss = 'mean_squared_error'}
local ones = nn.ones(1, 2)
t.is(mm:predict(ones):totable(), {{1, 1}}, 'predict: training = false')
mm:train_on_batch(ones, ones)
t.is(seen[#seen], true, 'train_on_batch: training = true')
t.is(mm(ones):totable(), {{2, 2}}, "Gluon's net(x): training = true")

-- ---- a class without backward runs forward only ----
local Scale = nn.Layer{name = 'scale', call = function(self, x) return x * 3 end}
local sm = nn.Sequential{Scale{input_shape = {2}}, nn.Dense(1)}
local k2, b2 = sm.layers[2].kernel, sm.layers[2].bias
t.is_near(sm:predict(nn.tensor{{1, 1}}):totable(),
          {{3 * (k2:get(1, 1) + k2:get(2, 1)) + b2:get(1)}}, 1e-5, 'forward-only: predict works')
sm:compile{optimizer = 'sgd', loss = 'mean_squared_error'}
t.raises(function() sm:fit(nn.rand(4, 2), nn.rand(4, 1), {verbose = 0}) end,
         'layer scale_1 has no backward%(self, x, grad_out%): it can predict but not train',
         'fit refuses at the start')
t.raises(function() sm:train_on_batch(nn.rand(4, 2), nn.rand(4, 1)) end,
         'it can predict but not train', 'train_on_batch refuses')
local trainer = nn.Trainer(sm:collect_params(), 'sgd')
t.raises(function()
  local l = nn.losses.mean_squared_error(nn.rand(4, 1), sm(nn.rand(4, 2)))
  l:backward()
end, 'it can predict but not train', "the Gluon loop's backward refuses")

-- ---- the debugger steps into it ----
nn.seed(11)
local said_lines = {}
local real_print = print
print = function(...) said_lines[#said_lines + 1] = table.concat({...}, '\t') end
local dm = nn.Sequential{MyDense{input_shape = {5}}, nn.Dense(2)}
dm:compile{optimizer = 'sgd', loss = 'mean_squared_error'}
local d = nn.debug(dm, x, y2, {batch_size = 6})
local program = d.stepper:program()
print = real_print
t.is(program, {'forward my_dense_1', 'forward dense_1', 'loss', 'backward dense_1',
               'backward my_dense_1', 'update'}, 'the program has its forward and backward steps')
print = function() end  -- the debugger shows where it stopped
d:step()
print = real_print
t.is(d.stepper.position, 1, 'stopped after forward my_dense_1')
t.is_near(diff(dm.layers[1].output, x:matmul(dm.layers[1].kernel) + dm.layers[1].bias), 0, 1e-6,
          'its output is in place, as call computed it')
print = function() end
d:step(4)
print = real_print
t.ok(dm.layers[1].grad.kernel:abs():sum() > 0, 'after backward my_dense_1: its gradient')
print = function() end
ok, err = pcall(d.explain, d, 'my_dense_1.kernel[1][1]')
print = real_print
t.like(err, 'my_dense_1 is a custom layer %(my_dense%): its gradient is whatever its Lua '
       .. 'backward computes', ':explain says why it cannot factor it')
local kernel_before = dm.layers[1].kernel:clone()
print = function() end
d:step()
print = real_print
t.ok(diff(dm.layers[1].kernel, kernel_before) > 0, 'the update changed its kernel')
print = function() end
d:back()
print = real_print
t.is(diff(dm.layers[1].kernel, kernel_before), 0, ':back restores its weights bit for bit')

t.done_testing()
