-- lessons.lua: running a lesson (lessons/README.md says how one is written).
--
--   nnstep --lesson 3          start lesson 3
--   nnstep --lesson 3 --auto   run it unattended (the tests do)
--   nnstep --lessons           list the lessons and what you have finished
--   :lesson 3                  from the REPL
--
-- A lesson is text, code the learner runs, exercises the learner solves,
-- and views of the visualizer. Unattended, every exercise's wrong answer must
-- be rejected and its model answer accepted: that is the lesson's own test.
-- This file is compiled into nnstep (lua2c.awk) and gets the nn table.
local nn = ...
-- (this file is compiled in as a C string, which cannot hold backslashes)
local NL = string.char(10)

local M = {dir = nil}  -- nn.lessons; dir is set by the program (l_nn.c)
-- M.env: the running lesson's environment (its learner's variables), or nil

local Lesson = {}
Lesson.__index = Lesson
-- The helper L's methods, for the tests (tests/lua/lesson_runner.lua). A
-- function, not a field: tests/lua/abuse.lua calls every function it finds
-- in nn's tables with wrong arguments, and these would wait for a learner.
function M.helper() return Lesson end

local function quit_requested(line)
  return line == nil or line:match('^%s*:q') or line:match('^%s*:exit')
end

local LeaveLesson = {}  -- raised (as an error value) to leave cleanly

local function ask(prompt)
  io.write(prompt)
  io.flush()
  local line = io.read('l')
  if quit_requested(line) then error(LeaveLesson, 0) end
  return line
end

-- An error as the learner sees it: the message, without any traceback
-- (one a nested call may have put into the message).
local function one_line(err)
  local text = tostring(err)
  local cut = text:find(NL .. 'stack traceback:', 1, true)
  text = cut and text:sub(1, cut - 1) or text
  return (text:gsub('^%a+%.lua:%d+: ', ''))  -- not where in nnstep's own Lua
end

-- Ctrl-C raises "interrupted!" (run.c), or fit's "fit: interrupted ...".
local function is_interrupt(err)
  return type(err) == 'string' and err:find('interrupted') ~= nil
end

-- Is code an unfinished chunk (a function or a table not closed yet)? Lua's
-- parser then ends its message with "<eof>", as the REPL's repl.c checks.
-- Only compiled here (in an empty environment), never run.
local function incomplete(code)
  if load('return ' .. code, '=lesson', 't', {}) then return false end
  local chunk, err = load(code, '=lesson', 't', {})
  return chunk == nil and err:sub(-5) == '<eof>'
end

-- A chunk of code from the learner: more lines are asked for ('   >> ')
-- while it is unfinished, as at the REPL, so a class typed over several
-- lines runs whole. The debugger's ':' commands (:print, :step, :where ...)
-- run at once, as at the REPL, and the prompt comes back: so a learner
-- whose training stopped on a NaN can look around.
-- The REPL's other commands work too (:help nn.Dense, :viz), but not
-- :lesson, which would start a lesson inside this one. An error is one
-- line, never a traceback.
local function ask_code(prompt)
  while true do
    local line = ask(prompt)
    local name, args = line:match('^%s*:(%a+)%s*(.-)%s*$')
    local commands = nn.commands and nn.commands.by_name or {}
    if not (name and (nn.debugger.is_command(name) or commands[name])) then
      while incomplete(line) do line = line .. NL .. ask('   >> ') end
      return line
    end
    local ok, err = true, nil
    if name == 'lesson' then
      print('(you are in a lesson already: :quit leaves it, then :lesson N starts another)')
    elseif nn.debugger.is_command(name) then
      ok, err = pcall(nn.debugger.command, name, args)
    else
      ok, err = pcall(commands[name].run, args)
    end
    if not ok then print('error: ' .. one_line(err)) end
  end
end

-- After Ctrl-C stopped some code, the lesson goes on; its later checks may
-- no longer hold (a model trained for less), so they only warn (L:check).
-- What was kept: a fit says where it stopped ("stopped in epoch 2 of 5,
-- after 37 of 1875 batches", l_fit.c): the weights are those after that
-- batch's update.
local function interrupted(L, err)
  L.interrupted = true
  local where = tostring(err):match('stopped in (epoch %d+ of %d+, after %d+ of %d+ batches)')
  if where then
    print(nn.tips.wrap('(stopped by Ctrl-C in ' .. where .. '; the model keeps what it learned so ' ..
                       'far: its weights are those after the last batch it trained. The lesson goes on.)',
                       0, ' '))
  else
    print('(stopped by Ctrl-C; the model keeps what it learned so far. The lesson goes on.)')
  end
end

-- Show values as the REPL does (tables with their contents; show.c).
local function show(...)
  local n = select('#', ...)
  if n == 0 then return end
  print(nn.show(...))
end

-- Run a line of Lua in the lesson's environment: expressions print.
local function run_line(L, code)
  local chunk = load('return ' .. code, '=lesson', 't', L.env)
  if not chunk then
    local err
    chunk, err = load(code, '=lesson', 't', L.env)
    if not chunk then error(err, 0) end  -- "lesson:1: ...", not where this file is
  end
  return chunk()
end

-- A hint, each of its lines broken between words to fit 80 columns.
local function print_wrapped(text)
  for line in (text .. NL):gmatch('(.-)' .. NL) do print(nn.tips.wrap(line, 0, '  ')) end
end

-- A tip for a line that did not do what a habit expected (tips.lua:
-- "in Lua, write ...", a decimal comma); err: its error, or nil if it ran.
local function tip(L, line, err)
  local text = nn.tips and nn.tips.show(line, err, L.env)
  if text then print(text) end
end

-- Run a line the learner typed, and show what came of it: its values, or
-- its error in one line; then a tip if a habit misled it. True if it ran.
local function run_typed(L, line)
  local results = table.pack(pcall(run_line, L, line))
  if results[1] then
    show(table.unpack(results, 2, results.n))
    tip(L, line)
  elseif is_interrupt(results[2]) and not L.auto then
    interrupted(L, results[2])
  else
    print(nn.tips.wrap('error: ' .. one_line(results[2]), 0, '  '))
    tip(L, line, results[2])
  end
  return results[1]
end

-- hint and skip: words for exercises, typed elsewhere by habit.
local function is_exercise_word(line)
  return line:match('^%s*hint%s*$') ~= nil or line:match('^%s*skip%s*$') ~= nil
end

-- A pause for reading ([Enter]). Text typed there is not dropped: code
-- runs as at the lesson> prompt (a learner trying what the page shows),
-- then the pause comes again; text that is not Lua (ok, "yes please")
-- runs nothing, and the learner is told so and where code goes.
local function pause(L, prompt)
  while true do
    local line = ask_code(prompt)
    if line:match('^%s*$') then return end
    local word = line:match('^%s*([%a_][%w_]*)%s*$')
    if is_exercise_word(line) then
      print('(hint and skip are for exercises; a page waits for Enter, and runs a line you type)')
    elseif not load(line, '=lesson', 't', {}) and not load('return ' .. line, '=lesson', 't', {}) then
      print('(that is not Lua, so nothing ran. Press Enter to go on;' .. NL ..
            ' code typed here, or at the lesson> and exercise> prompts, runs.)')
      tip(L, line, 'syntax error')
    elseif word and L.env[word] == nil then
      print('(' .. word .. ' is not a name the lesson knows, so nothing ran. Press Enter to go on.)')
    else
      -- after an error, not "that ran": the error line says what happened
      print(run_typed(L, line) and '(that ran; press Enter to go on)' or '(press Enter to go on)')
    end
  end
end

function Lesson:page(text)
  print('')
  print((text:gsub('^' .. NL, ''):gsub(NL .. '$', '')))
  if not self.auto then pause(self, NL .. '   [Enter] ') end
end

function Lesson:run(code)
  local results = table.pack(pcall(run_line, self, code))
  if results[1] then return table.unpack(results, 2, results.n) end
  if self.auto or not is_interrupt(results[2]) then error(results[2], 0) end
  interrupted(self, results[2])
end

function Lesson:try(code, why)
  print('')
  if why then print(why) end
  print('   try:  ' .. code)
  local line = code
  while not self.auto do
    line = ask_code('lesson> ')
    if line:match('^%s*$') then line = code end
    if not is_exercise_word(line) then break end
    print('(hint and skip are for exercises; here Enter runs the line above, or type your own)')
  end
  run_typed(self, line)
end

function Lesson:check(cond, message)
  if cond then return end
  if self.interrupted and not self.auto then
    print('(the lesson expected: ' .. message .. '; not this time, as a run was stopped early)')
    return
  end
  error('lesson check failed: ' .. message, 2)
end

-- After a try the learner may have typed a line of their own, or one that
-- failed. When what the next pages need is not there (holds(env) is false
-- or errors), say what is missing (why: a text, or a function(env) giving
-- one), show the line the lesson runs instead and run it; then, if given,
-- show the value of the expression `show`. Nothing is set up behind the
-- learner's back, so the screen never contradicts what they did.
function Lesson:settle(holds, code, why, show_code)
  local ok, fine = pcall(holds, self.env)
  if ok and fine then return end
  if type(why) == 'function' then why = why(self.env) end
  print('(' .. why .. ' The lesson runs:  ' .. code .. ')')
  self:run(code)
  if show_code then show(self:run(show_code)) end
end

-- ---- the debugger a lesson steps with ----

-- Where a debugger d stands, in words: the step it stands before,
-- 'backward conv2d_2 (step 12 of 16)', or 'the end of the batch (all 16
-- steps done)'.
function Lesson.debugger_place(d)
  local program, k = d.stepper:program(), d.stepper.position
  if k >= #program then return string.format('the end of the batch (all %d steps done)', #program) end
  return string.format('%s (step %d of %d)', program[k + 1], k + 1, #program)
end

-- The learner's debugger of the model, ready: start is the line that makes
-- it ('d = nn.debug(m, xb, yb)': its variable, then its model); when that
-- variable no longer holds a debugger of that model, the lesson says so and
-- runs the line again.
local function ready_debugger(L, start)
  local name, model = start:match('^%s*([%a_][%w_]*)%s*=%s*nn%.debug%(%s*([%a_][%w_]*)')
  assert(name, 'debugger_to: start should be a line like d = nn.debug(m, x, y), not ' .. start)
  local env = L.env
  local ok, same = pcall(function() return env[name].model == env[model] and env[name].stepper ~= nil end)
  if not (ok and same) then
    print(string.format('(%s is not the debugger of %s any more: the lesson runs  %s)', name, model, start))
    L:run(start)
  end
  return env[name]
end

-- Put the learner's debugger before the step `where` (a line of
-- d.stepper:program(): 'backward conv2d_2', 'forward lstm_1 t=15/28',
-- 'update'), or at 'the end' of the batch, wherever the learner left it
-- (s and b in a view, :step or :finish at a prompt, d:continue()). When it
-- moves it, it says where it was and where it is now (and `what` that
-- place is, if given); moving back past the update undoes it, and it says
-- that too. Returns the debugger.
function Lesson:debugger_to(where, start, what)
  local d = ready_debugger(self, start)
  d:position()  -- puts the batch back if predict or evaluate used the model
  local program, target, update = d.stepper:program(), nil, nil
  if where == 'the end' then target = #program end
  for k, line in ipairs(program) do
    if line == where then target = k - 1 end
    if line == 'update' then update = k - 1 end
  end
  assert(target, 'debugger_to: no step ' .. tostring(where) .. ' in the program')
  local now = d.stepper.position
  if now == target then return d end
  local was = Lesson.debugger_place(d)
  if now < target then d.stepper:step(target - now) else d.stepper:back(now - target) end
  local undone = update and now > update and target <= update
  print(string.format('(the debugger was at %s; the lesson moves it %s to %s%s%s)', was,
                      now < target and 'on' or 'back', Lesson.debugger_place(d),
                      what and (', ' .. what) or '',
                      undone and '; stepping back undoes the update' or ''))
  return d
end

-- Does `code` satisfy the exercise? Errors in the code count as no. Also
-- returns what the code gave back (packed), so that an expression the
-- learner types to look at something is shown.
-- For exercise checks: is `value` a tensor holding the same numbers as
-- `reference` (any shape, tolerance tol)? True, or false and what differs.
function Lesson.same_values(name, value, reference, tol)
  local n = reference:numel()
  if type(value) ~= 'userdata' or not pcall(function() return value:numel() end) then
    return false, name .. ' should be a tensor of ' .. n .. ' numbers'
  end
  if value:numel() ~= n then
    return false, name .. ' holds ' .. value:numel() .. ' numbers, not ' .. n
  end
  local off = (value:reshape(n) - reference:reshape(n)):abs():max()
  if off >= tol then return false, name .. ' is off by up to ' .. string.format('%.3g', off) end
  return true
end

-- Does the tensor `value` hold the numbers of `reference` (any shape), to
-- within 1e-5? False for anything else, a number or nil included.
local function same_tensor(value, reference)
  local ok, off = pcall(function()
    local n = reference:numel()
    if value:numel() ~= n then return math.huge end
    return (value:reshape(n) - reference:reshape(n)):abs():max()
  end)
  return ok and off < 1e-5
end

-- For exercise checks: the tensor the learner stored in `name` against the
-- engine's `reference`. Right if it holds the same numbers; else the first
-- typical mistake it holds ({tensor, reason, hint}) names the mistake; else
-- what is off and by how much (same_values).
function Lesson.tensor_answer(name, value, reference, mistakes)
  if value == nil then return false, 'still waiting for ' .. name .. ' = ...' end
  if same_tensor(value, reference) then return true end
  for _, mistake in ipairs(mistakes or {}) do
    if same_tensor(value, mistake[1]) then return false, mistake[2], mistake[3] end
  end
  return Lesson.same_values(name, value, reference, 1e-5)
end

-- For exercise checks: a whole number the learner stored in `name` (a
-- count, a size) against `want`; mistakes: {value, reason, hint} for the
-- typical slips; else by how much it is off.
function Lesson.count_answer(name, value, want, mistakes)
  if value == nil then return false, 'still waiting for ' .. name .. ' = ...' end
  if type(value) ~= 'number' then
    return false, name .. ' should be one number, not a ' ..
                  (type(value) == 'userdata' and 'tensor' or type(value))
  end
  if value == want then return true end
  for _, mistake in ipairs(mistakes or {}) do
    if value == mistake[1] then return false, mistake[2], mistake[3] end
  end
  return false, string.format('%s = %g is off by %g', name, value, value - want)
end

-- A check may also say what is wrong, and give a hint for that mistake:
-- return false, 'a has shape (4, 3)', 'nn.ones takes rows first'.
local function attempt(L, ex, code)
  local results = table.pack(pcall(run_line, L, code))
  if not results[1] then return false, one_line(results[2]) end
  local ran, ok, reason, hint = pcall(ex.check, L.env)
  if not ran then return false, one_line(ok), results end
  return ok ~= nil and ok ~= false, nil, results, type(reason) == 'string' and reason or nil,
         type(hint) == 'string' and hint or nil
end

-- Unattended: every typical wrong answer is rejected with a reason (never
-- a bare "Not yet."), and the reply a learner would see is printed.
local function try_wrong_answers(L, ex)
  L:check(ex.wrong ~= nil, 'the exercise has a typical wrong answer (wrong = ...)')
  local wrongs = type(ex.wrong) == 'table' and ex.wrong or {ex.wrong}
  for _, code in ipairs(wrongs) do
    local ok, err, _, reason, hint = attempt(L, ex, code)
    L:check(not ok, 'the wrong answer passed: ' .. code)
    local reply = err and ('error: ' .. err) or ('Not yet' .. (reason and (': ' .. reason) or '.'))
    print('   (wrong: ' .. code .. '  ->  ' .. reply .. ')')
    if hint then print('   (its hint: ' .. hint .. ')') end
    L:check(reason ~= nil or err ~= nil,
            'the wrong answer ' .. code .. ' gets a reason, not a bare Not yet')
    L:check(not (err and err:find('stack traceback', 1, true)),
            'the wrong answer ' .. code .. ' gets no internal traceback')
  end
end

function Lesson:exercise(ex)
  assert(ex.prompt and ex.answer and ex.check, 'an exercise needs prompt, answer and check')
  print('')
  print('Exercise: ' .. ex.prompt)
  if self.auto then
    try_wrong_answers(self, ex)
    local ok, err = attempt(self, ex, ex.answer)
    self:check(ok, 'the model answer failed: ' .. ex.answer .. (err and (' (' .. err .. ')') or ''))
    print('   (answered: ' .. ex.answer .. ')')
    return
  end
  local hints = ex.hints or {}
  local next_hint = 1
  local mistake_hint = nil  -- the hint for the mistake just made, shown first
  while true do
    local line = ask_code('exercise> ')
    if line:match('^%s*$') then  -- an empty Enter is not an attempt: ask again
    elseif line:match('^%s*hint%s*$') then
      if mistake_hint then
        print_wrapped(mistake_hint)
        mistake_hint = nil
      else
        print_wrapped(hints[next_hint] or ('The answer: ' .. ex.answer))
        next_hint = next_hint + 1
      end
    elseif line:match('^%s*skip%s*$') then
      attempt(self, ex, ex.answer)
      print('The answer was: ' .. ex.answer)
      return
    else
      local ok, err, results, reason, hint = attempt(self, ex, line)
      if ok then print('Right.') return end
      mistake_hint = hint
      if results and results.n > 1 then show(table.unpack(results, 2, results.n)) end
      if is_interrupt(err) then
        local where = err:match('stopped in (epoch %d+ of %d+, after %d+ of %d+ batches)')
        print('(stopped by Ctrl-C' .. (where and (' in ' .. where .. '; the model keeps ' ..
              'what it learned so far') or '') .. '; try again, or type skip)')
      elseif err then
        print(nn.tips.wrap('error: ' .. err, 0, '  '))
      else
        print(nn.tips.wrap('Not yet' .. (reason and (': ' .. reason) or '.') ..
                           ' (type hint for a hint, skip to see the answer)', 0, '  '))
      end
      if not is_interrupt(err) then tip(self, line, err) end
    end
  end
end

function Lesson:view(name, opts)
  opts = opts or {}
  -- x, example, class: the saliency view's examples, the one explained, its class;
  -- unit: the first unit (lstm view) or channel (featuremaps) shown
  local picture = {model = opts.model, layer = opts.layer, width = opts.width or 100,
                   height = opts.height or 30, x = opts.x, example = opts.example,
                   class = opts.class, unit = opts.unit,
                   keys = ''}  -- a picture: no key works in it
  if self.auto or not nn.viz.open then
    print(nn.viz.snapshot(name, picture))
    return
  end
  print('(the visualizer opens on the ' .. name .. ' view: look around, then press q)')
  pause(self, '   [Enter] ')
  -- env: a line typed at the view's ':' sees the lesson's variables
  if not pcall(nn.viz.open, opts.model, {view = name, layer = opts.layer, env = self.env,
                                            unit = opts.unit,
                                            x = opts.x, example = opts.example, class = opts.class}) then
    print(nn.viz.snapshot(name, picture))  -- no terminal: a picture
  end
end

-- The x axis's labels, one line as wide as the plot: `from` at the left
-- edge, `to` at the right edge, and between them 0 under the y axis when
-- the range holds it, else the value at the middle (each where it is).
local function x_labels(from, to, width, col_of)
  local line = {}
  for c = 1, width do line[c] = ' ' end
  local function put(text, first)
    for i = 1, #text do line[first + i - 1] = text:sub(i, i) end
  end
  local left, right = string.format('%g', from), string.format('%g', to)
  put(left, 1)
  put(right, width - #right + 1)
  local middle = (from < 0 and to > 0) and 0 or (from + to) / 2
  local label = string.format('%g', middle)
  local first = col_of(middle) - (#label - 1) // 2  -- centred on its column
  if first > #left + 1 and first + #label < width - #right + 1 then put(label, first) end
  return table.concat(line)
end

-- L:plot(f, from, to, bottom, top): a text plot of f over [from, to], the
-- y axis from bottom to top, drawn with * (steep parts joined up). Or
-- L:plot({{'M', f}, {'C', g}}, ...): several functions, each with its letter.
-- opts: width (61), height (13 for one function, 15 for several). A lesson
-- hands it to the learner with: L.env.plot = function(...) return L:plot(...) end
function Lesson:plot(what, from, to, bottom, top, opts)
  opts = opts or {}
  local curves = type(what) == 'function' and {{'*', what, join = true}} or what
  local width, height = opts.width or 61, opts.height or (#curves > 1 and 15 or 13)
  local grid = {}
  for r = 1, height do
    grid[r] = {}
    for c = 1, width do grid[r][c] = ' ' end
  end
  local function row_of(y) return math.floor((top - y) / (top - bottom) * (height - 1) + 0.5) + 1 end
  local function col_of(x) return math.floor((x - from) / (to - from) * (width - 1) + 0.5) + 1 end
  local r0, c0 = row_of(0), col_of(0)
  if r0 >= 1 and r0 <= height then for c = 1, width do grid[r0][c] = '-' end end
  if c0 >= 1 and c0 <= width then for r = 1, height do grid[r][c0] = '|' end end
  if grid[r0] and grid[r0][c0] then grid[r0][c0] = '+' end
  for _, curve in ipairs(curves) do
    local letter, f, last = curve[1], curve[2], nil
    for c = 1, width do
      local r = row_of(f(from + (c - 1) * (to - from) / (width - 1)))
      local start = r  -- join a steep curve to the column before
      if curve.join and last and r > last then start = last + 1
      elseif curve.join and last and r < last then start = last - 1 end
      for k = math.min(start, r), math.max(start, r) do
        if k >= 1 and k <= height then grid[k][c] = letter end
      end
      last = r
    end
  end
  for r = 1, height do
    local label = ''
    if r == 1 then label = string.format('%g', top)
    elseif r == height then label = string.format('%g', bottom)
    elseif r == r0 then label = '0' end
    print(string.format('%7s %s', label, table.concat(grid[r])))
  end
  print(string.rep(' ', 8) .. x_labels(from, to, width, col_of))
end

-- ---- finding, listing and remembering lessons ----

-- Files go through nn.lessons.files (C: opendir, mkdir, open), never a shell.
local function lesson_files()
  local files = {}
  local dir = M.dir or 'lessons'
  local names, why = M.files.list(dir)
  if not names then error('lessons: ' .. why, 0) end
  for _, name in ipairs(names) do
    local number = name:match('^(%d%d)_[%w_]+%.lua$')
    if number then files[tonumber(number)] = dir .. '/' .. name end
  end
  return files
end

-- The file of finished lessons, or nil and why there is none.
local function progress_file()
  local dir, why = M.files.state_dir()
  if not dir then return nil, why end
  return dir .. '/lessons'
end

local function finished()
  local done = {}
  local path = progress_file()
  local lines = path and M.files.read_lines(path) or {}
  for _, line in ipairs(lines) do done[tonumber(line) or -1] = true end
  return done
end

local function remember_finished(n)
  local path, why = progress_file()
  local ok = false
  if path then ok, why = M.files.append_line(path, tostring(n)) end
  if not ok then print('(not remembered as done: ' .. why .. ')') end
end

local function load_lesson(file)
  local chunk, err = loadfile(file, 't')
  if not chunk then error('lesson: ' .. err, 0) end
  local lesson = chunk()
  assert(type(lesson) == 'table' and lesson.title and lesson.run, file .. ': not a lesson')
  return lesson
end

-- The groups of the course, in the order they are listed; a lesson names
-- its group (group = 'CNN') and the lessons it builds on (requires = {7}).
-- A lesson without a group, or with another one, is listed last, under
-- "More"; without requires, it needs none.
local GROUPS = {{'basics', 'Basics'}, {'CNN', 'Convolutional networks (CNN)'},
                {'RNN', 'Recurrent networks (RNN)'}, {'practice', 'In practice'}}

-- "1, 2 and 5" (for "take lessons 1, 2 and 5 first").
local function and_list(numbers)
  local words = {}
  for i, n in ipairs(numbers) do words[i] = tostring(n) end
  if #words <= 1 then return words[1] or '' end
  return table.concat(words, ', ', 1, #words - 1) .. ' and ' .. words[#words]
end

local function requirements(lesson)
  local list = {}
  for _, n in ipairs(type(lesson.requires) == 'table' and lesson.requires or {}) do
    if math.tointeger(n) then list[#list + 1] = math.tointeger(n) end
  end
  return list
end

-- The listing's lines: a heading per group (its lessons and minutes), then
-- one line per lesson: done or not, number, title, minutes, prerequisites.
-- Lessons are given as {number = lesson}; done as {number = true}.
local function listing(lessons, done)
  local known, groups = {}, {}
  for _, g in ipairs(GROUPS) do known[g[1]] = true end
  for n = 1, 99 do
    local lesson = lessons[n]
    if lesson then
      local key = known[lesson.group] and lesson.group or 'more'
      groups[key] = groups[key] or {}
      table.insert(groups[key], n)
    end
  end
  local lines = {}
  for _, g in ipairs({GROUPS[1], GROUPS[2], GROUPS[3], GROUPS[4], {'more', 'More'}}) do
    local numbers = groups[g[1]]
    if numbers then
      local minutes = 0
      for _, n in ipairs(numbers) do minutes = minutes + (lessons[n].minutes or 10) end
      if #lines > 0 then lines[#lines + 1] = '' end
      lines[#lines + 1] = string.format('%s: %d lesson%s, %d min', g[2], #numbers,
                                        #numbers == 1 and '' or 's', minutes)
      for _, n in ipairs(numbers) do
        local lesson, after = lessons[n], requirements(lessons[n])
        local line = string.format('  %s %2d. %-56s %2d min', done[n] and '✓' or ' ', n,
                                   lesson.title, lesson.minutes or 10)
        if #after > 0 then line = line .. '  after ' .. and_list(after) end
        lines[#lines + 1] = line
      end
    end
  end
  return lines
end

local function load_all(files)
  local lessons = {}
  for n = 1, 99 do
    if files[n] then lessons[n] = load_lesson(files[n]) end
  end
  return lessons
end

function M.list()
  local files = lesson_files()
  if next(files) == nil then
    print('no lessons found in ' .. (M.dir or 'lessons'))
    return
  end
  for _, line in ipairs(listing(load_all(files), finished())) do print(line) end
  print(NL .. 'Start one with nnstep --lesson N (or :lesson N at the REPL). ✓: finished.')
end

-- Started before the lessons it builds on: one line saying which to take
-- first; the lesson goes on (a learner may know the matter already).
local function advise_prerequisites(n, lesson)
  local missing, done = {}, finished()
  for _, r in ipairs(requirements(lesson)) do
    if not done[r] then missing[#missing + 1] = r end
  end
  if #missing == 0 then return end
  -- two lines, so that it fits an 80-column terminal
  print(string.format('(Lesson %d builds on lesson%s %s, which you have not finished:', n,
                      #missing == 1 and '' or 's', and_list(missing)))
  print(string.format(' you may want to take %s first. Going on.)', #missing == 1 and 'it' or 'them'))
end

function M.start(number, opts)
  opts = opts or {}
  local n = math.tointeger(tonumber(number))
  local files = lesson_files()
  if not n or not files[n] then  -- the learner's mistake: a message, not an error with a traceback
    return nil, string.format('lesson: there is no lesson %s (nnstep --lessons lists them)',
                              tostring(number))
  end
  local lesson = load_lesson(files[n])
  local L = setmetatable({auto = opts.auto or false, number = n}, Lesson)
  L.env = setmetatable({}, {__index = _G})
  print(string.format('Lesson %d: %s%s', n, lesson.title, L.auto and '  (unattended)' or ''))
  if not L.auto then
    print('(type :quit at any prompt to leave the lesson)')
    advise_prerequisites(n, lesson)
  end
  nn.seed(n)  -- the same numbers every time the lesson runs
  -- while it runs, the debugger's commands and the visualizer's ':' line
  -- see the lesson's variables (debugger.lua, viz.lua, repl.c)
  local outer = M.env
  M.env = L.env
  local ok, err = pcall(lesson.run, L)
  M.env = outer
  if not ok then
    if err == LeaveLesson then print(NL .. 'Left lesson ' .. n .. '.') return false end
    if is_interrupt(err) then print(NL .. 'Left lesson ' .. n .. ' (Ctrl-C).') return false end
    if not L.auto then  -- a learner gets one line, not a traceback
      print(NL .. 'Lesson ' .. n .. ' stopped: ' .. one_line(err))
      return false
    end
    error(err, 0)
  end
  print(NL .. string.format('Lesson %d is done.', n))
  if not L.auto then remember_finished(n) end
  return true
end

return M
