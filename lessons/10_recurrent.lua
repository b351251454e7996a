-- Lesson 10: recurrent state. A SimpleRNN reads two sequences that differ
-- only in their first element, one timestep per debugger step; its hidden
-- state h is computed by hand (h1, then h2 from h1), the difference the
-- first element makes is followed through time (it fades in an untrained
-- network), and after training on "was the first element +1?" it lasts.

-- exercise: the parameters of a SimpleRNN of 8 units on 2 features
local function check_p(env)
  local probe = nn.Sequential{nn.SimpleRNN(8, {input_shape = {5, 2}})}
  local want, v = probe.layers[1]:count_params(), env.p  -- 2*8 + 8*8 + 8 = 88
  if v == nil then return false, 'still waiting for p = ... (Lua does the arithmetic)' end
  if type(v) ~= 'number' then return false, 'p should be a number, not ' .. type(v) end
  if v == want then return true end
  local known = {
    [2 * 8 + 8] = {'24 is a Dense layer\'s count: a SimpleRNN also has U, the recurrent kernel,' ..
                   ' 8 x 8 (each unit hears every unit\'s last state)', 'W, U and b: U is units x units.'},
    [2 * 8 + 8 * 8] = {'80 leaves out the bias b, one per unit', 'Add b: 8 numbers.'},
    [2 * 8 + 2 * 8 + 8] = {'U is units x units (8 x 8): it weighs the previous state, which has' ..
                   ' 8 numbers, not the 2 input features', 'U maps h_(t-1) (8 numbers) to 8 units.'},
    [8 * 8 + 8] = {'72 leaves out W, the kernel: 2 features x 8 units', 'W is features x units.'},
  }
  if known[v] then return false, known[v][1], known[v][2] end
  return false, string.format('p is %g, off by %g', v, v - want)
end

-- The line that starts the learner's debugger d on m, which the lesson runs
-- again (saying so) when d is not a debugger of m any more: L:debugger_to.
local DEBUG = 'd = nn.debug(m, xs, ys)'

return {
  title = 'Recurrent state: a SimpleRNN, timestep by timestep',
  minutes = 12,
  group = 'RNN',
  requires = {6},
  run = function(L)
    L:page [[
A Dense layer sees its whole input at once. A recurrent layer reads a
sequence one timestep at a time and carries a memory from each step to the
next: its hidden state h. Keras's SimpleRNN computes, for t = 1, 2, ..., T:

    h_t = tanh(x_t W + h_(t-1) U + b)          h_0 = 0

x_t is the input at timestep t, W (the kernel) weighs the input, U (the
recurrent kernel) weighs the previous state, and b is the bias. The same W,
U and b are used at every timestep. Whatever the layer knows about x_1 by
time t, it knows through h_t and nothing else. Its output is h_T, the last
state.

Inputs to recurrent layers have the shape (examples, timesteps, features).]]

    L:run([[
nn.seed(10)
m = nn.Sequential()
m:add(nn.SimpleRNN(3, {input_shape = {10, 1}}))
m:add(nn.Dense(1, {activation = 'sigmoid'}))
m:compile{optimizer = nn.optimizers.Adam{learning_rate = 0.01},
          loss = 'binary_crossentropy', metrics = {'accuracy'}}
rnn = m.layers[1]
]])
    L:page [=[
The lesson has built a small model: a SimpleRNN of 3 units reading
sequences of 10 timesteps with 1 feature each, then a Dense unit with a
sigmoid that answers yes or no:

  m = nn.Sequential()
  m:add(nn.SimpleRNN(3, {input_shape = {10, 1}}))
  m:add(nn.Dense(1, {activation = 'sigmoid'}))
  m:compile{optimizer = nn.optimizers.Adam{learning_rate = 0.01},
            loss = 'binary_crossentropy', metrics = {'accuracy'}}
  rnn = m.layers[1]]=]
    L:try('m:summary()', 'The model.')
    L:try('rnn.kernel, rnn.recurrent_kernel, rnn.bias',
          'W (1 feature x 3 units), U (3 x 3: each unit hears every unit\'s last state)\n' ..
          'and b (zero to start with).')
    L:check(L:run('rnn:count_params()') == 1 * 3 + 3 * 3 + 3, 'a SimpleRNN has features*units + units*units + units weights')
    L:exercise{
      prompt = 'How many parameters has a SimpleRNN of 8 units reading\n' ..
               '2 features per timestep? Set p (Lua does the arithmetic).',
      answer = 'p = 2 * 8 + 8 * 8 + 8',
      wrong = {'p = 2 * 8 + 8',  -- as if it were a Dense layer: no recurrent kernel
               'p = 2 * 8 + 8 * 8', 'p = 2 * 8 + 2 * 8 + 8'},
      check = check_p,
      hints = {'Three parts: W (features x units), U (units x units) and b (units).',
               'p = 2 * 8 + 8 * 8 + 8'},
    }

    L:page [[
Two sequences that are twins: the same random numbers at timesteps 2..10,
but sequence 1 starts with +1 and sequence 2 with -1. Any difference
between their hidden states comes from that first element, so we can
watch how long the layer remembers it.]]
    L:run([[
function twins(T)
  local x = nn.zeros(2, T, 1)
  local noise = nn.rand(T) * 2 - 1        -- T numbers between -1 and 1
  for t = 2, T do
    x:set(noise[t], 1, t, 1)
    x:set(noise[t], 2, t, 1)
  end
  x:set(1, 1, 1, 1)                        -- sequence 1 starts with +1
  x:set(-1, 2, 1, 1)                       -- sequence 2 starts with -1
  return x, nn.tensor{{1}, {0}}            -- targets: 1 for +1, 0 for -1
end
nn.seed(100)
xs, ys = twins(10)
]])
    L:try('xs:reshape(2, 10)', 'xs is (2, 10, 1); as a 2x10 table, each row is one sequence.')
    L:try('d = nn.debug(m, xs, ys)',
          'Debug a training step on the twins. Each timestep of the RNN is a step\n' ..
          'of its own.')
    L:debugger_to('forward simple_rnn_1 t=1/10', DEBUG)
    L:try('d:step()', 'Timestep 1.')
    L:debugger_to('forward simple_rnn_1 t=2/10', DEBUG)
    L:try('rnn.state.h[1]',
          'rnn.state.h is (examples, timesteps, units): here example 1, one row per\n' ..
          'timestep. Only t=1 is computed yet; the rest is still zero.')
    L:page [[
At t = 1 the previous state is h_0 = 0, so h_1 = tanh(x_1 W + b). Let us
compute it ourselves. The lesson gives you short names:

  W, U, b = rnn.kernel, rnn.recurrent_kernel, rnn.bias:reshape(1, 3)
  x1 = nn.tensor{{1}}           x_1 of sequence 1, as a 1x1 matrix

(matmul multiplies matrices: (1x1) times (1x3) gives 1x3; the bias is
reshaped to 1x3 so that it can be added to that.)]]
    L:run([[
W, U, b = rnn.kernel, rnn.recurrent_kernel, rnn.bias:reshape(1, 3)
x1 = nn.tensor{{1}}
]])
    L:try('h1 = (x1:matmul(W) + b):tanh()', 'h_1 of sequence 1, by hand ...')
    L:run('h1 = (x1:matmul(W) + b):tanh()')
    L:try('h1, rnn.state.h[1][1]', '... and by the engine.')
    L:check(L:run('(h1 - rnn.state.h[1][1]:reshape(1, 3)):abs():max()') < 1e-5,
            'h_1 = tanh(x_1 W + b)')

    L:try('d:step()', 'Timestep 2.')
    L:debugger_to('forward simple_rnn_1 t=3/10', DEBUG)
    L:run('x2 = nn.tensor{{xs[1][2][1]}}')
    L:try('x2', 'x_2 of sequence 1, as a 1x1 matrix (the lesson made it for you).')
    L:exercise{
      prompt = 'Compute h_2 of sequence 1 by hand, from x2, h1, W, U and b;\n' ..
               'set h2. Then compare with rnn.state.h[1][2].',
      answer = 'h2 = (x2:matmul(W) + h1:matmul(U) + b):tanh()',
      wrong = {'h2 = (x2:matmul(W) + b):tanh()',  -- no memory: h1 left out
               'h2 = x2:matmul(W) + h1:matmul(U) + b',   -- no tanh
               'h2 = (x2:matmul(W) + h1 + b):tanh()'},   -- h1 not weighed by U
      check = function(env)
        local rnn = env.m.layers[1]
        local Wk, Uk, bk = rnn.kernel, rnn.recurrent_kernel, rnn.bias:reshape(1, 3)
        local x2, h1 = nn.tensor{{env.xs[1][2][1]}}, rnn.state.h[1][1]:reshape(1, 3)
        local z = x2:matmul(Wk) + h1:matmul(Uk) + bk
        return L.tensor_answer('h2', env.h2, rnn.state.h[1][2], {
          {(x2:matmul(Wk) + bk):tanh(), 'that is h_2 without memory: the term h1:matmul(U) is' ..
           ' missing, so h_2 knows nothing of x_1', 'The memory term is h1:matmul(U).'},
          {z, 'the sum is right, but tanh is missing: h_t = tanh(...)', 'Wrap the sum in (...):tanh().'},
          {(x2:matmul(Wk) + h1 + bk):tanh(), 'h1 is added as it is; it should be weighed by U' ..
           ' first: h1:matmul(U)', 'Every term is weighed: x by W, h by U.'},
          {h1, 'that is h_1, the state at t = 1; h_2 is computed from it', nil},
        })
      end,
      hints = {'h_t = tanh(x_t W + h_(t-1) U + b): three terms inside tanh.',
               'The memory term is h1:matmul(U).',
               'h2 = (x2:matmul(W) + h1:matmul(U) + b):tanh()'},
    }
    L:try('h2, rnn.state.h[1][2]:reshape(1, 3)', 'Your h_2 and the engine\'s.')

    L:try('d:next()', 'next runs to the next layer: the remaining timesteps 3..10 in one go.')
    L:debugger_to('forward dense_1', DEBUG)
    L:try('rnn.state.h[1], rnn.state.h[2]', 'All ten states of both sequences.')
    L:try('(rnn.state.h[1] - rnn.state.h[2]):abs():max(2)',
          'How far apart the twins are at each timestep (the largest difference\n' ..
          'over the 3 units; max(2) takes the maximum along the second axis).')
    do
      local diff = L:run('(rnn.state.h[1] - rnn.state.h[2]):abs():max(2)')
      L:check(diff[1] > 0.1, 'the first element makes the twins differ at t = 1')
      L:check(diff[10] > 0.05 * diff[1] and diff[10] < 0.15 * diff[1],
              'in this untrained RNN the difference fades to about a tenth by t = 10, as the page says')
    end
    L:page [[
At t = 1 the twins' states are far apart; by t = 10 the difference has
shrunk to about a tenth. Each timestep multiplies the old state by U and
squashes it with tanh, and in this untrained network that washes the first
element out. The Dense layer reads only h_10, where little of it is left.]]
    L:exercise{
      prompt = 'The output of the SimpleRNN (what the Dense layer reads) is\n' ..
               'the last hidden state. Set hT to sequence 1\'s hidden state at the last\n' ..
               'timestep (t = 10), read from rnn.state.h; then compare it with\n' ..
               'rnn.output[1].',
      answer = 'hT = rnn.state.h[1][10]',
      wrong = {'hT = rnn.state.h[1][1]', 'hT = rnn.state.h[2][10]', 'hT = rnn.state.h[1]'},
      check = function(env)
        local h = env.m.layers[1].state.h
        if env.hT ~= nil and pcall(function() return env.hT:numel() end) and env.hT:numel() == 30 then
          return false, 'hT holds all 10 states (10 x 3 numbers); the output is only the last one',
            'Index the timestep too: rnn.state.h[example][timestep].'
        end
        return L.tensor_answer('hT', env.hT, env.m.layers[1].output[1], {
          {h[1][1], 'that is the state at t = 1, the first; the output is the last, t = 10',
           'The second index is the timestep.'},
          {h[2][10], "that is sequence 2's last state; the exercise asks for sequence 1",
           'The first index is the example.'},
        })
      end,
      hints = {'rnn.state.h[example][timestep] is one state of 3 numbers.',
               'hT = rnn.state.h[1][10]'},
    }
    L:try('(hT:reshape(3) - rnn.output[1]):abs():max()',
          'The largest difference between your hT and the layer\'s output: none.')
    L:try("seq = nn.SimpleRNN(3, {return_sequences = true, input_shape = {10, 1}})",
          'A SimpleRNN with return_sequences = true ...')
    L:try('nn.Sequential{seq}.layers[1].output_shape',
          '... in a model of its own: it outputs every h_t, (timesteps, units), not\n' ..
          'just the last. That is how recurrent layers are stacked (lesson 12).')
    L:try('for i, step in ipairs(d.stepper:program()) do print(i, step) end',
          'The whole program of the step: 10 forward timesteps, the Dense layer, the\n' ..
          'loss, then the backward pass goes back through the timesteps from t = 10\n' ..
          'down to t = 1 (lesson 11 steps through it), and the update.')
    L:try('d:finish()', 'Finish the step.')

    L:page [[
Can training make the memory last? Task: sequences of 10 numbers between -1
and 1 whose first number is +1 or -1; the answer is 1 if it was +1. The
numbers after it are noise, so the network must carry x_1 to the end.
make_sequences(n, T) makes n such sequences and their targets.]]
    L:run([[
function make_sequences(n, T)
  local x, y = nn.rand(n, T, 1) * 2 - 1, nn.zeros(n, 1)
  local coin = nn.rand(n)
  for i = 1, n do
    local bit = coin[i] < 0.5 and 0 or 1
    x:set(2 * bit - 1, i, 1, 1)             -- first element: -1 or +1
    y:set(bit, i, 1)                        -- target: 0 or 1
  end
  return x, y
end
nn.seed(101)
x, y = make_sequences(512, 10)
]])
    L:try('x[1]:reshape(1, 10), y[1]', 'One sequence and its target.')
    L:try('h = m:fit(x, y, {epochs = 10, batch_size = 32})', 'Train on 512 of them.')
    L:run('if not (h and h.accuracy) then h = m:fit(x, y, {epochs = 10, batch_size = 32, verbose = 0}) end')
    L:try('m:predict(xs)', 'The twins: sequence 1 (+1) should now be near 1, sequence 2 near 0.')
    do
      local p = L:run('m:predict(xs)')
      L:check(p[1][1] > 0.5 and p[2][1] < 0.5, 'after training the RNN tells the twins apart')
    end
    L:try('d = nn.debug(m, xs, ys); d:next()', 'Step through the twins again, all 10 timesteps.')
    L:run("if d.stepper.position == 0 then d:next() end")
    L:try('(rnn.state.h[1] - rnn.state.h[2]):abs():max(2)',
          'The twins\' difference at each timestep, after training.')
    L:check(L:run('(rnn.state.h[1] - rnn.state.h[2]):abs():max(2)[10]') > 0.5,
            'after training the difference lasts to the last timestep')
    L:check(L:run('(rnn.state.h[1] - rnn.state.h[2]):abs():max(2)[10]') >
            L:run('(rnn.state.h[1] - rnn.state.h[2]):abs():max(2)[1]'),
            'after training the difference grows from t = 1 to t = 10, as the page says')
    L:page [[
The visualizer's lstm view shows any recurrent layer: for a SimpleRNN, its
state h, units by timesteps, for one example ([ and ] change the example
in the visualizer; lo and hi, under the name, are the lowest and highest
value drawn). Compare example 1 with example 2 there.]]
    L:view('lstm', {model = L.env.m})
    L:page [[
Training changed W, U and b so that the first element's trace survives to
t = 10: the twins now end far apart (the difference even grows, as the
layer pushes the states towards +1 and -1), and the Dense layer can
answer. The memory is nothing but numbers in h, passed from step to step.

For long sequences this gets hard: the gradient that teaches the layer to
keep x_1 must travel back through every timestep, and it fades the way the
twins' difference faded (lesson 13). Lesson 11's LSTM adds a cell state
with gates that decide what to keep, made for exactly that.]]
  end,
}
