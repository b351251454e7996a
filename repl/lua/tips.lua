-- tips.lua: a one-line tip after a learner's line that did not do what a
-- habit from Python (NumPy, PyTorch) or a decimal comma expected:
--
--   lesson> opt = SGD(learning_rate = 0.01)
--   error: lesson:1: ')' expected near '='
--   tip: in Lua, write nn.optimizers.SGD{learning_rate = 0.01}: named arguments
--        go in a table, in braces
--
-- Some of these habits raise an error (the tip explains it); some run and
-- silently do something else (w3 = 0,561 sets w3 to 0; x = True sets x to
-- nil), so a line that ran is looked at too. Each tip is a row of one
-- table: a pattern for the line, one for the error (or `always = true`:
-- whether it raised one or not), and the tip, a text or a function of the
-- captures (the line's, or the error's when the row has no line pattern)
-- that returns the text, or nil: no tip after all.
--
-- Used by the lesson runner (lessons.lua, at every prompt) and the REPL
-- (repl.c, after a line typed at nn>). tests/lua/tips.lua tries each row.
-- This file is compiled into nnstep (lua2c.awk): no backslashes in it.
local nn = ...

local M = {}

-- A key of t that differs from name only in case (adam -> Adam), or nil.
local function other_case(t, name)
  if type(t) ~= 'table' then return nil end
  local lower = name:lower()
  for key in pairs(t) do
    if type(key) == 'string' and key ~= name and key:lower() == lower then return key end
  end
end

-- The path's value, through plain tables only (no metamethods run): nn,
-- then nn.optimizers, ... (env: the learner's variables, for the first
-- name). Returns the value, or nil and the last table reached with the
-- name that was missing in it, and the path up to there.
local function walk(path, env)
  local names = {}
  for name in path:gmatch('[%a_][%w_]*') do names[#names + 1] = name end
  local value, reached = env[names[1]], names[1]
  for i = 2, #names do
    if type(value) ~= 'table' then return nil end
    local nextv = rawget(value, names[i])
    if nextv == nil then return nil, value, names[i], reached end
    value, reached = nextv, reached .. '.' .. names[i]
  end
  return value
end

-- "nn.optimizers.adam" anywhere in the line, with a name in the wrong
-- case: the right one.
local function wrong_case_path(line, env)
  for path in line:gmatch('[%a_][%w_]*%.[%a_][%w_%.]*') do
    local value, parent, missing, reached = walk(path, env)
    local right = value == nil and missing and other_case(parent, missing)
    if right then
      return string.format('in Lua, write %s.%s (names are case-sensitive; %s has no %s)',
                           reached, right, reached, missing)
    end
  end
end

-- Where does a bare name live: nn.SGD -> nn.optimizers.SGD.
local function full_name(name)
  if rawget(nn, name) ~= nil then return 'nn.' .. name end
  for _, part in ipairs({'optimizers', 'losses', 'callbacks', 'layers'}) do
    local t = rawget(nn, part)
    if type(t) == 'table' and rawget(t, name) ~= nil then return 'nn.' .. part .. '.' .. name end
  end
  return name
end

-- The value of a dotted name the learner typed (dense_1.kernel), or nil:
-- only names and dots, read in the learner's variables; nothing is called.
local function value_of(path, env)
  if not path:match('^[%a_][%w_]*[%w_%.]*$') then return nil end
  local chunk = load('return ' .. path, '=tip', 't', env)
  local ok, value = pcall(chunk)
  return ok and value or nil
end

-- A tensor's shape as the learner reads it: "2x1", or nil for no tensor.
local function shape_of(value)
  local ok, shape = pcall(function() return value.shape end)
  if not ok or type(shape) ~= 'table' or type(value) ~= 'userdata' then return nil end
  return shape
end

-- Does the name found at position `at` start there (m.layers[1].bias is
-- not the variable bias)?
local function whole_name(line, at)
  return at == 1 or not line:sub(at - 1, at - 1):match('[%w_%.%]:]')
end

local PYTHON_MATH = {max = 1, min = 1, abs = 1, exp = 1, log = 1, sqrt = 1, floor = 1,
                     ceil = 1, pow = 1}

-- The tip for Python's math function `name` (max, sqrt, pow ...).
local function math_tip(name)
  if name == 'pow' then return 'in Lua, write a^b for a power (or math.exp, math.log)' end
  return string.format('in Lua, write math.%s(...)', name)
end

-- The tip for Python's max(...) (sqrt, log ...) called bare in the line,
-- where nothing of that name is set: in a function body it raises no error
-- until the function is called. Not for x:max(), math.max(), nor a name
-- the line itself defines (local function max, function f(max)).
local function bare_math_call(line, env)
  for at, name in line:gmatch('()(%l+)%s*%(') do
    if PYTHON_MATH[name] and whole_name(line, at) and env[name] == nil then
      local defined = line:find('local%s+[%w_,%s]-%f[%w_]' .. name .. '%f[^%w_]') or
                      line:find('function%s+' .. name .. '%f[^%w_]') or
                      line:find('function%s*[%w_.:]*%s*%([%w_,%s]-%f[%w_]' .. name .. '%f[^%w_]')
      if not defined then return math_tip(name) end
    end
  end
end

-- (local: tests/lua/abuse.lua calls every function in nn's tables)
local rows = {
  {name = 'decimal comma', always = true,
   line = '^%s*([%a_][%w_%.]*)%s*=%s*(%-?%d+),(%d+)%s*;?%s*$',
   tip = function(name, whole, fraction)
     if #fraction == 3 and whole:match('^%-?[1-9]%d?%d?$') then  -- 18,496: as m:summary writes it
       return string.format('Lua numbers have no thousands separator: %s = %s%s (for a decimal, ' ..
                            '%s.%s; with a comma, %s got %s and the %s after it went nowhere)',
                            name, whole, fraction, whole, fraction, name, whole, fraction)
     end
     return string.format('Lua writes decimals with a point: %s = %s.%s (with a comma, %s got %s ' ..
                          'and the %s after it went nowhere)', name, whole, fraction, name, whole,
                          fraction)
   end},
  {name = 'named arguments', line = '([%a_][%w_%.:]*)%(([^()]-[%a_][%w_]*%s*=[^=].-)%)',
   error = "expected near '='",
   tip = function(callee, args, env)
     if not args:match('^%s*[%a_][%w_]*%s*=') then  -- f(x, stride=2): some in order, some named
       return 'Lua has no keyword arguments: pass the values in order, f(x, 2), or the ' ..
              'options as a table, f(x, {name = value})'
     end
     local object, method = callee:match('^([%a_][%w_]*)%.([%a_][%w_]*)$')
     if object and type(env[object]) == 'userdata' then  -- a model's method: m:compile
       callee = object .. ':' .. method
     elseif not callee:find('[.:]') then  -- SGD -> nn.optimizers.SGD
       callee = full_name(callee)
     end
     return string.format('in Lua, write %s{%s}: named arguments go in a table, in braces',
                          callee, args)
   end},
  {name = 'True, False, None', always = true, line = '%f[%w_]([TFN]%l%l%l%l?)%f[^%w_]',
   tip = function(_, env, line)
     for word in line:gmatch('%f[%w_]([TFN]%l%l%l%l?)%f[^%w_]') do
       local lua = ({True = 'true', False = 'false', None = 'nil'})[word]
       if lua and env[word] == nil then
         return string.format('in Lua, write %s (lower case): %s is a variable nobody set, so nil',
                              lua, word)
       end
     end
   end},
  {name = 'len', line = '%f[%w_]len%s*%(', error = "global 'len'",
   tip = 'in Lua, write #t for the length of a table; for a tensor x, x:numel() counts its ' ..
         'numbers and x.shape[1] is its first size'},
  {name = 'math functions', error = "global '(%l+)'",
   tip = function(name, env)
     if not PYTHON_MATH[name] or env[name] ~= nil then return nil end
     return math_tip(name)
   end},
  -- function relu(z) return max(0, z) end runs (max is only looked up
  -- when relu is called, maybe by an exercise's check): the tip comes now.
  -- (A line that failed gets the tip for its error, from the other rows.)
  {name = 'math functions in a line that ran', always = true, line = '%f[%l]%l+%s*%(',
   tip = function(_, env, line, err)
     if err == nil then return bare_math_call(line, env) end
   end},
  {name = 'range', line = '%f[%w_]range%s*%(', error = "global 'range'",
   tip = 'in Lua, loop with for i = 1, n do ... end (from 1 to n, both included)'},
  {name = 'print a shape', always = true, line = 'print%s*%(%s*([%a_][%w_%.]*)%.shape%s*%)',
   tip = function(x)
     return string.format('%s.shape is a Lua table, which print shows as an address: type ' ..
                          '%s.shape alone (the prompt shows its contents, {2, 3})', x, x)
   end},
  {name = 'shape as a function', line = '([%a_][%w_%.]*)%.shape%s*%(%s*%)',
   error = "call a table value %(field 'shape'%)",
   tip = function(x) return string.format('in Lua, write %s.shape (a table, not a function)', x) end},
  {name = 'method with a dot', line = '([%a_][%w_]*)%.(%a+)%s*%(', error = 'argument #1: expected',
   tip = function(x, method, env, _, err)
     -- a tensor's or a model's method (userdata), named by the error: not nn.Dense(...)
     if type(env[x]) ~= 'userdata' or not tostring(err):find(method .. ':', 1, true) then return nil end
     return string.format('in Lua, call a method with a colon: %s:%s(...)', x, method)
   end},
  {name = 'power', line = '%*%*', error = '.',
   tip = 'in Lua, write a^b for a power (x^2), not a**b'},
  {name = 'not equal', line = '!=', error = '.',
   tip = 'in Lua, write a ~= b for "not equal"'},
  {name = 'and, or', line = '[&|][&|]', error = '.',
   tip = 'in Lua, write and, or, not (not &&, ||, !)'},
  {name = 'elif', line = '%f[%w_]elif%f[^%w_]', error = '.', tip = 'in Lua, write elseif'},
  {name = 'def', line = '^%s*def%s+([%a_][%w_]*)%s*%((.-)%)', error = '.',
   tip = function(name, args)
     return string.format('in Lua, write function %s(%s) ... end', name, args)
   end},
  {name = 'import', line = '^%s*(%l+)%s+[%a_]', error = '.',
   tip = function(word)
     if word ~= 'import' and word ~= 'from' then return nil end
     return 'nothing to import: nn is here already (nn.Dense, nn.ones, nn.datasets, ...)'
   end},
  {name = 'two indices on a vector', line = '()([%a_][%w_%.]*)%[%s*%d+%s*%]%s*%[',
   error = 'attempt to index a number value',
   tip = function(at, name, env, line)
     if not whole_name(line, at) then return nil end
     local shape = shape_of(value_of(name, env))
     if not shape or #shape ~= 1 then return nil end
     return string.format('%s is 1-D (%d number%s): it takes one index, %s[i], i from 1 to %d',
                          name, shape[1], shape[1] == 1 and '' or 's', name, shape[1])
   end},
  {name = 'tuple', line = '%(%s*[^(){}=]-,[^(){}]-%)', error = "'%)' expected near ','",
   tip = 'Lua has no tuples: a list or a shape is a table, {3, 3}; several results are ' ..
         'assigned as a, b = f()'},
  {name = 'NumPy index', line = '([%a_][%w_%.]*)%[%s*([^%[%],]+),%s*([^%[%],]+)%]', error = "']' expected",
   tip = function(name, i, j)  -- t[2, 3]: a syntax error in Lua
     return string.format('in Lua, one index per bracket: %s[%s][%s] (row, then column)', name,
                          i:match('^(.-)%s*$'), j:match('^(.-)%s*$'))
   end},
  {name = 'matmul operator', line = '([%a_][%w_%.]*)%s*@%s*([%a_][%w_%.]*)', error = "near '@'",
   tip = function(a, b)  -- NumPy's a @ b; t.T for the transpose
     local function lua(x) return (x:gsub('%.T$', ':transpose()')) end
     return string.format('in Lua, write %s:matmul(%s) for a @ b (and t:transpose() for t.T)',
                          lua(a), lua(b))
   end},
  {name = 'a word without quotes', always = true,  -- gate = o: o is no variable, so gate is nil
   line = '^%s*([%a_][%w_]*)%s*=%s*([%a_][%w_]*)%s*;?%s*$',
   tip = function(name, word, env)
     local keywords = {['nil'] = true, ['true'] = true, ['false'] = true}
     if keywords[word] or value_of(word, env) ~= nil then return nil end
     return string.format("%s is not a variable, so %s is now nil; for the text, write %s = '%s'",
                          word, name, name, word)
   end},
  {name = 'index 0', line = '%[%s*0%s*%]', error = '.',
   tip = 'Lua counts from 1: the first element is [1] (x.shape[1] is the first size)'},
}

-- The row's captures: from the line (row.line), else from the error.
local function captures_of(row, line, err)
  if row.line then return table.pack(line:match(row.line)) end
  return table.pack(tostring(err):match(row.error))
end

-- The tip for a line, or nil. err: the error it raised, or nil if it ran.
-- env: the learner's variables (default: the globals). A tip function
-- gets the captures, then env, the line and the error.
function M.find(line, err, env)
  if type(line) ~= 'string' then return nil end
  env = env or _G
  for _, row in ipairs(rows) do
    local applies = row.always or
                    (row.error and err ~= nil and tostring(err):find(row.error) ~= nil)
    local captures = applies and captures_of(row, line, err)
    if captures and captures[1] ~= nil then
      local text = row.tip
      if type(text) == 'function' then
        local n = captures.n
        captures[n + 1], captures[n + 2], captures[n + 3] = env, line, err
        text = text(table.unpack(captures, 1, n + 3))
      end
      if text then return text end
    end
  end
  -- nn.optimizers.adam for Adam, nn.dense for Dense: an error, or a nil
  return wrong_case_path(line, env)
end

-- text broken between words into lines that fit 79 columns, the first
-- after `used` columns (a prompt already on that line), the later ones
-- after `indent`, so that an 80-column terminal cuts no word in two.
function M.wrap(text, used, indent)
  text, indent = tostring(text), type(indent) == 'string' and indent or ''  -- never an error
  local lines, current, room = {}, nil, 79 - (math.tointeger(used) or 0)
  for word in text:gmatch('%S+') do
    if current and #current + 1 + #word > room then
      lines[#lines + 1] = current
      current, room = indent .. word, 79
    else
      current = current and (current .. ' ' .. word) or word
    end
  end
  lines[#lines + 1] = current or ''
  return table.concat(lines, string.char(10))
end

-- The tip as the learner sees it: 'tip: ' and the text, in lines of at
-- most 79 columns (the later ones indented). nil: no tip.
function M.show(line, err, env)
  local text = M.find(line, err, env)
  return text and M.wrap('tip: ' .. text, 0, '     ')
end

return M
