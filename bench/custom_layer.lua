-- bench/custom_layer.lua: what a layer written in Lua (nn.Layer) costs beside
-- the built-in Dense doing the same work (issue 16: "a custom layer's
-- overhead per call is measured").
--
--   nnstep bench/custom_layer.lua [BATCH [INPUTS [UNITS [CALLS]]]]
--
-- Defaults: a batch of 32, 64 inputs, 64 units, 2000 calls. Both models are
-- one Dense layer (the issue's MyDense, and nn.Dense) with the same weights
-- and data; a call is one train_on_batch (forward, loss, backward, an SGD
-- update with learning rate 1e-12, so the weights all but stay put and every call does
-- the same work). Prints microseconds per call for each, their ratio, and
-- the difference: the custom layer's overhead per forward+backward, which
-- is the hooks' cost plus that of the tensor methods the Lua code calls
-- (each makes a new tensor; matmul of a transposed view). To tell the two
-- apart it also times a layer that does nothing (Lua's x -> x, beside the
-- built-in Activation('linear')): that difference is the cost of calling
-- into Lua and copying the result, per layer and call.
local batch = tonumber(arg[1] or 32)
local inputs = tonumber(arg[2] or 64)
local units = tonumber(arg[3] or 64)
local calls = tonumber(arg[4] or 2000)

local MyDense = nn.Layer{
  name = 'my_dense',
  build = function(self, input_shape)
    self.kernel = self:add_weight('kernel', {input_shape[1], units}, 'glorot_uniform')
    self.bias = self:add_weight('bias', {units}, 'zeros')
  end,
  call = function(self, x) return x:matmul(self.kernel) + self.bias end,
  backward = function(self, x, grad_out)
    self.kernel.grad:copy(x:transpose():matmul(grad_out))
    self.bias.grad:copy(grad_out:sum(1))
    return grad_out:matmul(self.kernel:transpose())
  end,
}

nn.seed(1)
local x, y = nn.randn(batch, inputs), nn.randn(batch, units)
local function model(layer)
  local m = nn.Sequential{layer}
  m:compile{optimizer = nn.optimizers.SGD{learning_rate = 1e-12}, loss = 'mean_squared_error'}
  return m
end
local mine = model(MyDense{input_shape = {inputs}})
local builtin = model(nn.Dense(units, {input_shape = {inputs}}))
builtin:set_weights(mine:get_weights())

-- microseconds per train_on_batch, after a few calls to warm up
local function time(m)
  for _ = 1, 10 do m:train_on_batch(x, y) end
  collectgarbage()
  local start = nn.viz.clock()
  for _ = 1, calls do m:train_on_batch(x, y) end
  return (nn.viz.clock() - start) / calls * 1e6
end

local Identity = nn.Layer{
  name = 'identity',
  call = function(self, x) return x end,
  backward = function(self, x, grad_out) return grad_out end,
}
local ident_lua = model(Identity{input_shape = {inputs}})
local ident_builtin = model(nn.Activation('linear', {input_shape = {inputs}}))
y = nn.randn(batch, inputs)
local t_ident_builtin = time(ident_builtin)
local t_ident_lua = time(ident_lua)
y = nn.randn(batch, units)

local t_builtin = time(builtin)
local t_mine = time(mine)
local same = (mine.layers[1].grad.kernel - builtin.layers[1].grad.kernel):abs():max()
print(string.format('Dense(%d) on (%d, %d), %d calls of train_on_batch (forward + backward)',
                    units, batch, inputs, calls))
print(string.format('  built-in Dense   %9.1f us per call', t_builtin))
print(string.format('  Lua MyDense      %9.1f us per call', t_mine))
print(string.format('  ratio %.2f; overhead %.1f us per call', t_mine / t_builtin,
                    t_mine - t_builtin))
print(string.format('  (largest difference between their kernel gradients: %.3g)', same))
print(string.format('A layer that does nothing, on (%d, %d)', batch, inputs))
print(string.format("  built-in Activation('linear') %9.1f us per call", t_ident_builtin))
print(string.format('  Lua identity                  %9.1f us per call', t_ident_lua))
print(string.format('  overhead of a Lua layer       %9.1f us per call (forward + backward)',
                    t_ident_lua - t_ident_builtin))
