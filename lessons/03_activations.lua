-- Lesson 3: activation functions. Sigmoid, tanh and ReLU and their slopes,
-- drawn as text plots (L:plot); checked against the engine's own functions; then
-- why the choice matters: a saturated sigmoid hardly learns, a dead ReLU
-- never does (both shown with the engine's gradients).

-- The true slope of a function at z, by central differences.
local function slope(f, z)
  local h = 1e-5
  return (f(z + h) - f(z - h)) / (2 * h)
end
local function true_sigmoid(z) return 1 / (1 + math.exp(-z)) end
local function near(a, b, tol) return math.abs(a - b) < (tol or 1e-6) end

-- L:settle for a function the learner was shown how to write: is env[name]
-- the reference at a few z? If not, say at which z it differs.
local function settle_function(L, name, reference, code)
  local function first_difference(env)
    local f = env[name]
    if type(f) ~= 'function' then return name .. ' is not a function.' end
    for _, z in ipairs{-3, -0.5, 0, 0.8, 3} do
      local ok, v = pcall(f, z)
      if not ok then return string.format('%s(%g) stops with an error.', name, z) end
      if type(v) ~= 'number' or not near(v, reference(z)) then
        return string.format('%s(%g) gives %s, not %.4g.', name, z,
                             type(v) == 'number' and string.format('%.4g', v) or tostring(v), reference(z))
      end
    end
  end
  L:settle(function(env) return first_difference(env) == nil end, code,
         function(env) return first_difference(env) .. ' The next lines need the ' .. name .. ' above.' end)
end

-- Call the learner's function f at z: its number, or nil and what went wrong.
local function call(name, f, z)
  local ok, value = pcall(f, z)
  if not ok then return nil, string.format('%s(%g) stops with an error: %s', name, z, tostring(value)) end
  if type(value) ~= 'number' then
    return nil, string.format('%s(%g) returns %s, not a number', name, z, tostring(value))
  end
  return value
end

-- What the learner defined as name: a function, or why it is not one yet.
local function want_function(env, name)
  local f = env[name]
  if f == nil then return nil, 'still waiting for function ' .. name .. '(z) ... end' end
  if type(f) ~= 'function' then return nil, name .. ' is a ' .. type(f) .. ', not a function of z' end
  return f
end

-- Exercise: dsigmoid(z) = s * (1 - s).
local function check_dsigmoid(env)
  local f, why = want_function(env, 'dsigmoid')
  if not f then return false, why end
  local z = 0.7
  local v, err = call('dsigmoid', f, z)
  if not v then return false, err end
  local s = true_sigmoid(z)
  local mistakes = {
    {0, 's * 1 - s = s - s (* comes before -): (1 - s) needs its parentheses',
     'Write s * (1 - s), with the parentheses.'},
    {s * s, 's * s: the second factor is (1 - s), not s', 'The slope is s times (1 - s), with s = sigmoid(z) in both factors.'},
    {1 - s, '1 - s: the factor s is missing', 'Multiply by s as well: s * (1 - s).'},
    {s, 'sigmoid itself, not its slope', 'The slope is s * (1 - s), with s = sigmoid(z).'},
    {s * (1 + s), 's * (1 + s): the sign in (1 - s) is flipped', 'It is (1 - s), a minus.'},
    {s * (1 - z), 's * (1 - z): z where s belongs in the second factor', 'Both factors use s = sigmoid(z): s * (1 - s).'},
  }
  for _, m in ipairs(mistakes) do
    if near(v, m[1]) then
      return false, string.format('dsigmoid(%g) is %.4g, which is %s', z, v, m[2]), m[3]
    end
  end
  for _, zz in ipairs{-5, -1.5, 0, 0.7, 3} do
    local got, e = call('dsigmoid', f, zz)
    if not got then return false, e end
    local want = slope(true_sigmoid, zz)
    if not near(got, want, 1e-5) then
      return false, string.format('dsigmoid(%g) is %.4g; the slope there is %.4g (off by %.3g)', zz, got, want, got - want)
    end
  end
  return true
end

-- Exercise: drelu(z), 0 for z < 0, 1 for z > 0.
local function check_drelu(env)
  local f, why = want_function(env, 'drelu')
  if not f then return false, why end
  local ok, at2 = pcall(f, 2)
  if ok and type(at2) == 'boolean' then
    return false, 'drelu(2) returns ' .. tostring(at2) .. ': return the numbers 1 and 0, not true and false'
  end
  local right, err = call('drelu', f, 2)
  local left, err2 = call('drelu', f, -3)
  if not right or not left then return false, err or err2 end
  if right == 2 and left == 0 then
    return false, 'drelu(2) is 2: that is relu itself; its slope is 1 wherever z > 0',
           'The slope of a straight line at 45 degrees is 1, whatever z is: return 1 there.'
  end
  if right == 0 and left == 1 then
    return false, 'drelu(2) is 0 and drelu(-3) is 1: the two cases are swapped',
           'ReLU is flat (slope 0) for negative z and rises (slope 1) for positive z.'
  end
  for _, case in ipairs{{-3, 0}, {-0.2, 0}, {0.3, 1}, {2, 1}, {50, 1}} do
    local got, e = call('drelu', f, case[1])
    if not got then return false, e end
    if got ~= case[2] then
      return false, string.format('drelu(%g) is %g; the slope of ReLU there is %g', case[1], got, case[2])
    end
  end
  return true
end

-- Exercise: a bias that makes z = 0.5 x1 - 0.3 x2 + b positive for every
-- input in [0, 1]^2; the worst input is (0, 1).
local function check_revived(env)
  local unit, X = env.unit, env.X
  if not (unit and X) then
    return false, 'unit and X are gone; the lesson made them on the page before'
  end
  local dense = unit.layers[1]
  local w1, w2, b = dense.kernel[1][1], dense.kernel[2][1], dense.bias[1]
  local worst = math.min(0, w1) + math.min(0, w2) + b  -- z at the worst corner
  if worst > 0 and unit:predict(X):min() > 0 and unit:predict(nn.tensor{{0, 1}})[1][1] > 0 then
    return true
  end
  if b == -10 then
    return false, 'the bias is still -10: set unit.layers[1].bias[1] = ...',
           'unit.layers[1].bias[1] is its one bias; a number, one index.'
  end
  local at01 = w1 * 0 + w2 * 1 + b
  return false, string.format('with the bias %g, z at the input (0, 1) is 0*%g + 1*(%g) + %g = %.3g: ' ..
                              'not above 0, so the unit is still dead there', b, w1, w2, b, at01),
         string.format('The smallest z is at (0, 1): %g + bias. It must be above 0.', w2)
end

return {
  title = 'Activation functions: sigmoid, tanh, ReLU',
  minutes = 12,
  group = 'basics',
  requires = {2},
  run = function(L)
    do  -- two layers without activations are one: (X W1) W2 = X (W1 W2)
      local X, W1, W2 = nn.randn(5, 3), nn.randn(3, 4), nn.randn(4, 2)
      L:check((X:matmul(W1):matmul(W2) - X:matmul(W1:matmul(W2))):abs():max() < 1e-4,
              'a matmul of a matmul is a matmul')
    end
    L:page [[
Without an activation, a neuron is a weighted sum: a straight line (or a
flat plane). Worse, a stack of such layers is still one weighted sum, since
a matmul of a matmul is a matmul. Twenty linear layers can learn nothing a
single one cannot.

The activation function bends the sum. With it, layers can build curves,
corners and yes/no decisions. Three activations matter most:

  sigmoid   1 / (1 + e^-z)                  from 0 to 1
  tanh      (e^z - e^-z) / (e^z + e^-z)     from -1 to 1
  ReLU      max(0, z)                       from 0 to infinity

We will write each in Lua, check it against the engine, and draw it.]]

    L:try('function sigmoid(z) return 1 / (1 + math.exp(-z)) end',
          'A Lua function: "function name(args) ... end". return gives the\n' ..
          'result, as in Python. math.exp is e to the power.')
    settle_function(L, 'sigmoid', true_sigmoid, 'function sigmoid(z) return 1 / (1 + math.exp(-z)) end')
    L:try('sigmoid(0), sigmoid(4), sigmoid(-4)', 'Half way at 0, near 1 above, near 0 below.')
    L:try('nn.tensor{0, 4, -4}:sigmoid()',
          'The engine\'s sigmoid (what Dense(..., {activation = \'sigmoid\'}) uses),\n' ..
          'on a tensor: the same numbers.')
    local engine_sigmoid = nn.tensor{0, 4, -4}:sigmoid()
    L:check(engine_sigmoid[1] == 0.5, 'sigmoid(0) is 0.5')
    L:check(math.abs(engine_sigmoid[2] - true_sigmoid(4)) < 1e-6 and engine_sigmoid[3] > 0 and engine_sigmoid[2] < 1,
            'the engine\'s sigmoid is 1 / (1 + e^-z), between 0 and 1')

    L:page [[
To see a function, we have put a small plotting function into your session:

    plot(f, from, to, bottom, top)

draws f for z from `from` to `to`, with the vertical axis from `bottom` to
`top`, in stars. (It is 40 lines of plain Lua, nothing magic: it works
out which row each value falls in and prints the rows.)]]
    L.env.plot = function(...) return L:plot(...) end
    L:try('plot(sigmoid, -6, 6, 0, 1)', 'Sigmoid from -6 to 6: an S from 0 to 1.')

    L:try('function tanh(z) return (math.exp(z) - math.exp(-z)) / (math.exp(z) + math.exp(-z)) end',
          'tanh, written out.')
    settle_function(L, 'tanh', function(z) return 2 * true_sigmoid(2 * z) - 1 end,
                    'function tanh(z) return (math.exp(z) - math.exp(-z)) / (math.exp(z) + math.exp(-z)) end')
    L:try('plot(tanh, -6, 6, -1, 1)', 'The same S, from -1 to 1 and centred on 0.')
    L:try('tanh(1), nn.tensor{1}:tanh()[1]',
          'Yours and the engine\'s. They agree to 7 digits: the engine\'s tensors\n' ..
          'hold 32-bit floats, Lua\'s own numbers are 64-bit.')
    do
      local t = nn.tensor{-3, 0, 1, 3}:tanh()
      L:check(t[2] == 0 and t[1] > -1 and t[4] < 1 and math.abs(t[1] + t[4]) < 1e-6,
              'tanh(0) is 0, tanh is odd and between -1 and 1')
      L:check(math.abs(t[3] - (2 * true_sigmoid(2) - 1)) < 1e-6, 'tanh(z) = 2 sigmoid(2z) - 1')
      L:check(math.abs(t[3] - (2 * true_sigmoid(2) - 1)) < 5e-7 and t[3] ~= 2 * true_sigmoid(2) - 1,
              'the engine\'s tanh(1) agrees with Lua\'s to 7 digits, not all 16 (32-bit floats)')
    end

    L:try('function relu(z) return math.max(0, z) end', 'ReLU: zero for negative z, z itself above.')
    settle_function(L, 'relu', function(z) return math.max(0, z) end, 'function relu(z) return math.max(0, z) end')
    L:try('plot(relu, -6, 6, -1, 6)', 'A bent straight line. It never levels off upwards.')
    do
      local r = nn.tensor{-2, 0, 3, 1000}:relu()
      L:check(r[1] == 0 and r[2] == 0 and r[3] == 3 and r[4] == 1000, 'relu is max(0, z), unbounded above')
    end

    L:page [[
Training needs the slope (the derivative) of every activation: backprop,
lesson 5, multiplies the error by it at every layer. A slope can always be
measured by nudging z a little each way:

    slope of f at z  =  (f(z + h) - f(z - h)) / (2h),   h small

slope(f, z) below does just that. In Lua, a function is a value like any
other: slope receives sigmoid itself and calls it.]]

    L:try('function slope(f, z) local h = 1e-5; return (f(z + h) - f(z - h)) / (2 * h) end',
          'The measuring tool.')
    L:settle(function(env) return near(env.slope(true_sigmoid, 0), 0.25) and near(env.slope(true_sigmoid, 2), slope(true_sigmoid, 2)) end,
           'function slope(f, z) local h = 1e-5; return (f(z + h) - f(z - h)) / (2 * h) end',
           'slope(sigmoid, 0) should be 0.25, the slope of sigmoid at 0.')
    L:try('slope(sigmoid, 0), slope(sigmoid, 2), slope(sigmoid, 6)',
          'Sigmoid is steepest at 0 (0.25), and nearly flat by 6.')
    L:check(math.abs(slope(true_sigmoid, 0) - 0.25) < 1e-6, 'sigmoid\'s slope at 0 is 0.25')

    L:exercise{
      prompt = 'The slope of sigmoid has a famous short form, in terms of sigmoid\n' ..
               'itself: s * (1 - s), where s = sigmoid(z). Write it as a function\n' ..
               'dsigmoid(z). (function dsigmoid(z) return ... end)',
      answer = 'function dsigmoid(z) return sigmoid(z) * (1 - sigmoid(z)) end',
      wrong = {'function dsigmoid(z) return sigmoid(z) * sigmoid(z) end',
               'function dsigmoid(z) return 1 - sigmoid(z) end',
               'function dsigmoid(z) return sigmoid(z) * (1 - z) end',
               'function dsigmoid(z) local s = sigmoid(z); return s * 1 - s end',
               'dsigmoid = sigmoid(0) * (1 - sigmoid(0))'},
      check = check_dsigmoid,
      hints = {'function dsigmoid(z) return ... end, with s = sigmoid(z) used twice.',
               'function dsigmoid(z) return sigmoid(z) * (1 - sigmoid(z)) end'},
    }
    L:run('function dsigmoid(z) return sigmoid(z) * (1 - sigmoid(z)) end')
    L:try('plot(dsigmoid, -6, 6, 0, 0.3)',
          'Sigmoid\'s slope: a bump, 0.25 high at 0, almost nothing beyond +-5.')
    do
      local function lua_tanh(z) return (math.exp(z) - math.exp(-z)) / (math.exp(z) + math.exp(-z)) end
      local tanh6, sigmoid6 = 1 - lua_tanh(6) ^ 2, true_sigmoid(6) * (1 - true_sigmoid(6))
      L:try('plot(function(z) return 1 - tanh(z)^2 end, -6, 6, 0, 1)',
            'tanh\'s slope is 1 - tanh(z)^2: up to 1 at 0, four times sigmoid\'s; but\n' ..
            string.format('far out it is even flatter: at z = 6 it is %.1e, sigmoid\'s %.1e\n', tanh6, sigmoid6) ..
            '(tanh(z) = 2 sigmoid(2z) - 1: a sigmoid half as wide and twice as tall).\n' ..
            'function(z) ... end without a name makes a function on the spot,\n' ..
            'like Python\'s lambda. ^ is "to the power".')
      L:check(math.abs(slope(lua_tanh, 0) - 1) < 1e-6 and math.abs(slope(lua_tanh, 0.8) - (1 - lua_tanh(0.8) ^ 2)) < 1e-6,
              'tanh\'s slope is 1 - tanh^2, 1 at 0')
      L:check(math.abs(slope(lua_tanh, 6) - tanh6) < 1e-8 and math.abs(slope(true_sigmoid, 6) - sigmoid6) < 1e-8
              and tanh6 < sigmoid6 / 50, 'at z = 6 tanh is far flatter than sigmoid (2.5e-5 against 2.5e-3)')
      local engine = nn.tensor{6}
      L:check(math.abs((1 - engine:tanh()[1] ^ 2) - tanh6) < 1e-6, 'the engine\'s tanh agrees at 6')
    end

    L:exercise{
      prompt = 'Write drelu(z), the slope of ReLU: 0 where z is negative, 1 where z\n' ..
               'is positive. Lua\'s if reads: if z > 0 then return 1 else return 0 end',
      answer = 'function drelu(z) if z > 0 then return 1 else return 0 end end',
      wrong = {'function drelu(z) return math.max(0, z) end',
               'function drelu(z) if z > 0 then return 0 else return 1 end end',
               'function drelu(z) return max(0, z) end',
               'function drelu(z) return z > 0 end'},
      check = check_drelu,
      hints = {'The slope of max(0, z) is flat (0) on the left and 45 degrees (1) on the right.',
               'function drelu(z) if z > 0 then return 1 else return 0 end end'},
    }
    L:run('function drelu(z) if z > 0 then return 1 else return 0 end end')
    L:try('plot(drelu, -6, 6, -0.5, 1.5)', 'A step: 0, then 1 for ever. It never fades for large z.')

    L:page [[
Why the choice matters, 1: saturation.

Far from 0, sigmoid is flat: its slope is nearly 0. Every gradient that
passes through the unit is multiplied by that slope, so a unit whose z is
large hardly learns, however wrong it is. (Through many layers the 0.25s
multiply up: 0.25^10 is about a millionth. Lesson 13 shows it.)

Let us watch the engine. sigmoid_grad(w), which we put into your session,
builds one sigmoid neuron with the weight w, feeds it x = 1 with the
target 0, and steps a stepper through forward, loss and backward. It
returns the neuron's output and the gradient the engine computed for w.]]
    L:run([[
function sigmoid_grad(w)
  local m = nn.Sequential{nn.Dense(1, {activation = 'sigmoid', input_shape = {1}})}
  m:compile{optimizer = 'sgd', loss = 'mse'}
  m.layers[1].kernel[1][1] = w
  local s = nn.stepper(m, nn.tensor{{1}}, nn.tensor{{0}})
  s:step(3)                     -- forward, loss, backward
  return m.layers[1].output[1][1], m.layers[1].grad.kernel[1][1]
end
]])
    L:check(math.abs(0.25 ^ 10 - 1e-6) < 1e-7, '0.25^10 is about a millionth')
    L:try('sigmoid_grad(0.5)', 'Output 0.62 (wrong by 0.62): a healthy gradient.')
    L:try('sigmoid_grad(10)',
          'Output 0.99995: almost as wrong as it can be, yet the gradient is\n' ..
          'about 3000 times smaller. The unit is saturated.')
    do
      local _, healthy = L:run('sigmoid_grad(0.5)')
      local out, saturated = L:run('sigmoid_grad(10)')
      L:check(out > 0.9999 and saturated > 0 and saturated < healthy / 1000,
              'a saturated sigmoid gets a gradient over 1000 times smaller')
      L:check(healthy / saturated > 2500 and healthy / saturated < 4000 and math.abs(out - 0.99995) < 1e-5
              and math.abs(L:run('sigmoid_grad(0.5)') - 0.62) < 0.005, 'the page\'s 0.62, 0.99995 and "about 3000 times"')
    end

    L:page [[
Why the choice matters, 2: dead ReLUs.

ReLU never saturates for positive z (its slope stays 1), which is why deep
networks mostly use it. But for negative z its slope is exactly 0. A unit
whose z is negative for every example passes no gradient at all: its
weights never change again. It is dead.

Here is one: a ReLU neuron learning y = x1 + x2 for inputs between 0 and 1,
with the bias -10. Its z is negative for every input.]]
    L:run([[
X = nn.rand(64, 2)
Y = X:sum(2):reshape(64, 1)
unit = nn.Sequential{nn.Dense(1, {activation = 'relu', input_shape = {2}})}
unit:compile{optimizer = nn.optimizers.SGD{learning_rate = 0.1}, loss = 'mse'}
unit.layers[1].kernel:copy{{0.5}, {-0.3}}
unit.layers[1].bias[1] = -10
before = unit.layers[1].kernel:clone()
]])
    L:try('unit:predict(X):max()', 'Its largest output over all 64 examples: 0.')
    L:check(L:run('unit:predict(X):max()') == 0, 'the unit with the bias -10 outputs 0 for every example')
    L:try('h = unit:fit(X, Y, {epochs = 20, verbose = 0})',
          'Train it for 20 epochs (verbose = 0: no progress lines).')
    L:settle(function(env) return #env.h.loss == 20 end, 'h = unit:fit(X, Y, {epochs = 20, verbose = 0})',
           'The next lines need h, the history of 20 epochs.')
    L:try('h.loss[1], h.loss[20]', 'The loss of the first and the last epoch: the same.')
    L:try('(unit.layers[1].kernel - before):abs():max()',
          'before is a copy (clone) of the kernel we kept before training. How far\n' ..
          'any weight moved: not at all.')
    L:check(L:run('(unit.layers[1].kernel - before):abs():max()') == 0 and L:run('math.abs(h.loss[1] - h.loss[20]) < 1e-6'),
            'a dead ReLU unit does not learn')

    L:exercise{
      prompt = 'Bring the unit back to life: set its bias (unit.layers[1].bias[1]) so\n' ..
               'that z is positive for every input (x1, x2) between 0 and 1, not just\n' ..
               'the 64 in X. The weights are 0.5 and -0.3.',
      answer = 'unit.layers[1].bias[1] = 1',
      wrong = {'unit.layers[1].bias = 1', 'unit.layers[1].bias[1] = 0', 'unit.layers[1].bias[1] = 0.2'},
      check = check_revived,
      hints = {'The smallest z is about 0 * 0.5 + 1 * (-0.3) + bias.',
               'Any bias above 0.3 will do.',
               'unit.layers[1].bias[1] = 1'},
    }
    L:try('h = unit:fit(X, Y, {epochs = 20, verbose = 0})', 'Train again.')
    L:run('if math.abs(h.loss[1] - h.loss[20]) < 1e-6 then h = unit:fit(X, Y, {epochs = 20, verbose = 0}) end')
    L:try('h.loss[1], h.loss[20]', 'Now the loss falls: the unit learns again.')
    L:check(L:run('h.loss[20] < h.loss[1] and (unit.layers[1].kernel - before):abs():max() > 0'),
            'the revived unit learns')

    L:page [[
What you have seen:

           range          largest slope  trouble        used in
  sigmoid  0 to 1         0.25 (at 0)    saturates      yes/no outputs, gates
  tanh     -1 to 1        1 (at 0)       saturates      RNN and LSTM states
  ReLU     0 to infinity  1 (all z > 0)  dies if z < 0  hidden layers
                                         for every input

The slope is what backprop multiplies by: flat activations starve their
weights of gradient.

Lua: function name(args) ... end; function(z) ... end without a name;
if ... then ... else ... end; ^ for powers.

Next lesson: loss functions, and what each one punishes.]]
  end,
}
