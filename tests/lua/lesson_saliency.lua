-- lesson_saliency.lua: lesson 20 ("Why did it predict that?") answers the
-- learner's usual wrong answers with the right reason. The lesson runs
-- with a stand-in for the lesson helper L that records its exercises; at
-- each, typical wrong answers (a sign error, p_c instead of p_c - 1, the
-- missing absolute value, the wrong class, an upside-down ratio, the
-- engine's numbers copied) must be rejected with a reason naming the
-- mistake, and the model answer accepted. (tests/terminal/lessons.sh runs
-- the real helper unattended; it tries one wrong answer per exercise and
-- does not read the reasons.)
local t = require 'tap'

local dir = (os.getenv('srcdir') or '.') .. '/lessons/'
local lesson = assert(loadfile(dir .. '20_saliency.lua'))()

-- wrong answers for each exercise, in order, with the reason expected
local WRONG = {
  { -- g0: dL/dx for class 0 by hand
    {'p = probabilities(x); g0 = {}; for i = 1, 4 do g0[i] = 0; ' ..
     'for k = 1, 3 do g0[i] = g0[i] + p[k] * W[i][k] end end', 'uses p_c where it needs p_c %- 1'},
    {'g0 = gradient_by_hand(x, 0); for i = 1, 4 do g0[i] = -g0[i] end', 'sign error'},
    {'g0 = gradient_by_hand(x, 2)', 'gradient for class 2; the exercise asks for class 0'},
    {'g0 = nn.viz.saliency(m, x, {class = 0}).gradient', "engine's numbers"},
    {'g0 = {1, 2, 3, 4}', 'off by up to'},
    {'g0 = 5', 'should be 4 numbers'},
  },
  { -- sal: |dL/dx| for class 0
    {'sal = nn.viz.saliency(m, x, {class = 0}).gradient', 'absolute value is missing'},
    {'sal = nn.viz.saliency(m, x).gradient:abs()', 'predicted class 2: pass {class = 0}'},
    {'sal = nn.ones(4)', 'off by up to'},
  },
  { -- L_new: the loss after a nudge, to first order
    {'L_new = s_true.loss - 0.01 * g', 'a sign error'},
    {'L_new = s_true.loss + g', 'adds g itself'},
    {'L_new = 0.01 * g', 'only the change'},
    {'L_new = loss_after(labels[i], row, col, 0.01)', 'the real loss after the change'},
  },
  { -- k: the ratio of the two saliency gradients
    {'k = s_pred.probability / s_true.probability', 'the sign is not'},
    {'k = -s_true.probability / s_pred.probability', 'upside down'},
    {'k = s_true.probability / s_pred.probability', 'upside down and the wrong sign'},
    {'k = 1', 'off by'},
  },
}

local env = setmetatable({nn = nn}, {__index = _G})
local function run(code)
  local chunk = load('return ' .. code, 'lesson', 't', env) or assert(load(code, 'lesson', 't', env))
  return chunk()
end

local real_print = print
print = function() end  -- the lesson's pages and the debugger talk
local exercise_number, checks = 0, 0
local L = {auto = true, env = env}
function L:page() end
function L:view() end
function L:run(code) return run(code) end
function L:try(code) return run(code) end
function L:check(ok, message)
  checks = checks + 1
  if not ok then error('lesson check failed: ' .. message) end
end
function L:exercise(ex)
  exercise_number = exercise_number + 1
  for _, case in ipairs(WRONG[exercise_number] or {}) do
    local code, reason_wanted = case[1], case[2]
    run(code)
    local ok, reason = ex.check(env)
    t.ok(not ok and type(reason) == 'string' and reason:find(reason_wanted) ~= nil,
         string.format('exercise %d: %s -> "%s"', exercise_number, code, reason_wanted))
    if ok or not (reason or ''):find(reason_wanted) then t.diag('got: ' .. tostring(reason)) end
  end
  run(ex.answer)
  t.ok(ex.check(env) == true, string.format('exercise %d: the model answer %s passes', exercise_number, ex.answer))
end

t.plan(#WRONG[1] + #WRONG[2] + #WRONG[3] + #WRONG[4] + 4 + 2)
local ran, err = pcall(lesson.run, L)
print = real_print
t.ok(ran, 'the lesson runs to its end, every check holding' .. (ran and '' or (': ' .. tostring(err))))
t.ok(exercise_number == 4 and checks > 20, 'it has 4 exercises and its own checks (' .. checks .. ')')
t.done_testing()
