-- commands.lua: the REPL's ':' commands, each declared once, as a row:
--
--   {name = 'back', args = '[n]', help = 'one line for :help', aliases = {'b'},
--    run = function(args) ... end}
--
-- args is the text after the command's name, without leading blanks. The
-- rows here are the REPL's own (:help, :quit, :lesson, :viz); the debugger's
-- (:debug, :step ...) are declared beside their methods in debugger.lua and
-- listed here in their place. Everything that knows the commands reads
-- this table: the REPL's ':' dispatch (commands.c), Tab completion
-- (complete.c), the visualizer's command line (repl.c), :help's list, and
-- the test that the man page lists every command (tests/lua/commands.lua).
-- Commands are for the learner at the keyboard; everything they do is also
-- reachable from Lua (help(topic), os.exit()), so scripts never need them.
--
-- This file is compiled into nnstep (lua2c.awk) and receives the nn table,
-- with nn.debugger, nn.viz and nn.lessons already in it, as its argument.
local nn = ...
local debugger, viz, lessons = nn.debugger, nn.viz, nn.lessons
local stdout = io.stdout  -- not print, which the visualizer sends to its status line

local function say(text) stdout:write(text, string.char(10)) end

local M = {}

-- Shown by :help api.
local API_INTRO = [[
Everything else you type is Lua 5.4. An expression prints its value, and
_ holds the last value printed. At this prompt, `local m = ...` keeps m
for the lines that follow. The neural-network API is Keras's, in the
table nn (channels-last shapes, Keras's names and defaults):

  local m = nn.Sequential()
  m:add(nn.Conv2D(32, {3, 3}, {activation = 'relu', input_shape = {28, 28, 1}}))
  m:add(nn.MaxPooling2D({2, 2}))
  m:add(nn.Flatten())
  m:add(nn.Dense(10, {activation = 'softmax'}))
  m:compile{optimizer = 'adam', loss = 'categorical_crossentropy',
            metrics = {'accuracy'}}
  train, test = nn.datasets.fashion_mnist()
  m:fit(train.x, nn.utils.to_categorical(train.y, 10), {epochs = 1})

Tab completes names (nn.<Tab>, m:<Tab>). Ctrl-C stops a running chunk or a
training run and keeps the model. More in nnstep(1): man nnstep.
]]

local function list_commands()
  say("Commands (a line that starts with ':'):")
  for _, row in ipairs(M.rows) do
    say(string.format('  %-18s %s', ':' .. row.name .. ' ' .. row.args, row.help))
  end
  say('')
  say('Everything else you type is Lua. :help api shows the Lua API in brief;')
  say(":help nn.Conv2D (or help(nn.Conv2D)) one function's arguments.")
end

-- :help TOPIC hands the topic, as typed ("nn.Conv2D", "Dense"), to the Lua
-- function help() (help.c), which knows the layers and their arguments.
local function help(args)
  if args == '' then return list_commands() end
  if args == 'api' then return stdout:write(API_INTRO) end
  local topic = args:gsub('%s+$', '')
  local help_function = rawget(_G, 'help')  -- raw: looking it up must not run user code
  if type(help_function) ~= 'function' then
    say(string.format("no help for '%s' (help() is not available)", topic))
    return
  end
  help_function(topic)
end

M.rows = {
  {name = 'help', args = '[topic]', help = 'this list, or help on a layer or function (:help nn.Conv2D)',
   run = help},
  {name = 'quit', args = '', help = 'leave nnstep (also :q, :exit, or Ctrl-D)', aliases = {'q', 'exit'},
   quits = true},
  {name = 'lesson', args = '[N]', help = 'start lesson N; with no N, list the lessons',
   run = function(args)
     if args == '' then return lessons.list() end
     local ok, why = lessons.start(args)
     if ok == nil and why then error(why, 0) end  -- one line, as every command's error
     return ok
   end},
}
for _, row in ipairs(debugger.commands) do M.rows[#M.rows + 1] = row end
M.rows[#M.rows + 1] = {name = 'viz', args = '[MODEL[, X, Y]]',
                       help = "the visualizer: the model's views, stepped with single keys",
                       run = viz.command}

-- Every name a command answers to, aliases included: the row it runs.
M.by_name = {}
for _, row in ipairs(M.rows) do
  M.by_name[row.name] = row
  for _, alias in ipairs(row.aliases or {}) do M.by_name[alias] = row end
end

-- An error as a learner reads it: its first paragraph, one message, no
-- internal traceback (a bad :print argument is the learner's mistake, not
-- a bug in debugger.lua to trace).
function M.message(err)
  local text = tostring(err)
  local cut = text:find(string.char(10) .. 'stack traceback:', 1, true)
  text = cut and text:sub(1, cut - 1) or text
  -- where inside nnstep's own Lua it was raised is no help to the learner
  return (text:gsub('^%a+%.lua:%d+: ', ''))
end

-- Run the command `name` (a name or an alias, known to be one: commands.c
-- checks by_name first) with its arguments. True if the REPL should end.
-- Its error is reported here, in one line ("nnstep: break: no layer named
-- 'nowhere' (see :info layers)"), so that no traceback follows it.
function M.run(name, args)
  local row = M.by_name[name]
  if row.quits then return true end
  local ok, err = pcall(row.run, args)
  if not ok then
    stdout:flush()
    io.stderr:write('nnstep: ', M.message(err), string.char(10))
    io.stderr:flush()
  end
  return false
end

return M
