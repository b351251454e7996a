-- abuse.lua: every public function and method, called with wrong types,
-- nil, wrong shapes, negative and huge sizes, NaN and empty tensors. Each
-- call must end in a clean Lua error that names the function (or succeed);
-- none may crash, and the model used throughout must still work the same.
local t = require 'tap'

nn.seed(7)
local model = nn.Sequential{
  nn.Dense(3, {activation = 'relu', input_shape = {4}}),
  nn.Dense(2, {activation = 'softmax'}),
}
model:compile{optimizer = 'adam', loss = 'categorical_crossentropy'}
local x = nn.rand(5, 4)
local y = nn.utils.to_categorical(nn.tensor{0, 1, 0, 1, 1}, 2)
local before = model:predict(x):clone()

local bad_values = {
  {'nil', nil}, {'a string', 'x'}, {'a boolean', true}, {'a table', {}},
  {'a nested table', {{1, 2}, {3}}}, {'a function', print}, {'-1', -1},
  {'0', 0}, {'a huge number', 1e18}, {'NaN', 0 / 0}, {'infinity', math.huge},
  {'a fraction', 2.5}, {'an empty tensor', nn.zeros(0)}, {'a 3-D tensor', nn.zeros(2, 2, 2)},
  {'a wrong-shape tensor', nn.zeros(7, 9)}, {'a layer', nn.Dense(2)},
}

-- functions that load big files or take long with valid arguments
-- (and the lessons' append_line and nn.utils.save_text, which write where
-- they are told, as save does: tests/terminal/files.sh and
-- tests/lua/boundary.lua test them)
local skip = {['nn.datasets.fashion_mnist'] = true, ['nn.datasets.fashion_mnist.load_data'] = true,
              ['nn.lessons.files.append_line'] = true, ['nn.debug'] = false,
              ['nn.utils.save_text'] = true}  -- writes where it is told (tests/lua/boundary.lua)

-- names the messages use: the ':' command's name, the class's name
local aliases = {start = 'lesson', break_at = 'break', command = 'viz', history_to_csv = 'to_csv'}
local calls, crashes_avoided, unnamed = 0, 0, {}
local function try(name, fn, ...)
  calls = calls + 1
  local ok, err = pcall(fn, ...)
  if not ok then
    crashes_avoided = crashes_avoided + 1
    local short = name:match('[%.:]([%w_]+)$') or name
    short = aliases[short] or short
    if type(err) ~= 'string' or not (err:find(short, 1, true) or err:find('bad argument', 1, true)) then
      unnamed[#unnamed + 1] = name .. ': ' .. tostring(err)
    end
  end
end

local function sweep(name, fn, self)
  for _, a in ipairs(bad_values) do
    for _, b in ipairs({bad_values[1], bad_values[2], bad_values[10], bad_values[14]}) do
      if self ~= nil then try(name, fn, self, a[2], b[2]) else try(name, fn, a[2], b[2]) end
    end
  end
end

-- every function in nn and its sub-tables
local function functions_of(tbl, prefix, out)
  for k, v in pairs(tbl) do
    local name = prefix .. '.' .. k
    if type(v) == 'function' and not skip[name] then out[#out + 1] = {name, v}
    elseif type(v) == 'table' and k ~= 'debugger' and k ~= 'commands' then  -- the ':' commands
      functions_of(v, name, out)  -- take text; what they call is swept under its own name
    end
  end
  return out
end
local print_real = print
print = function() end  -- the debugger and summary talk; keep the TAP clean
local silence_io = io.write
io.write = function() end
for _, f in ipairs(functions_of(nn, 'nn', {})) do sweep(f[1], f[2]) end
-- every method of every kind of object
-- methods that may legitimately change a model (add, train_on_batch,
-- stepping) get a spare one; the first model must come through unchanged
local spare = nn.Sequential{
  nn.Dense(3, {activation = 'relu', input_shape = {4}}),
  nn.Dense(2, {activation = 'softmax'}),
}
spare:compile{optimizer = 'sgd', loss = 'categorical_crossentropy'}
local objects = {
  tensor = nn.rand(3, 4), layer = model.layers[1], model = spare,
  stepper = nn.stepper(spare, x, y), debugger = nn.debug(spare, x, y),
}
for kind, obj in pairs(objects) do
  local methods = getmetatable(obj) and getmetatable(obj).__methods or getmetatable(obj).__index
  for k, fn in pairs(type(methods) == 'table' and methods or {}) do
    -- fit is slow and save writes files where it is told: they get their own tests
    if type(fn) == 'function' and k ~= 'fit' and k ~= 'save' then sweep(kind .. ':' .. k, fn, obj) end
  end
end
-- fit is slow with good arguments: wrong ones only
for _, a in ipairs(bad_values) do try('model:fit', model.fit, model, a[2], y, {verbose = 0}) end
try('model:fit', model.fit, model, x, y, {epochs = 1e18, verbose = 0, batch_size = -5})
try('model:fit', model.fit, model, x, y, {epochs = 0 / 0, verbose = 0})
print, io.write = print_real, silence_io

t.ok(calls > 2000, 'swept ' .. calls .. ' calls')
t.ok(crashes_avoided > 1000, crashes_avoided .. ' calls ended in a clean Lua error')
for _, msg in ipairs(unnamed) do t.diag('does not name its function: ' .. msg) end
t.is(#unnamed, 0, 'every error names the function it came from')

-- more memory than the machine has: refused with a message that says how
-- much was asked for, before the kernel could kill the process for it
t.raises(function() nn.zeros{1e6, 1e6} end,
         'zeros: 1000000000000 elements is too many %(3725.29 GiB; this machine has',
         'an impossible tensor: how much, and that it cannot be had')
t.raises(function() nn.Sequential{nn.Dense(1e9, {input_shape = {1000}})} end,
         'out of memory: asked for 1000000000000 elements %(3725.3 GiB%); this machine has',
         'an impossible layer: how much, and that it cannot be had')

-- the model is intact: reset it to a fresh batch and it predicts as before
t.is((model:predict(x) - before):abs():max(), 0, 'the model predicts exactly as before')
model:fit(x, y, {epochs = 2, verbose = 0})
t.ok(model:evaluate(x, y) == model:evaluate(x, y), 'and still trains')
t.done_testing()
