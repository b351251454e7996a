-- lesson_runner.lua: parts of the lesson runner (repl/lua/lessons.lua) a
-- learner reads: L:plot's axis labels; what L:settle and L:debugger_to say
-- and do when the learner typed a line of their own or moved the debugger;
-- the replies of the exercise checks L.tensor_answer and L.count_answer.
local t = require 'tap'
local Lesson = nn.lessons.helper()

-- The lines L:plot prints.
local function plot(...)
  local lines, real_print = {}, print
  print = function(line) lines[#lines + 1] = line end
  local ok, err = pcall(Lesson.plot, {}, ...)
  print = real_print
  assert(ok, err)
  return lines
end

-- ---- L:plot: the x axis says where it is ----
-- The plot is 61 columns wide after an 8-column margin (7 for the y label,
-- a space): column c (1..61) stands for x = from + (c - 1) * (to - from) / 60.
local function column_of(x, from, to) return math.floor((x - from) / (to - from) * 60 + 0.5) + 1 end
local function at(text, col) return text:sub(8 + col, 8 + col) end

do  -- a range holding 0: -2 .. 6; 0 is at column 1 + 2/8 * 60 = 16
  local lines = plot(function(x) return x / 2 end, -2, 6, -1, 3)
  local labels = lines[#lines]
  t.is(labels, string.rep(' ', 8) .. '-2' .. string.rep(' ', 13) .. '0' .. string.rep(' ', 44) .. '6',
       'plot: -2 at the left edge, 0 under the y axis (column 16), 6 at the right edge')
  t.is(column_of(0, -2, 6), 16, 'plot: 0 is at column 16 of 61 (arithmetic)')
  t.is(at(lines[1], 16), '|', 'plot: the y axis is drawn at the column the 0 label is under')
  t.is(lines[1]:sub(1, 7), '      3', 'plot: top of the y axis labelled 3')
end

do  -- a range without 0: 1 .. 3; the label in the middle is its value, 2
  local labels = plot(function(x) return x end, 1, 3, 0, 4)[13 + 1]
  t.is(labels, string.rep(' ', 8) .. '1' .. string.rep(' ', 29) .. '2' .. string.rep(' ', 29) .. '3',
       'plot: a range without 0 labels its middle with its value (not a 0 that is not there)')
  t.is(1 + (31 - 1) * (3 - 1) / 60, 2.0, 'plot: column 31 stands for x = 2 (arithmetic)')
end

do  -- 0 at the left edge: 0 .. 10; no second 0, the middle is 5
  local labels = plot(function(x) return x end, 0, 10, 0, 10)[14]
  t.is(labels, string.rep(' ', 8) .. '0' .. string.rep(' ', 29) .. '5' .. string.rep(' ', 28) .. '10',
       'plot: from 0: the middle label is 5, and 10 ends at the right edge')
  t.ok(not labels:find('0.-0.-0.-10'), 'plot: no made-up 0 in the middle')
end

do  -- 0 too near an edge for a label of its own: -0.1 .. 100
  local labels = plot(function(x) return x end, -0.1, 100, 0, 100)[14]
  t.is(labels, string.rep(' ', 8) .. '-0.1' .. string.rep(' ', 54) .. '100',
       'plot: a 0 that would overlap the left label is left out, not moved')
end

-- Everything printed while f runs, one string a line; and f's results.
local function printed(f)
  local lines, real_print = {}, print
  print = function(...)
    local parts = table.pack(...)
    for i = 1, parts.n do parts[i] = tostring(parts[i]) end
    lines[#lines + 1] = table.concat(parts, '\t')
  end
  local results = table.pack(pcall(f))
  print = real_print
  assert(results[1], results[2])
  return lines, table.unpack(results, 2, results.n)
end

-- A helper L as a lesson gets it (unattended), with an environment of its own.
local function new_lesson()
  return setmetatable({auto = true, env = setmetatable({}, {__index = _G})}, Lesson)
end

-- ---- L:settle: what the next pages need, put back visibly ----
do
  local L = new_lesson()
  L.env.a = 1
  local said = printed(function()
    L:settle(function(env) return env.a == 1 end, 'a = 2', 'a should be 1.')
  end)
  t.is(said, {}, 'settle: what is needed is there: nothing said')
  t.is(L.env.a, 1, 'settle: ... and nothing run')

  said = printed(function()
    L:settle(function(env) return env.a == 5 end, 'a = 5', 'a is not 5.')
  end)
  t.is(said, {'(a is not 5. The lesson runs:  a = 5)'}, 'settle: says why and shows the line it runs')
  t.is(L.env.a, 5, 'settle: ... and runs it in the lesson\'s environment')

  said = printed(function()
    L:settle(function(env) return env.b.c == 1 end, 'b = {c = 1}',
             function(env) return 'b is ' .. tostring(env.b) .. '.' end, 'b.c + 1')
  end)
  t.is(said, {'(b is nil. The lesson runs:  b = {c = 1})', '2'},
       'settle: a check that errors does not hold; why may be a function of env; show prints a value after')
  t.is(L.env.b.c, 1, 'settle: b was set')
end

-- ---- L:debugger_to: the debugger where the lesson needs it ----
-- A Dense(2) on 3 inputs, a Dense(1): the program is 6 steps,
-- forward dense_1, forward dense_2, loss, backward dense_2, backward dense_1, update.
do
  local L = new_lesson()
  local start = 'd = nn.debug(m, x, y)'
  L:run("m = nn.Sequential{nn.Dense(2, {input_shape = {3}}), nn.Dense(1)}; " ..
        "m:compile{optimizer = 'sgd', loss = 'mse'}")
  L:run('x, y = nn.randn(4, 3), nn.randn(4, 1)')
  L:run(start)
  local d = L.env.d
  t.is(d.stepper:program(), {'forward dense_1', 'forward dense_2', 'loss', 'backward dense_2',
                             'backward dense_1', 'update'}, 'debugger_to: the program of the test model')
  t.is(Lesson.debugger_place(d), 'forward dense_1 (step 1 of 6)', 'debugger_place: the step about to run')

  local said, got = printed(function() return L:debugger_to('update', start) end)
  t.is(said, {'(the debugger was at forward dense_1 (step 1 of 6); the lesson moves it on to update (step 6 of 6))'},
       'debugger_to: moving on says where it was and where it is')
  t.is(d.stepper.position, 5, 'debugger_to: ... and 5 steps are done, the update next')
  t.ok(got == d, 'debugger_to: returns the debugger')

  said = printed(function() L:debugger_to('update', start) end)
  t.is(said, {}, 'debugger_to: already there: nothing said, nothing moved')

  local kernel = L.env.m.layers[1].kernel:clone()
  d.stepper:step(1)  -- the learner runs the update (s in a view, :step)
  t.ok((L.env.m.layers[1].kernel - kernel):abs():max() > 0, 'the update changed dense_1\'s kernel')
  t.is(Lesson.debugger_place(d), 'the end of the batch (all 6 steps done)', 'debugger_place: at the end')
  said = printed(function() L:debugger_to('backward dense_2', start, 'the loss computed') end)
  t.is(said, {'(the debugger was at the end of the batch (all 6 steps done); the lesson moves it back to ' ..
              'backward dense_2 (step 4 of 6), the loss computed; stepping back undoes the update)'},
       'debugger_to: moving back past the update says so, and what the place is')
  t.is((L.env.m.layers[1].kernel - kernel):abs():max(), 0, '... and the kernel is as before the update, exactly')

  said = printed(function() L:debugger_to('the end', start) end)
  t.is(said, {'(the debugger was at backward dense_2 (step 4 of 6); the lesson moves it on to ' ..
              'the end of the batch (all 6 steps done))'}, "debugger_to: 'the end' is after the last step")
  said = printed(function() L:debugger_to('loss', start) end)
  t.like(said[1], 'moves it back to loss %(step 3 of 6%); stepping back undoes the update%)$',
         'debugger_to: from the end back to the loss also undoes the update')

  L.env.d = nn.ones(2)  -- the learner reused the name
  said = printed(function() L:debugger_to('forward dense_2', start) end)
  t.is(said[1], '(d is not the debugger of m any more: the lesson runs  d = nn.debug(m, x, y))',
       'debugger_to: d is no debugger of m: the lesson says so and runs the start line')
  t.like(said[2], '^debugging nn.Sequential', '... which shows the new debugger, as typed would')
  t.is(said[#said], '(the debugger was at forward dense_1 (step 1 of 6); the lesson moves it on to ' ..
                    'forward dense_2 (step 2 of 6))', '... then moves it')
  t.ok(L.env.d.model == L.env.m and L.env.d.stepper.position == 1, '... a debugger of m, one step done')

  t.raises(function() L:debugger_to('backward dense_9', start) end, 'no step backward dense_9',
           'debugger_to: a place not in the program is the lesson\'s mistake: an error')
end

-- ---- L.tensor_answer and L.count_answer: a reason for each wrong answer ----
do
  local reference = nn.tensor{1, 2, 3}
  local mistakes = {{nn.tensor{3, 2, 1}, 'reversed', 'read it the other way'}}
  t.is({Lesson.tensor_answer('v', nn.tensor{{1, 2, 3}}, reference, mistakes)}, {true},
       'tensor_answer: the same numbers in another shape are right')
  t.is({Lesson.tensor_answer('v', nn.tensor{1, 2, 3 + 1e-6}, reference, mistakes)}, {true},
       'tensor_answer: within 1e-5 is right (32-bit floats)')
  t.is({Lesson.tensor_answer('v', nil, reference, mistakes)}, {false, 'still waiting for v = ...'},
       'tensor_answer: nothing yet is no wrong answer')
  t.is({Lesson.tensor_answer('v', nn.tensor{3, 2, 1}, reference, mistakes)}, {false, 'reversed', 'read it the other way'},
       'tensor_answer: a typical mistake gets its reason and its hint')
  t.is({Lesson.tensor_answer('v', nn.tensor{1, 2.5, 3}, reference, mistakes)}, {false, 'v is off by up to 0.5'},
       'tensor_answer: else how far off (2.5 - 2 = 0.5)')
  t.is({Lesson.tensor_answer('v', nn.tensor{1, 2}, reference)}, {false, 'v holds 2 numbers, not 3'},
       'tensor_answer: the wrong count of numbers says so')
  t.is({Lesson.tensor_answer('v', 7, reference)}, {false, 'v should be a tensor of 3 numbers'},
       'tensor_answer: a number for a tensor says so')

  local slips = {{28, 'the picture size', 'the kernel must fit'}}
  t.is({Lesson.count_answer('size', 26, 26, slips)}, {true}, 'count_answer: the right number')
  t.is({Lesson.count_answer('size', nil, 26, slips)}, {false, 'still waiting for size = ...'},
       'count_answer: nothing yet')
  t.is({Lesson.count_answer('size', 28, 26, slips)}, {false, 'the picture size', 'the kernel must fit'},
       'count_answer: a typical slip gets its reason and hint')
  t.is({Lesson.count_answer('size', 25, 26, slips)}, {false, 'size = 25 is off by -1'},
       'count_answer: else by how much (25 - 26 = -1)')
  t.is({Lesson.count_answer('size', nn.ones(2), 26)}, {false, 'size should be one number, not a tensor'},
       'count_answer: a tensor is not a number')
end

t.done_testing()
