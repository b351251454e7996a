-- commands.lua: the ':' commands are declared once (repl/lua/commands.lua,
-- with the debugger's rows from repl/lua/debugger.lua); the man page is
-- written by hand, so this test ties it to that table.
local t = require 'tap'

local rows, by_name = nn.commands.rows, nn.commands.by_name

-- ---- the table ----

local seen, names = {}, {}
for _, row in ipairs(rows) do
  for _, name in ipairs({row.name, table.unpack(row.aliases or {})}) do
    t.ok(not seen[name], string.format(':%s is declared once', name))
    seen[name] = true
    names[#names + 1] = name
    t.is(by_name[name], row, string.format(':%s runs its row', name))
  end
  t.ok(type(row.args) == 'string' and type(row.help) == 'string' and row.help ~= '',
       string.format(':%s has its arguments and a line of help', row.name))
  t.ok(row.quits or type(row.run) == 'function', string.format(':%s runs something', row.name))
end
local count = 0
for _ in pairs(by_name) do count = count + 1 end
t.is(count, #names, 'by_name holds the names and aliases of the rows, nothing else')

-- The lessons' prompt runs the debugger's commands, aliases included.
t.ok(nn.debugger.is_command('step') and nn.debugger.is_command('s'), 'the lessons know :step and :s')
t.ok(not nn.debugger.is_command('quit'), 'but not the REPL\'s own :quit')

-- ---- the man page lists every command, and no other ----

local file = assert(io.open((os.getenv('srcdir') or '.') .. '/nnstep.1'))
local page = file:read('a')
file:close()
local section = page:match('%.SH COMMANDS(.-)%.SH ')
t.ok(section ~= nil, 'nnstep.1 has a COMMANDS section')
section = section or ''

-- A command's entry starts a line: .B :finish, .BR :next ", " :n, .BI :delete " n" ...
local listed = {}
for line in section:gmatch('[^\n]+') do
  if line:match('^%.B[RI]? :%a') then
    for name in line:gmatch(':(%a+)') do listed[name] = true end
  end
end
for _, name in ipairs(names) do
  t.ok(listed[name], string.format('nnstep.1 lists :%s', name))
end
for name in pairs(listed) do
  t.ok(by_name[name] ~= nil, string.format(':%s, in nnstep.1, is a command', name))
end

t.done_testing()
