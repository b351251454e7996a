-- npy.lua: t:save('x.npy') and nn.load_npy from Lua: round trips of a
-- matrix, a transposed view, a scalar and an empty tensor; the errors a
-- learner can meet, each naming the function. (NumPy itself checks the
-- files in tests/terminal/npy_numpy.sh; the C tests cover the format.)
local t = require 'tap'

local base = os.tmpname()  -- a fresh file: our .npy names go beside it
local function path(name) return base .. '-' .. name .. '.npy' end

local m = nn.tensor{{1, 2.5, -3}, {4, 5, 6}}
m:save(path('m'))
local back = nn.load_npy(path('m'))
t.is(back.shape, {2, 3}, 'the shape comes back')
t.is(back:totable(), m:totable(), 'the values come back')

m:transpose():save(path('mt'))
t.is(nn.load_npy(path('mt')):totable(), {{1, 4}, {2.5, 5}, {-3, 6}},
     'a transposed view is saved as the array it shows')

nn.tensor(7):save(path('scalar'))
t.is(nn.load_npy(path('scalar')):item(), 7, 'a 0-d tensor round-trips')
nn.zeros(0):save(path('empty'))
t.is(nn.load_npy(path('empty')):numel(), 0, 'an empty tensor round-trips')

m:save(path('m'))  -- saving over a file replaces it
t.is(nn.load_npy(path('m')):totable(), m:totable(), 'saving over a file replaces it')

t.raises(function() m:save(base .. '.txt') end, 'save: .*use a path ending in .npy',
         'another ending is refused, not guessed at')
t.raises(function() m:save() end, 'save: argument #2: expected a path', 'save needs a path')
t.raises(function() m:save('a\0b.npy') end, 'save: argument #2: the path has a zero byte',
         'a zero byte in the path is refused')
t.raises(function() m.save(5, path('x')) end, 'save: argument #1: expected a tensor',
         'save is a tensor method')
t.raises(function() m:save('/nonexistent-dir/t.npy') end, 'save: .*nonexistent%-dir',
         'an unwritable path is named')
t.raises(function() nn.load_npy(path('missing')) end, 'load_npy: .*missing.npy: cannot open',
         'a missing file is named')
t.raises(function() nn.load_npy({}) end, 'load_npy: argument #1: expected a path',
         'load_npy needs a path')

local f = io.open(path('bad'), 'wb')
f:write('\147NUMPY\1\0\20\0{"descr": "<f4"}   \n')
f:close()
t.raises(function() nn.load_npy(path('bad')) end, "load_npy: .*bad.npy: the .npy header has no 'fortran_order'",
         'a damaged header is named')

for _, name in ipairs{'m', 'mt', 'scalar', 'empty', 'bad'} do os.remove(path(name)) end
os.remove(base)
t.done_testing()
