-- Lesson 15: write your own layer. The learner writes Dense's backward pass
-- in Lua (dL/dkernel, dL/dx), wraps it in an nn.Layer class, checks it with
-- nn.gradcheck, breaks one entry on purpose and sees the check point at it,
-- fixes it, trains with it beside the built-in Dense (same numbers), and
-- steps into it with the debugger.

-- Fixed numbers for the first exercises, and their answers worked out here
-- with plain loops (not with the engine's matmul).
local X = {{1.0, -2.0, 0.5}, {0.0, 3.0, -1.0}}              -- x (2, 3)
local G = {{0.5, -1.0}, {2.0, 0.25}}                        -- dL/dz (2, 2)
local W = {{0.1, 0.2}, {-0.3, 0.4}, {0.5, -0.6}}            -- kernel (3, 2)
local KERNEL_GRAD, INPUT_GRAD = {}, {}
for i = 1, 3 do
  KERNEL_GRAD[i] = {}
  for j = 1, 2 do
    KERNEL_GRAD[i][j] = X[1][i] * G[1][j] + X[2][i] * G[2][j]   -- sum over the batch
  end
end
for b = 1, 2 do
  INPUT_GRAD[b] = {}
  for i = 1, 3 do
    INPUT_GRAD[b][i] = G[b][1] * W[i][1] + G[b][2] * W[i][2]
  end
end

local same_values  -- the lesson helper's L.same_values, set in run

-- A function the learner wrote, tried on the fixed numbers: its result
-- against the loops' (the learner's code may fail: say how).
local function check_function(env, name, args, expected)
  local f = env[name]
  if type(f) ~= 'function' then return false, name .. ' should be a function' end
  local ok, got = pcall(f, table.unpack(args))
  if not ok then return false, name .. ' fails: ' .. tostring(got) end
  local want = nn.tensor(expected)
  if type(got) ~= 'userdata' or not pcall(function() return got.shape end) then
    return false, name .. ' should return a tensor'
  end
  if got.ndim ~= 2 or got.shape[1] ~= want.shape[1] or got.shape[2] ~= want.shape[2] then
    return false, string.format('%s returns a (%s) tensor; it should be (%d, %d)', name,
                                table.concat(got.shape, ', '), want.shape[1], want.shape[2])
  end
  return same_values(name .. "'s result", got, want, 1e-5)
end

local SETUP = [[
x = nn.tensor{{1.0, -2.0, 0.5}, {0.0, 3.0, -1.0}}
g = nn.tensor{{0.5, -1.0}, {2.0, 0.25}}
W = nn.tensor{{0.1, 0.2}, {-0.3, 0.4}, {0.5, -0.6}}
]]

local CLASS = [[
MyDense = nn.Layer{
  name = 'my_dense',
  build = function(self, input_shape)
    self.kernel = self:add_weight('kernel', {input_shape[1], 4}, 'glorot_uniform')
    self.bias = self:add_weight('bias', {4}, 'zeros')
  end,
  call = function(self, x) return x:matmul(self.kernel) + self.bias end,
  backward = function(self, x, grad_out)
    self.kernel.grad:copy(kernel_grad(x, grad_out))
    self.bias.grad:copy(grad_out:sum(1))
    return input_grad(grad_out, self.kernel)
  end,
}]]

local KERNEL_ANSWER = 'kernel_grad = function(x, g) return x:transpose():matmul(g) end'
local INPUT_ANSWER = 'input_grad = function(g, W) return g:matmul(W:transpose()) end'

-- The kernel's gradient entry the learner is asked to break.
local function broke_entry_2_3(env)
  local r = env.r
  if type(r) ~= 'table' or r.ok == nil then
    return false, 'r should be the result of nn.gradcheck(MyDense(), x5)'
  end
  if r.ok then return false, 'gradcheck still says ok: kernel_grad is still right' end
  local k = r[r.names[2]]
  if k.ok or k.index[1] ~= 2 or k.index[2] ~= 3 then
    return false, 'gradcheck should find the kernel WRONG at {2, 3}'
  end
  return r.input.ok and r[r.names[3]].ok, 'only the kernel should be wrong'
end

return {
  title = 'Write your own layer',
  minutes = 15,
  group = 'practice',
  requires = {5},
  run = function(L)
    same_values = L.same_values
    L:page [[
A layer is two functions. Forward: from its input x to its output. And
backward: given dL/dz, how the loss changes with its output z, it must
say how the loss changes with each of its weights (the gradients the
optimizer needs) and with its input x (the dL/dz of the layer below).

Keras lets you write a layer class (class MyDense(keras.layers.Layer)),
Torch7 let you write nn.Module's forward and backward in Lua. Here:

  MyDense = nn.Layer{
    name = 'my_dense',
    build = function(self, input_shape) ... self:add_weight(...) end,
    call = function(self, x) return ... end,            -- forward
    backward = function(self, x, grad_out) ... end,      -- dL/dx
  }

You will write Dense's backward yourself, then let a gradient check tell
you whether it is right.]]

    L:page [[
Dense computes z = x . kernel + bias, for a batch:

  x (B, in)     kernel (in, out)     bias (out)     z (B, out)

Given g = dL/dz (B, out), the chain rule gives three things:

  dL/dkernel[i][j] = sum over the batch b of x[b][i] * g[b][j]
                   = (x transposed) . g                     (in, out)
  dL/dbias[j]      = sum over the batch of g[b][j]          (out)
  dL/dx[b][i]      = sum over j of g[b][j] * kernel[i][j]
                   = g . (kernel transposed)                (B, in)

Check the shapes: each gradient has the shape of what it is the gradient
of. That alone catches most mistakes.]]
    L:run(SETUP)
    L:try('x, g, W', 'A batch of 2 inputs of 3 numbers, a dL/dz for 2 units, a kernel (3, 2).')

    L:exercise{
      prompt = 'Write kernel_grad = function(x, g) ... end that returns dL/dkernel,\n' ..
               '(x transposed) . g. t:transpose() and a:matmul(b) will do.',
      answer = KERNEL_ANSWER,
      wrong = 'kernel_grad = function(x, g) return g:transpose():matmul(x) end',
      check = function(env) return check_function(env, 'kernel_grad', {env.x, env.g}, KERNEL_GRAD) end,
      hints = {'The result is (in, out) = (3, 2): (3, B) . (B, 2).',
               KERNEL_ANSWER},
    }
    L:exercise{
      prompt = 'Write input_grad = function(g, W) ... end that returns dL/dx,\n' ..
               'g . (W transposed), where W is the kernel.',
      answer = INPUT_ANSWER,
      wrong = 'input_grad = function(g, W) return g:matmul(W) end',
      check = function(env) return check_function(env, 'input_grad', {env.g, env.W}, INPUT_GRAD) end,
      hints = {'The result is (B, in) = (2, 3): (2, 2) . (2, 3).', INPUT_ANSWER},
    }

    L:page [[
Now the class. build makes the weights with self:add_weight(name, shape,
initializer): real parameters, which the optimizer trains, the debugger
restores and model:save stores. Each has .grad, its gradient, which your
backward fills (nnstep zeroes it before each batch). call is the forward
pass; backward uses your two functions and returns dL/dx.]]
    L:try(CLASS, 'The class, with your kernel_grad and input_grad inside.')
    L:run('if MyDense == nil then ' .. CLASS .. ' end')
    L:run('if kernel_grad == nil then ' .. KERNEL_ANSWER .. ' end')
    L:run('if input_grad == nil then ' .. INPUT_ANSWER .. ' end')

    L:page [[
Is it right? Checking by hand was fine for two numbers; a gradient check
checks every one. For each weight w it nudges w by a small h both ways
and measures the loss:

  numeric dL/dw = (L(w + h) - L(w - h)) / (2 h)

and compares it with your analytic gradient. Where they disagree by more
than 1% (relative error), the entry is WRONG.]]
    L:run('nn.seed(15); x5 = nn.rand(3, 5) + 0.5')
    L:try('r = nn.gradcheck(MyDense(), x5)', 'Check a fresh layer on 3 random inputs of 5 numbers.')
    L:run('if type(r) ~= "table" then r = nn.gradcheck(MyDense(), x5) end')
    L:check(L:run('return r.ok'), 'the lesson\'s MyDense passes the gradient check')

    L:page [[
A check that never fails proves nothing. Break your layer on purpose and
watch the check catch it. One wrong number among twenty is a typical bug
(an off-by-one in a loop): make kernel_grad compute the right tensor, then
set its entry [2][3] to 0 before returning it. Then run the check again.]]
    L:exercise{
      prompt = 'Redefine kernel_grad so that entry [2][3] of its result is 0, then\n' ..
               'r = nn.gradcheck(MyDense(), x5). (Both on one line, separated by ;)',
      answer = 'kernel_grad = function(x, g) local k = x:transpose():matmul(g); ' ..
               'k[2][3] = 0; return k end; r = nn.gradcheck(MyDense(), x5)',
      wrong = 'r = nn.gradcheck(MyDense(), x5)',
      check = broke_entry_2_3,
      hints = {'local k = x:transpose():matmul(g); k[2][3] = 0; return k',
               'kernel_grad = function(x, g) local k = x:transpose():matmul(g); ' ..
               'k[2][3] = 0; return k end; r = nn.gradcheck(MyDense(), x5)'},
    }
    L:try('r', 'The report: the kernel is WRONG, and where: {2, 3}, the entry you broke.')

    L:exercise{
      prompt = 'Fix kernel_grad again and check: r = nn.gradcheck(MyDense(), x5)\n' ..
               'should say ok = true.',
      answer = KERNEL_ANSWER .. '; r = nn.gradcheck(MyDense(), x5)',
      wrong = 'kernel_grad = function(x, g) return x:transpose():matmul(g) * 2 end; ' ..
              'r = nn.gradcheck(MyDense(), x5)',
      check = function(env)
        if type(env.r) ~= 'table' then return false, 'r should be gradcheck\'s result' end
        return env.r.ok == true, 'gradcheck still finds something WRONG: look at r'
      end,
      hints = {KERNEL_ANSWER .. '; r = nn.gradcheck(MyDense(), x5)'},
    }

    L:page [[
Now train with it, beside the built-in Dense started from the same
weights (set_weights copies them). If your backward is right, both
models must learn the same thing, number for number (up to the last
digits of float rounding: your matmul adds in another order).]]
    L:run([[
nn.seed(16)
xs = nn.randn(32, 5)
ys = xs:matmul(nn.tensor{{1}, {-2}, {0.5}, {0}, {3}}) + 0.1
function regression(first)
  local m = nn.Sequential{first, nn.Dense(1)}
  m:compile{optimizer = nn.optimizers.Adam{learning_rate = 0.05}, loss = 'mean_squared_error'}
  return m
end
mine = regression(MyDense{input_shape = {5}})
builtin = regression(nn.Dense(4, {input_shape = {5}}))
builtin:set_weights(mine:get_weights())
]])
    L:try("h1 = mine:fit(xs, ys, {epochs = 20, batch_size = 8, shuffle = false, verbose = 0})",
          'Train the model with your layer for 20 epochs.')
    L:try("h2 = builtin:fit(xs, ys, {epochs = 20, batch_size = 8, shuffle = false, verbose = 0})",
          'And the one with the built-in Dense.')
    L:run([[if not (h1 and h2) then
  h1 = mine:fit(xs, ys, {epochs = 20, batch_size = 8, shuffle = false, verbose = 0})
  h2 = builtin:fit(xs, ys, {epochs = 20, batch_size = 8, shuffle = false, verbose = 0})
end]])
    L:try('h1.loss[1], h1.loss[20], h2.loss[20]', 'The loss fell, and both ended at the same place.')
    L:check(L:run('return h1.loss[20] < h1.loss[1] / 2'), 'training with MyDense lowers the loss')
    L:check(L:run('return math.abs(h1.loss[20] - h2.loss[20]) <= 1e-4 * h2.loss[20]'),
            'MyDense trains as the built-in Dense does')

    L:page [[
Last, step into it. The debugger treats your layer like any other: it
stops before and after its forward and its backward, shows its output
and its gradients, and :back undoes a step. Only :explain declines: it
splits a built-in layer's gradient into the products it is made of, but
your layer's gradient is whatever your Lua code computes, so nnstep
cannot see those products. The gradient check is your explanation.]]
    L:run("d = nn.debug(mine, xs, ys, {batch_size = 8})")
    L:try('d:step()', 'forward my_dense_1: your call ran.')
    L:run('while d.stepper.position < 1 do d.stepper:step() end')
    L:try('d:step(4)', 'forward dense_1, the loss, backward dense_1, backward my_dense_1.')
    L:run('while d.stepper.position < 5 do d.stepper:step() end')
    L:try('mine.layers[1].grad.kernel', 'The kernel gradient your backward wrote.')
    L:try("kernel_grad(mine.layers[1].input, mine.layers[1].grad_output)",
          'The same, from the layer\'s input and the dL/dz that reached it.')
    L:check(L:run([[return (kernel_grad(mine.layers[1].input, mine.layers[1].grad_output)
                          - mine.layers[1].grad.kernel):abs():max() < 1e-6]]),
            'the gradient in the debugger is kernel_grad(input, grad_output)')
    L:try("pcall(d.explain, d, 'my_dense_1.kernel[1][1]')", ':explain says why it cannot split it.')

    L:page [[
You wrote a layer's backward pass, proved it with a gradient check (and
proved the check by breaking the layer), and trained with it.

Everything the built-in layers have, yours has: summary() shows its
output shape (from one call at build) and its parameter count; model:save
stores its weights under its class name ('my_dense'), and nn.load makes
it again, if you have defined the class with nn.Layer first.

Try a layer of your own: a Scale layer with one weight per feature
(x * self.scale), or a layer without backward, which can predict but not
train (fit will say so).]]
  end,
}
