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

local Lesson = {}
Lesson.__index = Lesson

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
local function ask_code(prompt)
  while true do
    local line = ask(prompt)
    local name, args = line:match('^%s*:(%a+)%s*(.-)%s*$')
    if not (name and nn.debugger.is_command(name)) then
      while incomplete(line) do line = line .. NL .. ask('   >> ') end
      return line
    end
    local ok, err = pcall(nn.debugger.command, name, args)
    if not ok then print('error: ' .. tostring(err)) end
  end
end

-- After Ctrl-C stopped some code, the lesson goes on; its later checks may
-- no longer hold (a model trained for less), so they only warn (L:check).
local function interrupted(L)
  L.interrupted = true
  print('(stopped by Ctrl-C; the model keeps what it learned so far. The lesson goes on.)')
end

-- A Python habit behind an error, and its Lua spelling (or nil): floor(x)
-- is math.floor(x), f(a, stride=2) has no keyword arguments in Lua,
-- (3, 3) is no tuple.
local function python_tip(line, err)
  local name = err:match("call a nil value %(global '([%w_]+)'%)")
  if name and type(math[name]) == 'function' then
    return name .. ' is math.' .. name .. ' in Lua: math.' .. name .. '(...)'
  elseif name == 'len' then
    return 'len(t) is #t in Lua'
  elseif name == 'range' then
    return 'range is a numeric for in Lua: for i = 1, n do ... end'
  end
  if err:find("expected near '='", 1, true) and line:find('%(.*[%w_]%s*=[^=]') then
    return 'Lua has no keyword arguments: pass the values in order, f(x, 2),' .. NL ..
           ' or the options as a table, f(x, {name = value}) or f{name = value}'
  end
  if err:find("')' expected near ','", 1, true) and line:find('%(%s*[^(){}]-,') then
    return 'Lua has no tuples: a list or a shape is a table, {3, 3}; several' .. NL ..
           ' results are assigned as a, b = f()'
  end
end

-- An error as the learner sees it, with the Lua spelling of a Python habit.
local function show_error(line, err)
  print('error: ' .. err)
  local tip = python_tip(line, err)
  if tip then print('(' .. tip .. ')') end
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

-- Run a line the learner typed and show what it gives, or its error.
local function run_typed(L, line)
  local results = table.pack(pcall(run_line, L, line))
  if results[1] then
    show(table.unpack(results, 2, results.n))
  elseif is_interrupt(results[2]) and not L.auto then
    interrupted(L)
  else
    show_error(line, tostring(results[2]))
  end
end

-- A line typed at a page's [Enter] runs, as at the prompts (never dropped
-- silently), and the page waits again.
function Lesson:page(text)
  print('')
  print((text:gsub('^' .. NL, ''):gsub(NL .. '$', '')))
  if self.auto then return end
  while true do
    local line = ask_code(NL .. '   [Enter] ')
    if line:match('^%s*$') then return end
    if line:match('^%s*hint%s*$') or line:match('^%s*skip%s*$') then
      print('(hint and skip are for exercises; a page waits for Enter, and runs a line you type)')
    else
      run_typed(self, line)
    end
  end
end

function Lesson:run(code)
  local results = table.pack(pcall(run_line, self, code))
  if results[1] then return table.unpack(results, 2, results.n) end
  if self.auto or not is_interrupt(results[2]) then error(results[2], 0) end
  interrupted(self)
end

function Lesson:try(code, why)
  print('')
  if why then print(why) end
  print('   try:  ' .. code)
  local line = code
  if not self.auto then
    line = ask_code('lesson> ')
    while line:match('^%s*hint%s*$') or line:match('^%s*skip%s*$') do  -- an exercise's words
      print('(hint and skip are for exercises; here Enter runs the line above, or type your own)')
      line = ask_code('lesson> ')
    end
    if line:match('^%s*$') then line = code end
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

-- A check may also say what is wrong, and give a hint for that mistake:
-- return false, 'a has shape (4, 3)', 'nn.ones takes rows first'.
local function attempt(L, ex, code)
  local results = table.pack(pcall(run_line, L, code))
  if not results[1] then return false, tostring(results[2]) end
  local ran, ok, reason, hint = pcall(ex.check, L.env)
  if not ran then return false, tostring(ok), results end
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
        print(mistake_hint)
        mistake_hint = nil
      else
        print(hints[next_hint] or ('The answer: ' .. ex.answer))
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
        print('(stopped by Ctrl-C; try again, or type skip)')
      elseif err then
        show_error(line, err)
      else
        print('Not yet' .. (reason and (': ' .. reason) or '.') ..
              ' (type hint for a hint, skip to see the answer)')
      end
    end
  end
end

function Lesson:view(name, opts)
  opts = opts or {}
  -- x, example, class: the saliency view's examples, the one explained, its class;
  -- unit: the first unit (lstm view) or channel (featuremaps) shown
  local picture = {model = opts.model, layer = opts.layer, width = opts.width or 100,
                   height = opts.height or 30, x = opts.x, example = opts.example,
                   class = opts.class, unit = opts.unit}
  if self.auto or not nn.viz.open then
    print(nn.viz.snapshot(name, picture))
    return
  end
  print('(the visualizer opens on the ' .. name .. ' view: look around, then press q)')
  ask('   [Enter] ')
  -- env: a line typed at the view's ':' sees the lesson's variables
  if not pcall(nn.viz.open, opts.model, {view = name, layer = opts.layer, env = self.env,
                                            unit = opts.unit,
                                            x = opts.x, example = opts.example, class = opts.class}) then
    print(nn.viz.snapshot(name, picture))  -- no terminal: a picture
  end
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
  local half = (width - 1) // 2
  print(string.rep(' ', 8) .. string.format('%-' .. half .. 's%-' .. half .. 's%s',
                                            string.format('%g', from), '0', string.format('%g', to)))
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

function M.list()
  local files, done = lesson_files(), finished()
  if next(files) == nil then
    print('no lessons found in ' .. (M.dir or 'lessons'))
    return
  end
  for n = 1, 99 do
    if files[n] then
      local lesson = load_lesson(files[n])
      print(string.format('%s %2d. %-60s %2d min', done[n] and '✓' or ' ', n, lesson.title,
                          lesson.minutes or 10))
    end
  end
  print(NL .. 'Start one with: nnstep --lesson N  (or :lesson N at the REPL)')
end

function M.start(number, opts)
  opts = opts or {}
  local n = math.tointeger(tonumber(number))
  local files = lesson_files()
  if not n or not files[n] then
    error(string.format('lesson: there is no lesson %s (nnstep --lessons lists them)', tostring(number)), 0)
  end
  local lesson = load_lesson(files[n])
  local L = setmetatable({auto = opts.auto or false, number = n}, Lesson)
  L.env = setmetatable({}, {__index = _G})
  print(string.format('Lesson %d: %s%s', n, lesson.title, L.auto and '  (unattended)' or ''))
  if not L.auto then print('(type :quit at any prompt to leave the lesson)') end
  nn.seed(n)  -- the same numbers every time the lesson runs
  local ok, err = pcall(lesson.run, L)
  if not ok then
    if err == LeaveLesson then print(NL .. 'Left lesson ' .. n .. '.') return false end
    if is_interrupt(err) then print(NL .. 'Left lesson ' .. n .. ' (Ctrl-C).') return false end
    if not L.auto then  -- a learner gets one line, not a traceback
      print(NL .. 'Lesson ' .. n .. ' stopped: ' .. tostring(err))
      return false
    end
    error(err, 0)
  end
  print(NL .. string.format('Lesson %d is done.', n))
  if not L.auto then remember_finished(n) end
  return true
end

return M
