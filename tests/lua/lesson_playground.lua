-- lesson_playground.lua: lesson 19's exercises answer the usual wrong
-- answers with the reason, not a bare "Not yet" (the lesson's --auto run,
-- tests/terminal/lessons.sh, tries one wrong answer per exercise; these
-- are the others a learner types). The lesson runs with a stand-in L that
-- skips pages and views, and tries these lines before the model answer.
local t = require 'tap'
local path = (os.getenv('srcdir') or '.') .. '/lessons/19_playground.lua'
local lesson = dofile(path)

-- per exercise (keyed by its model answer): {a learner's line, the reply's pattern}
local tries = {
  ["m_xor, acc_xor = playground('xor', {4}, 'tanh')"] = {
    {"m_xor, acc_xor = playground('xor', {4})", '^its hidden layer has no activation, so it is linear.*one straight line'},
    {"m_xor, acc_xor = playground('xor', {1}, 'tanh')", '^one unit is one soft step along one line'},
    {"m_xor, acc_xor = playground('xor', {2}, 'tanh')", '^accuracy 0%.%d+ with 2 units: not yet 0%.95'},
    {"m_xor, acc_xor = playground('xor', {4, 4}, 'tanh')", '^m_xor has 2 hidden layers; the exercise wants one'},
    {'m_xor = 3', '^m_xor should be the model playground returns'},
  },
  ["m_circles, acc_circles = playground('circles', {3}, 'tanh')"] = {
    {"m_circles, acc_circles = playground('circles', {1}, 'tanh')", '^one unit is one line: it cannot enclose'},
    {"m_circles, acc_circles = playground('circles', {2}, 'tanh')", '^2 units are 2 lines.*never a closed region'},
    {"m_circles, acc_circles = playground('circles', {3})", '^its hidden layer has no activation: the model is linear'},
    {"m_circles, acc_circles = playground('circles', {4}, 'tanh')", '^that works %(1%.000%), but 3 units do too'},
  },
  ["m_spiral, acc_spiral = playground('spiral', {16, 16, 16}, 'relu', 150)"] = {
    {"m_spiral, acc_spiral = playground('spiral', {8}, 'relu', 150)", '^accuracy 0%.%d+ with 42 weights in 1 hidden layer'},
    {"m_spiral, acc_spiral = playground('spiral', {16, 16}, 'relu')", '^accuracy 0%.%d+ after 100 epochs: the exercise gives it 150'},
    {"m_spiral, acc_spiral = playground('spiral', {16, 16}, nil, 150)", '^hidden layer 1 has no activation: linear layers add no bends'},
  },
}

local env = setmetatable({nn = nn}, {__index = _G})
local function run(code)
  local chunk = load('return ' .. code, code, 't', env) or assert(load(code, code, 't', env))
  return chunk()
end
local L = {auto = true, env = env}
function L:page() end
function L:view() end
function L:check(cond, message) t.ok(cond, 'lesson check: ' .. message) end
function L:try(code) run(code) end
function L:run(code) return run(code) end
function L:exercise(ex)
  for _, try in ipairs(tries[ex.answer] or {}) do
    run(try[1])
    local ok, reason = ex.check(env)
    t.ok(not ok, try[1] .. ' is rejected')
    t.like(reason or '', try[2], '... with a reason')
  end
  run(ex.answer)
  t.ok(ex.check(env), ex.answer .. ' is accepted')
end
lesson.run(L)
t.is(#lesson.title > 0, true, 'the lesson has a title')

-- best_line against another method: a best line can be moved until it runs
-- through two of the points, so try every line through two points, those
-- two (and any others on it) counted on whichever side is right for them
-- (checked with NumPy once too: xor 0.725, gaussians 0.98)
local function best_line_by_pairs(name)
  local p, y = env.sets[name].x:totable(), env.sets[name].y:totable()
  local n, best = #p, 0
  for i = 1, n do
    for j = i + 1, n do
      local nx, ny = p[i][2] - p[j][2], p[j][1] - p[i][1]  -- a normal of the line
      local a, b, on = 0, 0, 0
      for k = 1, n do
        local s = (p[k][1] - p[i][1]) * nx + (p[k][2] - p[i][2]) * ny
        if math.abs(s) < 1e-12 then on = on + 1
        elseif (s > 0) == (y[k] == 1) then a = a + 1 else b = b + 1 end
      end
      best = math.max(best, (math.max(a, b) + on) / n)
    end
  end
  return best
end
for _, name in ipairs{'xor', 'gaussians'} do
  t.is_near(env.best_line(name), best_line_by_pairs(name), 1e-12, 'best_line on ' .. name .. ' is the best line through two points')
end
t.done_testing()
