-- lesson_lstm_steps.lua: lesson 12 (the reference stacked LSTM) whatever
-- the learner did with the debugger it invites them to explore (issue 18
-- item 4): d = 1 typed for d = nn.debug(...) (the lesson says so and
-- starts the debugger itself); d:step(20) typed for d:step(14); s pressed
-- in the lstm view until the batch is done (the update made); d:finish()
-- typed for the run to the loss. The lesson moves the debugger back, says so, undoes the update and
-- goes on to its end, every check holding. And half = x_test (no clone)
-- blanks x_test: the check says so and puts the test images back.
-- The lesson runs unattended (L.auto: 500 images) with a stand-in for the
-- lesson helper L that types those lines instead of the lesson's.
local t = require 'tap'

local dir = (os.getenv('srcdir') or '.') .. '/lessons/'
local lesson = assert(loadfile(dir .. '12_reference_lstm.lua'))()

local env = setmetatable({nn = nn}, {__index = _G})
local function run(code)
  local chunk = load('return ' .. code, 'lesson', 't', env) or assert(load(code, 'lesson', 't', env))
  return chunk()
end

-- what the learner types instead of the lesson's line
local TYPED = {
  ['d = nn.debug(m, x:slice(1, 4), y:slice(1, 4))'] = 'd = 1',
  ['d:step(14)'] = 'd:step(20)',
  ["d:break_at('loss'); d:continue()"] = 'd:finish()',
}
local said = {}  -- every line printed, to find the lesson's notes
local real_print = print
print = function(...)
  local parts = table.pack(...)
  for i = 1, parts.n do parts[i] = tostring(parts[i]) end
  said[#said + 1] = table.concat(parts, ' ')
end
local function said_matching(pattern)
  for _, line in ipairs(said) do if line:find(pattern) then return line end end
end

local kernel_before  -- lstm_1's kernel before the debugged step
local lstm_views, half_reason, restored = 0, nil, nil
-- the runner's own L:debugger_to (and its other methods not stood in for)
local L = setmetatable({auto = true, env = env}, {__index = nn.lessons.helper()})
function L:page() end
function L:run(code) return run(code) end
function L:try(code)
  local results = table.pack(run(TYPED[code] or code))
  if code:find('^d = nn.debug') then kernel_before = env.m.layers[1].kernel:clone() end
  return table.unpack(results, 1, results.n)
end
function L:view(name)
  if name == 'lstm' and env.d and env.d.model == env.m then
    lstm_views = lstm_views + 1
    env.d:finish()  -- s pressed until "batch done": the update is made
  end
end
function L:check(ok, message)
  if not ok then error('lesson check failed: ' .. message) end
end
function L:exercise(ex)
  if ex.answer:find('^half = ') then
    run('half = x_test; half:narrow(2, 15, 14):fill(0)')
    local _
    _, half_reason = ex.check(env)
    local _, fresh = nn.datasets.fashion_mnist()
    local want = fresh.x:slice(1, env.n_test):reshape(env.n_test, 28, 28)
    restored = (env.x_test - want):abs():max() == 0 and (env.x_check - want:slice(1, env.x_check.shape[1])):abs():max() == 0
  end
  run(ex.answer)
  assert(ex.check(env) == true, 'the model answer ' .. ex.answer .. ' passes')
end

t.plan(9)
local ran, err = pcall(lesson.run, L)
print = real_print
t.ok(ran, 'lesson 12 runs to its end, every check holding' .. (ran and '' or (': ' .. tostring(err))))
t.ok(said_matching('^%(d is not a debugger of m; the next lines step it%. The lesson runs:  ' ..
                   'd = nn%.debug%(m, x:slice%(1, 4%), y:slice%(1, 4%)%)%)$') ~= nil,
     'd = 1 typed for the debugger: the lesson says so and shows the line it runs')
t.ok(said_matching('was at forward lstm_1 t=21/28 %(step 21 of 172%); the lesson moves it back to ' ..
                   'forward lstm_1 t=15/28 %(step 15 of 172%), where lstm_1 has read 14 rows%)$') ~= nil,
     'd:step(20) typed: the lesson says where the debugger is and moves it back to step 15')
t.ok(said_matching('was at the end of the batch %(all 172 steps done%); the lesson moves it back to ' ..
                   'forward lstm_1 t=15/28 %(step 15 of 172%), where lstm_1 has read 14 rows; ' ..
                   'stepping back undoes the update%)$') ~= nil,
     's pressed in the lstm view until the batch is done: moved back, and said so')
t.ok(lstm_views == 1, 'the lstm view of m was opened once, at step 15')
t.ok(said_matching('moves it back to loss %(step 86 of 172%), the forward pass done; stepping back undoes ' ..
                   'the update%)$') ~= nil,
     'd:finish() typed for the run to the loss: moved back to the loss')
t.ok(kernel_before and (env.m.layers[1].kernel - kernel_before):abs():max() == 0,
     'stepping back undid the update: lstm_1\'s kernel is as before the debugged step')
t.ok(half_reason and half_reason:find('changed x_test itself') and half_reason:find('put them back'),
     'half = x_test (no clone): the reason says x_test was changed and put back (' .. tostring(half_reason) .. ')')
t.ok(restored, '... and x_test (and x_check, a view of it) hold the test images again')
t.done_testing()
