-- Lesson 11: LSTM gates. An LSTM of 4 units learns to remember the first
-- element of a 20-step sequence; then, on two twin sequences, its gates
-- i, f, g, o and its cell c are read timestep by timestep and the cell
-- update c = f*c + i*g and h = o*tanh(c) are checked by hand; then the
-- backward pass is stepped from t = 20 down to t = 1 (backprop through time)
-- and one recurrent weight's gradient is explained as a sum over timesteps.

-- exercise: the cell of example 1 at t = 2
local function check_c2(L)
  return function(env)
    local s = env.m.layers[1].state
    local f, i, g, c = s.f[1], s.i[1], s.g[1], s.c[1]
    return L.tensor_answer('c2', env.c2, c[2], {
      {i[2] * g[2], 'that is only what the input gate writes, i_2 * g_2: the old cell is' ..
       ' forgotten. Add what the forget gate keeps, f_2 * c_1',
       'c_2 = f_2 * c_1 + i_2 * g_2: two products, added.'},
      {f[2] * c[1], 'that is only what the forget gate keeps, f_2 * c_1: add what the input' ..
       ' gate writes, i_2 * g_2', 'c_2 = f_2 * c_1 + i_2 * g_2: two products, added.'},
      {f[2] * c[2] + i[2] * g[2], 'that multiplies f_2 by the cell at t = 2, s.c[1][2], the' ..
       ' answer itself; the forget gate keeps the OLD cell, s.c[1][1]', 'The old cell is s.c[1][1].'},
      {f[1] * c[1] + i[1] * g[1], 'those are the gates at t = 1, s.f[1][1] ...; c_2 uses the' ..
       ' gates at t = 2, s.f[1][2] ...', 's.f[1][2]: example 1, timestep 2.'},
    })
  end
end

-- exercise: h at the last timestep, from o and c
local function check_hT(L)
  return function(env)
    local s = env.m.layers[1].state
    local o, c = s.o, s.c
    return L.tensor_answer('hT', env.hT, env.m.layers[1].output[1], {
      {c[1][20]:tanh(), 'that is tanh(c_20) without the output gate: multiply by s.o[1][20]',
       'h = o * tanh(c): the output gate decides how much of the cell shows.'},
      {o[1][20] * c[1][20], 'the cell goes through tanh before the output gate: o * tanh(c)',
       's.c[1][20]:tanh() squashes the cell; then multiply by the output gate.'},
      {o[2][20] * c[2][20]:tanh(), "that is example 2's; the exercise asks for example 1",
       'The first index is the example: s.o[1][20].'},
      {o[1][19] * c[1][19]:tanh(), 'that is h at t = 19; the last timestep is 20', nil},
      {o[1][20] * c[1][19]:tanh(), 'that takes the cell at t = 19, s.c[1][19]: h_20 shows the' ..
       ' cell at t = 20, s.c[1][20]', 'Both at t = 20: s.o[1][20] and s.c[1][20].'},
    })
  end
end

-- exercise: which gate column 14 of the kernel feeds
local function check_gate(env)
  local units = env.m.layers[1].output_shape[1]
  local names = {'i', 'f', 'g', 'o'}
  local want = names[(14 - 1) // units + 1]
  local v = env.gate
  if v == nil then return false, "still waiting for gate = 'i', 'f', 'g' or 'o'" end
  if v == want then return true end
  if v == 'output' or v == 'O' then return false, "right gate; write its letter: gate = 'o'" end
  for k, name in ipairs(names) do
    if v == name then
      local first = (k - 1) * units + 1
      return false, string.format("columns %d-%d are %s; column 14 is in the block 13-16", first,
                                  first + units - 1, name),
        'Count in blocks of ' .. units .. ': 1-4 i, 5-8 f, 9-12 g, 13-16 o.'
    end
  end
  return false, "gate should be one letter: 'i', 'f', 'g' or 'o', not " .. tostring(v)
end

-- The line that starts the learner's debugger d on m, which the lesson runs
-- again (saying so) when d is not a debugger of m any more: L:debugger_to.
local DEBUG = 'd = nn.debug(m, xs, ys)'

return {
  title = 'LSTM gates and backprop through time',
  minutes = 15,
  group = 'RNN',
  requires = {10},
  run = function(L)
    L:page [[
An LSTM keeps two states: the hidden state h, as a SimpleRNN does, and a
cell state c, a memory that is changed only by multiplying and adding.
At each timestep four gates are computed from x_t and h_(t-1), each with
its own weights:

  i = sigmoid(...)   input gate:   how much of the candidate to write (0..1)
  f = sigmoid(...)   forget gate:  how much of the old cell to keep   (0..1)
  g = tanh(...)      candidate:    what would be written            (-1..1)
  o = sigmoid(...)   output gate:  how much of the cell to show      (0..1)

  c_t = f * c_(t-1) + i * g          (* is element by element)
  h_t = o * tanh(c_t)

With f near 1 and i near 0 the cell keeps what it holds, step after step,
untouched: that is how an LSTM remembers over long sequences.]]

    L:page [[
The task: a sequence of 20 numbers between -1 and 1 whose first number is
+1 or -1; the answer is 1 if it was +1, else 0. Everything after the first
number is noise, so the network must hold on to x_1 for 19 steps.
make_sequences(n, T) (the same as in lesson 10) makes n of them.]]
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
function twins(T)   -- two sequences that differ only in their first element
  local x = nn.zeros(2, T, 1)
  local noise = nn.rand(T) * 2 - 1
  for t = 2, T do
    x:set(noise[t], 1, t, 1)
    x:set(noise[t], 2, t, 1)
  end
  x:set(1, 1, 1, 1)
  x:set(-1, 2, 1, 1)
  return x, nn.tensor{{1}, {0}}
end
nn.seed(11)
x, y = make_sequences(512, 20)
x_test, y_test = make_sequences(200, 20)
m = nn.Sequential()
m:add(nn.LSTM(4, {input_shape = {20, 1}}))
m:add(nn.Dense(1, {activation = 'sigmoid'}))
m:compile{optimizer = nn.optimizers.Adam{learning_rate = 0.01},
          loss = 'binary_crossentropy', metrics = {'accuracy'}}
lstm = m.layers[1]
-- short vectors, one a line: rows('c', s.c[1][1], 'i*g', s.i[1][1] * s.g[1][1])
function rows(...)
  local args, width = {...}, 0
  for k = 1, #args, 2 do width = math.max(width, #args[k]) end
  for k = 1, #args, 2 do
    local numbers = {}
    for j, v in ipairs(args[k + 1]:totable()) do numbers[j] = string.format('%8s', nn.format(v)) end
    print(string.format('%-' .. width .. 's', args[k]) .. table.concat(numbers, ' '))
  end
end
]])
    L:page [=[
The lesson has made 512 training sequences x, y and 200 test sequences
x_test, y_test, and this model:

  m = nn.Sequential()
  m:add(nn.LSTM(4, {input_shape = {20, 1}}))
  m:add(nn.Dense(1, {activation = 'sigmoid'}))
  m:compile{optimizer = nn.optimizers.Adam{learning_rate = 0.01},
            loss = 'binary_crossentropy', metrics = {'accuracy'}}
  lstm = m.layers[1]]=]
    L:try('m:summary()', 'An LSTM has four sets of weights, one per gate: 4 * (1*4 + 4*4 + 4) = 96.')
    L:check(L:run('lstm:count_params()') == 4 * (1 * 4 + 4 * 4 + 4), 'an LSTM has 4 * (features*units + units*units + units) weights')
    L:try('lstm.bias:reshape(4, 4)',
          'The gates sit side by side in the kernels and the bias, in the order\n' ..
          'i, f, g, o: 4 units each. Reshaped to 4x4, the bias has one row per gate.\n' ..
          'The forget gate\'s (row 2: numbers 5-8 of lstm.bias) starts at 1, as in\n' ..
          'Keras, so f starts near sigmoid(1) = 0.73: remember by default.')
    L:check(L:run('lstm.bias[5] == 1 and lstm.bias[8] == 1 and lstm.bias[1] == 0'),
            'the forget gate bias starts at 1, the others at 0')
    L:try('h = m:fit(x, y, {epochs = 20, batch_size = 32, verbose = 0})',
          'Train for 20 epochs (verbose = 0: quietly).')
    L:run('if not (h and h.loss and #h.loss == 20) then h = m:fit(x, y, {epochs = 20, batch_size = 32, verbose = 0}) end')
    L:try('h.accuracy[1], h.accuracy[20]', 'Training accuracy after the first epoch and after the last.')
    L:try('m:evaluate(x_test, y_test)', 'Loss and accuracy on the 200 test sequences.')
    L:check(select(2, L:run('m:evaluate(x_test, y_test)')) > 0.9, 'the LSTM learns to remember the first element')

    L:page [[
Now watch it remember. Two twin sequences: the same noise at timesteps
2..20, but the first starts with +1 and the second with -1. We step the
LSTM one timestep at a time and read lstm.state: a table with the gates
i, f, g, o and the states c and h, each (examples, timesteps, units).
lstm.state is a copy taken when you read it: read it again after a step.]]
    L:run('nn.seed(111); xs, ys = twins(20)')
    L:try('xs:reshape(2, 20)', 'The twins.')
    L:try('m:predict(xs)', 'The trained LSTM\'s answers: near 1 for the +1 twin, near 0 for the -1 twin.')
    local h20  -- h at t = 20 as m:predict(xs) left it, (2, 4): the page on s.done speaks of it
    do
      local p = L:run('m:predict(xs)')
      L:check(p[1][1] > 0.9 and p[2][1] < 0.1, 'the LSTM tells the twins apart')
      h20 = L.env.lstm.output:clone()
    end
    L:try('d = nn.debug(m, xs, ys)', 'Debug a training step on them.')
    L:debugger_to('forward lstm_1 t=1/20', DEBUG)
    L:try('d:step()', 'Timestep 1.')
    L:debugger_to('forward lstm_1 t=2/20', DEBUG)
    L:try('s = lstm.state',
          'Read the state into s: the tensors s.i, s.f, s.g, s.o, s.c and s.h, and\n' ..
          's.done, how many timesteps this pass has computed: 1. The rows after that\n' ..
          'are not this pass\'s yet: c and h still hold what m:predict(xs) left there,\n' ..
          'and the gates hold zeros (predict keeps no gates: it keeps what rebuilds\n' ..
          'them, if you read lstm.state right after it).')
    L:run('s = lstm.state')
    L:check(L:run('s.done') == 1, 'this pass has computed one timestep')
    L:check((L:run('s.h:narrow(2, 20, 1)'):reshape(2, 4) - h20):abs():max() < 1e-6 and L:run('(s.c[1][20] - s.c[2][20]):abs():max()') > 0.1,
            "the rows after s.done hold predict's c and h (its h_20 is its output)")
    if L.auto then  -- a learner who read lstm.state after predict sees its rebuilt gates there
      L:check(L:run('s.i[1]:narrow(1, 2, 19):abs():max() + s.o[2]:narrow(1, 2, 19):abs():max()') == 0,
              'the gate rows after s.done are zeros: predict kept no gates')
    end
    L:page [[
Each of s.i[1][1], s.f[1][1], s.g[1][1] and s.o[1][1] is a vector of 4
numbers, one per unit. rows (the lesson made it) prints such short vectors
one a line, each after its label.]]
    L:try("rows('i', s.i[1][1], 'f', s.f[1][1], 'g', s.g[1][1], 'o', s.o[1][1])",
          'The four gates of example 1 at t = 1, one number per unit.')
    L:page [[
At t = 1 the old cell is c_0 = 0, so c_1 = f * 0 + i * g = i * g: the cell
holds only what the input gate let in. And h_1 = o * tanh(c_1).]]
    L:try("rows('c', s.c[1][1], 'i*g', s.i[1][1] * s.g[1][1])", 'The cell by the engine, and i * g.')
    L:check(L:run('(s.c[1][1] - s.i[1][1] * s.g[1][1]):abs():max()') < 1e-5, 'c_1 = i * g')
    L:try("rows('h', s.h[1][1], 'o*tanh(c)', s.o[1][1] * s.c[1][1]:tanh())", 'h by the engine, and o * tanh(c).')
    L:check(L:run('(s.h[1][1] - s.o[1][1] * s.c[1][1]:tanh()):abs():max()') < 1e-5, 'h_1 = o * tanh(c_1)')
    L:try('d:step(); s = lstm.state', 'Timestep 2, and a fresh copy of the state.')
    L:debugger_to('forward lstm_1 t=3/20', DEBUG)
    L:run('s = lstm.state')
    L:exercise{
      prompt = 'Compute the cell of example 1 at t = 2 from the gates at\n' ..
               't = 2 and the cell at t = 1: c_2 = f_2 * c_1 + i_2 * g_2.\n' ..
               'Use s.f[1][2], s.c[1][1], ...; set c2.',
      answer = 'c2 = s.f[1][2] * s.c[1][1] + s.i[1][2] * s.g[1][2]',
      wrong = {'c2 = s.i[1][2] * s.g[1][2]',  -- forgets the old cell
               'c2 = s.f[1][2] * s.c[1][2] + s.i[1][2] * s.g[1][2]',  -- the new cell for the old
               'c2 = s.f[1][1] * s.c[1][1] + s.i[1][1] * s.g[1][1]'}, -- the gates of t = 1
      check = check_c2(L),
      hints = {'s.f[1][2] is example 1\'s forget gate at t = 2 (4 units); s.c[1][1] the cell at t = 1.',
               'Two products, added: what the forget gate keeps plus what the input gate writes.',
               'c2 = s.f[1][2] * s.c[1][1] + s.i[1][2] * s.g[1][2]'},
    }

    L:try('d:next(); s = lstm.state', 'Run timesteps 3..20 (next skips to the next layer).')
    L:debugger_to('forward dense_1', DEBUG)
    L:run('s = lstm.state')
    L:page [[
The lstm view: the gates and the states of example 1, units (rows) by
timesteps (columns). Under each name, lo and hi are the lowest and highest
value drawn in that block. Look at the forget gate f: high all along (about
0.66 to 0.97 here). The cell c keeps what it was given and adds to it; h is
a squashed view of c.]]
    L:check(L:run('s.f[1]:min()') > 0.6, 'the forget gate stays high for example 1')
    L:check(math.abs(L:run('s.f[1]:min()') - 0.66) < 0.01 and math.abs(L:run('s.f[1]:max()') - 0.97) < 0.01,
            'example 1\'s forget gate runs from about 0.66 to 0.97, as the page says')
    L:view('lstm', {model = L.env.m})
    L:debugger_to('forward dense_1', DEBUG)
    L:try('s.f:mean()', 'The forget gate, averaged over both examples, all timesteps and units.')
    L:check(L:run('s.f:mean()') > 0.7, 'the trained LSTM keeps most of its cell at every step')
    L:try('(s.c[1] - s.c[2]):abs():max(2)',
          'How far apart the twins\' cells are at each timestep. The first element\'s\n' ..
          'trace does not fade: the forget gate keeps it.')
    L:check(L:run('(s.c[1] - s.c[2]):abs():max(2)[20]') > 0.5, 'the twins\' cells are still far apart at t = 20')
    L:exercise{
      prompt = 'The LSTM\'s output, what the Dense layer reads, is h at the\n' ..
               'last timestep, h_20 = o_20 * tanh(c_20). Compute it for example 1\n' ..
               'from s.o and s.c; set hT. (t:tanh() is tanh of every element of t.)',
      answer = 'hT = s.o[1][20] * s.c[1][20]:tanh()',
      wrong = {'hT = s.c[1][20]:tanh()',  -- without the output gate
               'hT = s.o[1][20] * s.c[1][20]',     -- without tanh
               'hT = s.o[2][20] * s.c[2][20]:tanh()',
               'hT = s.o[1][20] * s.c[1][19]:tanh()'},  -- the cell of the step before
      check = check_hT(L),
      hints = {'s.o[1][20]: example 1\'s output gate at t = 20; s.c[1][20]: its cell.',
               'hT = s.o[1][20] * s.c[1][20]:tanh()'},
    }

    L:page [[
Backpropagation through time. The forward pass went t = 1, 2, ..., 20. The
backward pass goes the other way: the gradient at t = 20 is needed to work
out the gradient at t = 19 (h_19 fed into h_20), and so on down to t = 1.
The same weights were used at every timestep, so each weight's gradient is
a sum of one share per timestep, added as the backward pass goes.]]
    L:debugger_to('forward dense_1', DEBUG)
    L:try('d:step(3)', "The Dense layer's forward pass, the loss, and the Dense layer's backward pass.")
    L:debugger_to('backward lstm_1 t=20/20', DEBUG)
    L:try("w = d:watch('lstm_1.grad.recurrent_kernel:norm()')",
          'Watch the size of the recurrent kernel\'s gradient: the debugger prints it\n' ..
          'whenever a step changes it. It starts at zero.')
    L:try('d:step(5)', 'The backward pass of t = 20, 19, 18, 17, 16: each adds its share. (A share can\n' ..
          'have either sign, so the total may shrink as well as grow.)')
    L:run("if w then d:delete(w) end")
    L:debugger_to('backward lstm_1 t=15/20', DEBUG)
    L:check(L:run('d.stepper:peek().phase') == 'backward' and L:run('d.stepper:peek().timestep') == 15,
            'backprop through time runs from t = 20 downwards')
    L:try("d:break_at('update'); d:continue()",
          'The backward pass goes on down to t = 1. Run to the update: then the\n' ..
          'gradient is complete.')
    L:debugger_to('update', DEBUG)
    L:try("e = d:explain('lstm_1.recurrent_kernel[1][5]')",
          'One recurrent weight: it joins h_(t-1) unit 1 to the forget gate of unit 1\n' ..
          '(columns 5-8 are f). Its gradient is a sum over 2 examples x 20 timesteps.')
    L:run("if not e then e = d:explain('lstm_1.recurrent_kernel[1][5]') end")
    L:check(math.abs(L:run('e.sum - e.engine')) <= 1e-4 * math.abs(L:run('e.engine')) + 1e-9,
            'the gradient of a recurrent weight is the sum of its shares over the timesteps')
    L:check(L:run('e.rows') == 2 * 20, 'one share per example and timestep')

    L:exercise{
      prompt = 'The kernels hold the gates side by side: columns 1-4 are i,\n' ..
               '5-8 f, 9-12 g, 13-16 o (4 units each). Which gate does\n' ..
               "lstm.kernel[1][14] feed? Set gate to 'i', 'f', 'g' or 'o'.",
      answer = "gate = 'o'",
      wrong = {"gate = 'g'", "gate = 'f'"},
      check = check_gate,
      hints = {'Count in blocks of 4: 1-4, 5-8, 9-12, 13-16.',
               "Column 14 is the second column of the fourth block: gate = 'o'"},
    }

    do  -- the take-away's ranges, on the twins' pass (read afresh: s is the learner's)
      local state = L.env.m.layers[1].state
      for _, gate in ipairs({'i', 'f', 'o'}) do
        L:check(state[gate]:min() > 0 and state[gate]:max() < 1, 'gate ' .. gate .. ' is a sigmoid: between 0 and 1')
      end
      L:check(state.g:min() < 0 and state.g:min() >= -1 and state.g:max() <= 1,
              'the candidate g is a tanh: between -1 and 1, negative too')
    end
    L:page [[
What to take away:

  - the gates i, f, o are sigmoids between 0 and 1 that multiply: f keeps
    the old cell, i lets the candidate g (a tanh, -1..1) in, o decides what
    h shows;
  - c_t = f * c_(t-1) + i * g: when f is near 1 the memory passes from step
    to step almost unchanged, and so does the gradient flowing back along
    it, which is what a SimpleRNN lacks (lesson 13);
  - the backward pass runs through the timesteps in reverse, and a weight's
    gradient is the sum of its shares at every timestep.

Next, lesson 12: the reference stacked LSTM, reading Fashion-MNIST images
one row of pixels per timestep.]]
  end,
}
