-- Lesson 19: decision boundaries, TensorFlow Playground in a terminal. The
-- 2-D toy sets (nn.datasets.toy: gaussians, xor, circles, spiral; 200
-- points, noise 0.05, seed 19) and the boundary view. A linear model
-- (Dense(2, softmax) alone) separates the gaussians but not xor; a hidden
-- layer of a few tanh units bends the boundary (xor, circles); more units
-- and layers for the spiral. Every model is built after nn.seed(19) and
-- trained 100 epochs (150 for the spiral) with Adam(0.03) in batches of
-- 20, so each number is the same on every run; all of it takes well under
-- a second. Every accuracy a page states is measured and checked here.
return {
  title = 'Playground: decision boundaries',
  minutes = 12,
  group = 'basics',
  requires = {6},
  run = function(L)
    L:page [[
TensorFlow Playground (playground.tensorflow.org) trains a tiny network on
points in a plane and colours the plane by the class the network predicts
there: you watch the decision boundary bend as you add units and layers.
This lesson does the same in the terminal.

The data: nn.datasets.toy(name, n, {noise =, seed =}) gives n points x
(n, 2) and their classes y (n), 0 or 1, for four classic sets:

  gaussians  two clouds, around (-0.5, -0.5) and (0.5, 0.5)
  xor        class 1 where x1 and x2 have the same sign (two opposite
             quadrants), class 0 in the other two
  circles    class 0 on a ring of radius 1, class 1 on a ring of 0.5
  spiral     two spirals wound into each other

help('toy') says exactly how each is made.]]
    L:try("x, y = nn.datasets.toy('xor', 200, {noise = 0.05, seed = 19})", 'Two hundred xor points.')
    L:run("if not (x and y) then x, y = nn.datasets.toy('xor', 200, {noise = 0.05, seed = 19}) end")
    L:try('x:slice(1, 4), y:slice(1, 4)', 'The first four: (x1, x2) and the class.')
    L:run([[
-- the four sets, 200 points each, noise 0.05, seed 19
sets = {}
for _, name in ipairs{'gaussians', 'xor', 'circles', 'spiral'} do
  local x, y = nn.datasets.toy(name, 200, {noise = 0.05, seed = 19})
  sets[name] = {x = x, y = y}
end
-- playground(name, hidden, activation, epochs) -> model, accuracy
-- Builds, after nn.seed(19), a Sequential: one Dense(units, {activation =
-- activation}) per number in hidden ({} for none), then Dense(2, softmax);
-- trains it on sets[name] with Adam(learning_rate = 0.03), batches of 20,
-- epochs (100 unless given); returns it and its accuracy on those points.
epochs_of = setmetatable({}, {__mode = 'k'})  -- each model's epochs, for the checks
function playground(name, hidden, activation, epochs)
  if not sets[name] then
    error("playground: name is one of 'gaussians', 'xor', 'circles', 'spiral', not " .. tostring(name), 2)
  end
  if hidden ~= nil and type(hidden) ~= 'table' then  -- playground('xor', 4, 'tanh')
    error(string.format('playground: hidden is a list, one number of units per hidden layer:' ..
                        ' {%s}, not %s', tostring(hidden), tostring(hidden)), 2)
  end
  nn.seed(19)
  local model = nn.Sequential()
  for i, units in ipairs(hidden or {}) do
    model:add(nn.Dense(units, {activation = activation, input_shape = i == 1 and {2} or nil}))
  end
  model:add(nn.Dense(2, {activation = 'softmax', input_shape = #(hidden or {}) == 0 and {2} or nil}))
  model:compile{optimizer = nn.optimizers.Adam{learning_rate = 0.03},
                loss = 'sparse_categorical_crossentropy', metrics = {'accuracy'}}
  model:fit(sets[name].x, sets[name].y, {epochs = epochs or 100, batch_size = 20, verbose = 0})
  epochs_of[model] = epochs or 100
  local _, accuracy = model:evaluate(sets[name].x, sets[name].y)
  return model, accuracy
end
]])
    L:page [[
The lesson has loaded all four sets into sets (sets.xor.x, sets.xor.y ...)
and written playground(name, hidden, activation, epochs), the Playground's
controls as one function. It builds, in Keras's words,

  model = Sequential([Dense(h, activation=activation) for h in hidden]
                     + [Dense(2, activation='softmax')])

trains it on that set (Adam, learning rate 0.03, 100 epochs) and returns
the model and its accuracy on the points. It calls nn.seed(19) first, so
every call gives the same numbers. hidden = {} is no hidden layer at all:
the model is Dense(2, softmax) alone, which computes softmax(x W + b).
Where do its two outputs tie? Where x W[:,1] + b1 = x W[:,2] + b2: a linear
equation in x1, x2, that is, a straight line. A linear model can only cut
the plane in two along one line.]]
    L:try("m_lin, acc_lin = playground('gaussians', {})", 'The linear model on the two clouds.')
    L:run("if not (m_lin and acc_lin) then m_lin, acc_lin = playground('gaussians', {}) end")
    L:try('acc_lin', 'Its accuracy.')
    L:check(L.env.acc_lin >= 0.95, 'a straight line separates the two gaussian clouds')
    L:page [[
The boundary view draws it: each cell of the plane in the colour (and
glyph) of the class the model predicts there, the training points on top,
and how many points lie on their class's side. One straight line between
the clouds; the few points on the wrong side are where the clouds overlap.]]
    L:view('boundary', {model = L.env.m_lin})

    L:try("m_lin, acc_lin = playground('xor', {})", 'The same linear model on xor.')
    L:run("if not (m_lin and acc_lin) then m_lin, acc_lin = playground('xor', {}) end")
    L:try('acc_lin', 'Its accuracy: about a coin toss.')
    L:run([[
-- the largest distance from 0.5 of the probability the model gives class 1
function most_sure(model, name)
  local p = model:predict(sets[name].x):totable()
  local most = 0
  for _, row in ipairs(p) do most = math.max(most, math.abs(row[2] - 0.5)) end
  return most
end
]])
    L:try("most_sure(m_lin, 'xor')", 'How far from 0.5 its probabilities get, at most.')
    L:run([[
-- the best accuracy any straight line gets on sets[name]: for 360 directions
-- (every half degree), every threshold between two points, either side class 1
function best_line(name)
  local points, labels = sets[name].x:totable(), sets[name].y:totable()
  local n, best = #points, 0
  for step = 0, 359 do
    local angle = step * math.pi / 360
    local order = {}
    for i, p in ipairs(points) do
      order[i] = {p[1] * math.cos(angle) + p[2] * math.sin(angle), labels[i]}
    end
    table.sort(order, function(a, b) return a[1] < b[1] end)
    -- ones_above: class-1 points above the threshold, zeros_below: class 0 below
    local ones_above = 0
    for _, o in ipairs(order) do if o[2] == 1 then ones_above = ones_above + 1 end end
    local zeros_below = 0
    for k = 0, n do                 -- the threshold just above the k lowest points
      if k > 0 then
        if order[k][2] == 1 then ones_above = ones_above - 1 else zeros_below = zeros_below + 1 end
      end
      local right = ones_above + zeros_below   -- class 1 above the line
      best = math.max(best, right / n, (n - right) / n)
    end
  end
  return best
end
]])
    L:try("best_line('xor'), best_line('gaussians')", 'The best any line can do, on xor and on the clouds.')
    do
      local env = L.env
      L:check(math.abs(env.acc_lin - 0.5) < 0.1, 'the linear model stays near 0.5 on xor')
      L:check(env.most_sure(env.m_lin, 'xor') < 0.2, 'and its probabilities stay near 0.5 everywhere')
      L:check(env.best_line('xor') < 0.75, 'no line gets 3 in 4 xor points right')
      L:check(env.best_line('gaussians') >= 0.98, 'a line gets the clouds right')
    end
    L:page [[
xor cannot be split by one line. Its class 1 sits in two opposite
quadrants, class 0 in the other two: a line through the middle has half
of each class on each side, and a line off to one side cuts a corner off
one quadrant only. best_line tried 360 directions and every position:
no line gets even 3 of 4 xor points right. And cross-entropy training
does not find that best line either: the quadrants pull equally in
opposite directions, so the model sits on the fence, every probability
within most_sure of 0.5, its accuracy near a coin toss. Look at the
boundary: one line, wherever it falls.]]
    L:view('boundary', {model = L.env.m_lin})

    L:page [[
A hidden layer changes that. Dense(3, tanh) computes three values
tanh(x W1 + b1): each is a soft step across its own line in the plane.
The output layer then draws its line in the space of those three steps,
which, back in the plane, is a bent boundary made of the three lines.
With the Playground's controls: hidden = {3}, activation = 'tanh'.

One thing to watch: Keras's Dense has no activation unless you give one
(activation = nil is 'linear').]]
    L:exercise{
      prompt = "Solve xor: m_xor, acc_xor = playground('xor', ...) with ONE hidden\n" ..
               'layer that gets at least 0.95 of the points right.',
      answer = "m_xor, acc_xor = playground('xor', {4}, 'tanh')",
      wrong = {"m_xor, acc_xor = playground('xor', {4})",  -- no activation: still linear
               "m_xor, acc_xor = playground('xor', 4, 'tanh')"},  -- a number, not a list
      check = function(env)
        local m = env.m_xor
        if m == nil then return false, "still waiting for m_xor, acc_xor = playground('xor', ...)" end
        if not (type(m) == 'userdata' and m.layers) then
          return false, "m_xor should be the model playground returns: m_xor, acc_xor = playground('xor', ...)"
        end
        if #m.layers ~= 2 then
          return false, 'm_xor has ' .. (#m.layers - 1) .. ' hidden layers; the exercise wants one: hidden = {units}'
        end
        local _, accuracy = m:evaluate(env.sets.xor.x, env.sets.xor.y)
        local acc = string.format('%.3f', accuracy)
        if m.layers[1].activation == 'linear' then
          return false, 'its hidden layer has no activation, so it is linear: Dense then Dense is ' ..
                        '(x W1 + b1) W2 + b2 = x (W1 W2) + (b1 W2 + b2), one linear map, one straight ' ..
                        'line; accuracy ' .. acc .. '. Give it activation = \'tanh\''
        end
        local units = m.layers[1].kernel.shape[2]
        if accuracy < 0.95 then
          if units == 1 then
            return false, 'one unit is one soft step along one line: xor needs at least two lines; accuracy ' .. acc
          end
          return false, 'accuracy ' .. acc .. ' with ' .. units .. ' units: not yet 0.95; try a few more units'
        end
        return true
      end,
      hints = {"The second argument lists the hidden layers' units, the third is their activation.",
               "m_xor, acc_xor = playground('xor', {4}, 'tanh')"},
    }
    L:try('acc_xor', 'Its accuracy.')
    L:run("if not (m_xor and acc_xor) then m_xor, acc_xor = playground('xor', {4}, 'tanh') end")
    do
      local env = L.env
      local _, linear_hidden = env.playground('xor', {4})
      local _, one_unit = env.playground('xor', {1}, 'tanh')
      L:check(math.abs(linear_hidden - 0.5) < 0.1, 'a hidden layer without activation stays near 0.5 on xor')
      L:check(one_unit < 0.8, 'one tanh unit does not solve xor')
      -- the boundary view draws the last fit's points: train the learner's
      -- model again (the same seed: the very same model)
      local hidden = env.m_xor.layers[1]
      L:run(string.format("m_xor, acc_xor = playground('xor', {%d}, '%s')", hidden.kernel.shape[2], hidden.activation))
      L:check(env.acc_xor >= 0.95, 'the learner\'s hidden layer solves xor')
    end
    L:page [[
The boundary bends now: the hidden units' lines cut the plane into pieces,
and the output layer gives each piece its class. Compare with the linear
model: the same points, the same training, one hidden tanh layer more.]]
    L:view('boundary', {model = L.env.m_xor})

    L:page [[
The circles need more: class 1 is inside, class 0 all around it, so the
boundary has to close around the centre. Each tanh unit adds one line; how
few lines can enclose a region? Try playground('circles', {u}, 'tanh')
for a few u.]]
    L:exercise{
      prompt = 'Find the FEWEST tanh units in one hidden layer that get at least 0.95\n' ..
               "on the circles: m_circles, acc_circles = playground('circles', {u}, 'tanh').",
      answer = "m_circles, acc_circles = playground('circles', {3}, 'tanh')",
      wrong = "m_circles, acc_circles = playground('circles', {2}, 'tanh')",  -- too few units
      check = function(env)
        local m = env.m_circles
        if m == nil then return false, "still waiting for m_circles, acc_circles = playground('circles', ...)" end
        if not (type(m) == 'userdata' and m.layers) then
          return false, "m_circles should be the model playground returns"
        end
        local _, accuracy = m:evaluate(env.sets.circles.x, env.sets.circles.y)
        local acc = string.format('%.3f', accuracy)
        if #m.layers == 2 and m.layers[1].activation == 'linear' then
          return false, 'its hidden layer has no activation: the model is linear, one straight line, ' ..
                        'which encloses nothing; accuracy ' .. acc .. ". Pass 'tanh'"
        end
        if #m.layers ~= 2 or m.layers[1].activation ~= 'tanh' then
          return false, "one hidden layer of tanh units: playground('circles', {u}, 'tanh')"
        end
        local units = m.layers[1].kernel.shape[2]
        if accuracy < 0.95 then
          if units == 1 then
            return false, 'one unit is one line: it cannot enclose the inner ring; accuracy ' .. acc
          elseif units == 2 then
            return false, '2 units are 2 lines: they make a band or a corner, never a closed ' ..
                          'region around the inner ring; accuracy ' .. acc
          end
          return false, 'accuracy ' .. acc .. ' with ' .. units .. ' units: not yet 0.95'
        end
        local _, fewer = env.playground('circles', {units - 1}, 'tanh')
        env.playground('circles', {units}, 'tanh')  -- the last fit's points stay the circles
        if fewer >= 0.95 then
          return false, 'that works (' .. acc .. '), but ' .. (units - 1) .. ' units do too (' ..
                        string.format('%.3f', fewer) .. '): try fewer'
        end
        return true
      end,
      hints = {'Two lines cannot enclose anything. What is the fewest lines that make a closed shape?',
               "m_circles, acc_circles = playground('circles', {3}, 'tanh')"},
    }
    L:run("if not (m_circles and acc_circles) then m_circles, acc_circles = playground('circles', {3}, 'tanh') end")
    L:try('acc_circles', 'Three units: a triangle, its corners rounded by tanh.')
    do
      local _, two = L.env.playground('circles', {2}, 'tanh')
      local _, three = L.env.playground('circles', {3}, 'tanh')
      L:check(two < 0.9 and three >= 0.95, 'two tanh units do not enclose the circle, three do')
    end
    L:view('boundary', {model = L.env.m_circles})

    L:page [[
The spiral is the Playground's hard one: its two arms wind into each other
one and three quarter turns, so the boundary must wind too, crossing
every line through the centre several times. It takes more pieces: more
units, or more layers (a second layer combines the first layer's pieces
into more pieces). Here we use relu units, which train faster on it than
tanh in 150 epochs (try playground('spiral', {16, 16}, 'tanh', 150)).]]
    L:run([[
-- one line per shape: its hidden layers, number of weights, accuracy
function compare(name, shapes, activation, epochs)
  print('hidden         weights  accuracy')
  for _, hidden in ipairs(shapes) do
    local model, accuracy = playground(name, hidden, activation, epochs)
    print(string.format('%-14s %7d  %8.3f', '{' .. table.concat(hidden, ', ') .. '}',
                        model:count_params(), accuracy))
  end
end
]])
    L:try("compare('spiral', {{8}, {32}, {16, 16}, {16, 16, 16}}, 'relu', 150)",
          'Wider, then deeper, on the spiral: 150 epochs each.')
    do
      local env = L.env
      local _, narrow = env.playground('spiral', {8}, 'relu', 150)
      local _, wide = env.playground('spiral', {32}, 'relu', 150)
      local _, deep = env.playground('spiral', {16, 16, 16}, 'relu', 150)
      local _, tanh = env.playground('spiral', {16, 16}, 'tanh', 150)
      L:check(narrow < 0.8, 'eight relu units do not follow the spiral')
      L:check(wide > narrow + 0.1, 'thirty-two do much better')
      L:check(deep >= 0.95, 'three layers of sixteen follow it')
      L:check(tanh < 0.8, 'tanh at the same size is slower here')
    end
    L:exercise{
      prompt = "Get at least 0.95 on the spiral in 150 epochs with relu units:\n" ..
               "m_spiral, acc_spiral = playground('spiral', hidden, 'relu', 150).",
      answer = "m_spiral, acc_spiral = playground('spiral', {16, 16, 16}, 'relu', 150)",
      wrong = "m_spiral, acc_spiral = playground('spiral', {8}, 'relu', 150)",  -- too few units
      check = function(env)
        local m = env.m_spiral
        if m == nil then return false, "still waiting for m_spiral, acc_spiral = playground('spiral', ...)" end
        if not (type(m) == 'userdata' and m.layers) then
          return false, "m_spiral should be the model playground returns"
        end
        local _, accuracy = m:evaluate(env.sets.spiral.x, env.sets.spiral.y)
        local acc = string.format('%.3f', accuracy)
        for i = 1, #m.layers - 1 do
          if m.layers[i].activation == 'linear' then
            return false, 'hidden layer ' .. i .. ' has no activation: linear layers add no bends; accuracy ' .. acc
          end
        end
        local epochs = env.epochs_of[m] or 150
        if accuracy < 0.95 and epochs < 150 then
          return false, 'accuracy ' .. acc .. ' after ' .. epochs .. ' epochs: the exercise gives it 150 ' ..
                        '(the fourth argument; playground trains 100 unless told)'
        end
        if accuracy < 0.95 then
          return false, 'accuracy ' .. acc .. ' with ' .. m:count_params() .. ' weights in ' ..
                        (#m.layers - 1) .. ' hidden layer(s): the boundary does not follow the spiral yet; ' ..
                        'add units or another layer (compare\'s table above)'
        end
        return true
      end,
      hints = {"compare's table shows which shapes reach 0.95.",
               "m_spiral, acc_spiral = playground('spiral', {16, 16, 16}, 'relu', 150)"},
    }
    L:page [[
Your spiral model's boundary: it winds with the arms, piece by piece.]]
    L:view('boundary', {model = L.env.m_spiral})
    L:page [[
What the Playground teaches, measured here:

  - a model with no hidden layer, or hidden layers with no activation,
    is linear: one straight boundary. It separates the gaussian clouds,
    and cannot do xor (it sits near 0.5);
  - each tanh unit of a hidden layer adds one (soft) line; the output
    layer combines them into a bent boundary: a few solve xor, three
    enclose the circles, two cannot;
  - the spiral needs many pieces: more units, more layers;
  - the boundary view shows what a 2-input model learned: at the prompt,
    print(nn.viz.snapshot('boundary', {model = m})) after m:fit, or its
    tab in the visualizer during m:fit(x, y, {viz = true}):
    help('boundary').]]
  end,
}
