-- tips.lua: the table of tips (repl/lua/tips.lua) for lines a Python habit
-- or a decimal comma misled. Each line here is really run (load + pcall,
-- in an environment of its own), so the error the tip is matched against
-- is Lua's own; then nn.tips.find(line, err, env) must give the tip (a
-- pattern), or no tip at all for the lines that are right.
local t = require 'tap'

-- Run a line as a lesson prompt does (an expression first, else a
-- statement); returns its error, or nil if it ran.
local function run(line, env)
  local chunk, err = load('return ' .. line, '=lesson', 't', env)
  if not chunk then chunk, err = load(line, '=lesson', 't', env) end
  if not chunk then return err end
  local ok, result = pcall(chunk)
  if not ok then return tostring(result) end
end

local function fresh_env()
  local env = setmetatable({}, {__index = _G})
  env.print = function() end  -- print(x.shape) prints nothing into the TAP output
  env.x = nn.ones(2, 3)
  env.m = nn.Sequential{nn.Dense(1, {input_shape = {2}})}
  env.kernel, env.bias = nn.zeros(2, 1), nn.zeros(3)
  env.d = env.m.layers[1]  -- Dense(1) on 2 inputs: kernel 2x1, bias of 1
  return env
end

local cases = {
  {'w3 = 0,561', '^Lua writes decimals with a point: w3 = 0%.561 %(with a comma, w3 got 0 and the 561'},
  {'lr = -1,5', '^Lua writes decimals with a point: lr = %-1%.5 '},
  -- a count copied from m:summary(), 18,496: a thousands separator, not a decimal comma
  {'p2 = 18,496', '^Lua numbers have no thousands separator: p2 = 18496 %(for a decimal, 18%.496;'},
  {'n = 0,125', '^Lua writes decimals with a point: n = 0%.125 '},
  {'opt = SGD(learning_rate = 0.01)',
   '^in Lua, write nn%.optimizers%.SGD{learning_rate = 0%.01}: named arguments go in a table, in braces$'},
  {'opt = nn.optimizers.SGD(learning_rate = 0.01, momentum = 0.9)',
   '^in Lua, write nn%.optimizers%.SGD{learning_rate = 0%.01, momentum = 0%.9}'},
  {"m.compile(optimizer = 'sgd', loss = 'mse')", "^in Lua, write m:compile{optimizer = 'sgd', loss = 'mse'}"},
  {'opt = nn.optimizers.adam{learning_rate = 0.01}', '^in Lua, write nn%.optimizers%.Adam %(names are case%-sensitive'},
  {'opt = nn.optimizers.adam', '^in Lua, write nn%.optimizers%.Adam '},
  {'d = nn.dense(3)', '^in Lua, write nn%.Dense '},
  {'ok = True', '^in Lua, write true %(lower case%): True is a variable nobody set, so nil$'},
  {'if x == None then y = 1 end', '^in Lua, write nil '},
  {'flag = not False', '^in Lua, write false '},
  {'n = len(x)', '^in Lua, write #t for the length of a table; for a tensor x, x:numel%(%)'},
  {'print(x.shape)', '^x%.shape is a Lua table, which print shows as an address: type x%.shape alone'},
  {'x.shape()', '^in Lua, write x%.shape %(a table, not a function%)$'},
  {'x.size()', '^in Lua, call a method with a colon: x:size%(%.%.%.%)$'},
  {'biggest = max(1, 2)', '^in Lua, write math%.max%(%.%.%.%)$'},
  {'s = sqrt(2)', '^in Lua, write math%.sqrt'},
  -- lines that run: the bare call is only looked up when the function is called
  {'function relu(z) return max(0, z) end', '^in Lua, write math%.max%(%.%.%.%)$'},
  {'f = function(z) return 1 / (1 + exp(-z)) end', '^in Lua, write math%.exp%(%.%.%.%)$'},
  {'function cube(z) return pow(z, 3) end', '^in Lua, write a%^b for a power'},
  {'def relu(z): return max(0, z)', '^in Lua, write function relu%(z%) %.%.%. end$'},  -- an error: its tip
  {'for i in range(3) do end', '^in Lua, loop with for i = 1, n do'},
  {'y = 2 ** 3', '^in Lua, write a%^b for a power'},
  {'if 1 != 2 then end', '^in Lua, write a ~= b'},
  {'if true && false then end', '^in Lua, write and, or, not'},
  {'def f(z):', '^in Lua, write function f%(z%) %.%.%. end$'},
  {'import numpy as np', '^nothing to import: nn is here already'},
  {'from math import sqrt', '^nothing to import'},
  {'first = x.shape[0] + 1', '^Lua counts from 1'},
  {'p = t @ t.T', '^in Lua, write t:matmul%(t:transpose%(%)%) for a @ b'},
  {'c = a@b', '^in Lua, write a:matmul%(b%) for a @ b'},
  {"gate = o", "^o is not a variable, so gate is now nil; for the text, write gate = 'o'$"},
  {'t[2, 3]', '^in Lua, one index per bracket: t%[2%]%[3%] %(row, then column%)$'},
  {'v = w[i, j + 1] * 2', '^in Lua, one index per bracket: w%[i%]%[j %+ 1%]'},
  -- the engine's own message names the shape and the valid indices: no tip
  {'kernel[1][2] = 0.5', nil},
  {'m.layers[1].bias[1][1] = 0.5', nil},  -- a path with a call-free index: not read (no tip), no harm
  {'bias[1][1] = 0.5', '^bias is 1%-D %(3 numbers%): it takes one index, bias%[i%], i from 1 to 3$'},
  {'d.kernel[1][2] = 0.5', nil},  -- lesson 2's dense.kernel
  {'y = f(1, stride=2)', '^Lua has no keyword arguments: pass the values in order'},
  {'k = nn.Conv2D(16, (3, 3))', '^Lua has no tuples: a list or a shape is a table, {3, 3}'},
  {'d.bias[1][1] = 0.5', '^d%.bias is 1%-D %(1 number%): it takes one index, d%.bias%[i%], i from 1 to 1$'},
}
for _, case in ipairs(cases) do
  local line, expected = case[1], case[2]
  local env = fresh_env()
  local err = run(line, env)
  local tip = nn.tips.find(line, err, env)
  local label = 'tip for ' .. line .. (err and ('  [' .. err .. ']') or '  [ran]')
  if expected then t.like(tip or '(no tip)', expected, label) else t.is(tip, nil, label) end
  if tip then  -- as shown: the same words, in lines an 80-column terminal does not cut
    local shown, longest = nn.tips.show(line, err, env), 0
    for l in (shown .. string.char(10)):gmatch('(.-)' .. string.char(10)) do longest = math.max(longest, #l) end
    t.ok(longest <= 79 and shown:gsub('%s+', ' ') == 'tip: ' .. tip:gsub('%s+', ' '),
         'shown in lines of at most 79 columns (' .. longest .. '): ' .. line)
  end
end

-- Lines that are right, or that only look like a habit: no tip
local right = {
  'w3 = 0.561', 'f = function(a, b) return a end; f(0,5)', 't = {0,5}', 'ok = true',
  'opt = nn.optimizers.SGD{learning_rate = 0.01}', 'opt = nn.optimizers.Adam',
  'biggest = math.max(1, 2)', 'n = x:numel()', 'x.shape', 'print(#x.shape)',
  "m:compile{optimizer = 'sgd', loss = 'mse'}", 'y = 2^3', 'Nope = 1; z = Nope',
  'True = 1; flag = True', 'z = nn', 'z = nil', 'z = x',
  -- a max that is not Python's: a method, math's, one the line defines
  'function top(t) return t:max() end', 'function relu(z) return math.max(0, z) end',
  'local function max(a, b) return a end; y = max(1, 2)', 'function pick(max, z) return max(z) end',
  'function xmax(a) return a end; y = xmax(1)',
}
for _, line in ipairs(right) do
  local env = fresh_env()
  local err = run(line, env)
  t.is(err, nil, 'runs: ' .. line)
  t.is(nn.tips.find(line, err, env), nil, 'no tip: ' .. line)
end

-- an error that is not a habit: no tip (nn.Dense with a bad argument is not x:size)
do
  local env = fresh_env()
  local line = "d = nn.Dense('three')"
  local err = run(line, env)
  t.ok(err ~= nil, 'a wrong nn.Dense argument errors')
  t.is(nn.tips.find(line, err, env), nil, 'no tip for an error no habit explains: ' .. line)
end

-- the decimal comma really did what the tip says (Lua's own arithmetic)
do
  local env = fresh_env()
  run('w3 = 0,561', env)
  t.is(env.w3, 0, 'w3 = 0,561 sets w3 to 0, as the tip says')
end

t.done_testing()
