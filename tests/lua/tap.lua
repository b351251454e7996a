-- tap.lua: a tiny Test Anything Protocol library for nnstep's Lua tests.
--
--   local t = require 'tap'
--   t.ok(x > 0, 'x is positive')
--   t.is(t.shape, {2, 3}, 'shape')              -- tables compared deeply
--   t.is_near(math.pi, 3.1416, 1e-4, 'pi')      -- numbers, or tables of them
--   t.like(tostring(x), '^ 1  2', 'printed')    -- a Lua pattern
--   t.raises(function() f(-1) end, 'f: argument #1', 'rejects -1')
--   t.skip('reproducible', 'nn.seed is missing')
--   t.done_testing()                            -- or t.plan(n) first
--
-- Each check prints "ok N - name" or "not ok N - name" followed by "# got:"
-- and "# expected:" lines, which automake's tap-driver.sh reads. A file
-- with a failure exits with status 1 at done_testing(), so that running it
-- by hand also says whether it passed.
-- keep the real print, even if a test replaces the global one
local print = print

local M = {}

local count, failed, planned = 0, 0, nil

-- A value as a diagnostic line shows it: strings quoted, tables expanded.
local function show(value, depth)
  depth = depth or 0
  if type(value) == 'string' then
    return (string.format('%q', value):gsub('\\\n', '\\n'))  -- newlines as \n
  elseif type(value) ~= 'table' or depth > 3 then
    return tostring(value)
  end
  local parts = {}
  for i = 1, #value do
    parts[#parts + 1] = show(value[i], depth + 1)
  end
  for k, v in pairs(value) do
    if math.type(k) ~= 'integer' or k < 1 or k > #value then
      parts[#parts + 1] = '[' .. show(k) .. '] = ' .. show(v, depth + 1)
    end
  end
  return '{' .. table.concat(parts, ', ') .. '}'
end

-- Print every line of text as a TAP comment ("# ...").
function M.diag(text)
  for line in (tostring(text) .. '\n'):gmatch('(.-)\n') do
    print('# ' .. line)
  end
end

-- The one place a result is recorded; the other checks call it.
function M.ok(cond, name, ...)
  count = count + 1
  local line = (cond and 'ok ' or 'not ok ') .. count
  if name then
    line = line .. ' - ' .. tostring(name):gsub('\n', ' ')
  end
  print(line)
  if not cond then
    failed = failed + 1
    for _, text in ipairs({...}) do
      M.diag(text)
    end
  end
  return cond and true or false
end

-- Equal numbers, strings, booleans; tables with equal contents.
local function same(a, b, tolerance)
  if type(a) == 'number' and type(b) == 'number' then
    if a ~= a and b ~= b then return true end  -- NaN matches NaN here
    return math.abs(a - b) <= (tolerance or 0) or a == b
  end
  if type(a) ~= 'table' or type(b) ~= 'table' then
    return a == b
  end
  for k, v in pairs(a) do
    if not same(v, b[k], tolerance) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

function M.is(got, expected, name)
  return M.ok(same(got, expected), name,
              'got:      ' .. show(got), 'expected: ' .. show(expected))
end

-- Numbers (or tables of numbers) within tolerance of each other.
function M.is_near(got, expected, tolerance, name)
  return M.ok(same(got, expected, tolerance), name,
              'got:      ' .. show(got),
              'expected: ' .. show(expected) .. ' (within ' .. tostring(tolerance) .. ')')
end

-- A string that matches a Lua pattern.
function M.like(got, pattern, name)
  local matched = type(got) == 'string' and got:find(pattern) ~= nil
  return M.ok(matched, name, 'got:      ' .. show(got), 'expected to match: ' .. show(pattern))
end

-- fn() raises an error whose message contains `pattern`, as plain text or
-- as a Lua pattern. Returns the message, for further checks.
function M.raises(fn, pattern, name)
  local okay, err = pcall(fn)
  if okay then
    M.ok(false, name, 'got:      no error', 'expected: an error matching ' .. show(pattern))
    return nil
  end
  local message = tostring(err)
  local matched = message:find(pattern, 1, true) or message:find(pattern)
  M.ok(matched ~= nil, name, 'got:      ' .. show(message),
       'expected: an error matching ' .. show(pattern))
  return message
end

-- A check that cannot run here, counted as passing with the reason given.
function M.skip(name, reason)
  count = count + 1
  print(string.format('ok %d - %s # SKIP %s', count, name, reason))
end

function M.plan(n)
  planned = n
  print('1..' .. n)
end

-- End the file: print the plan if none was given, exit 1 on any failure.
function M.done_testing()
  if not planned then
    print('1..' .. count)
  elseif planned ~= count then
    M.diag(string.format('planned %d tests but ran %d', planned, count))
    failed = failed + 1
  end
  if failed > 0 then
    M.diag(string.format('%d of %d tests failed', failed, count))
  end
  io.stdout:flush()
  os.exit(failed > 0 and 1 or 0)
end

return M
