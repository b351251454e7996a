-- tensor.lua: the tests of nn.Tensor (repl/bind/l_tensor.c, repl/bind/tensor_print.c):
-- every constructor, method and metamethod with values, views that share
-- storage, printing as Torch prints, and every error message.
-- Run: LUA_PATH='tests/lua/?.lua;;' ./nnstep tests/lua/tensor.lua
local t = require 'tap'

local function T(x) return nn.tensor(x) end

---------------------------------------------------------------- constructors
do
  local x = T{{1, 2, 3}, {4, 5, 6}}
  t.is(x.shape, {2, 3}, 'tensor: shape from nested tables')
  t.is(x.ndim, 2, 'tensor: ndim')
  t.is(#x, 2, '#t is the size of the first axis')
  t.is(x:totable(), {{1, 2, 3}, {4, 5, 6}}, 'tensor: values, row-major')
  t.is(x:numel(), 6, 'numel')
  t.is(T{7, 8}.shape, {2}, 'tensor: 1-D')
  t.is(T{{{1}, {2}}, {{3}, {4}}}.shape, {2, 2, 1}, 'tensor: 3-D')
  t.is(T{{{{{{1, 2}}}}}}.shape, {1, 1, 1, 1, 1, 2}, 'tensor: 6 levels deep is allowed')
  local e = T{}
  t.is({e.shape, e:numel()}, {{0}, 0}, 'tensor{} is empty, shape (0)')
  t.is(T{{}, {}}.shape, {2, 0}, 'tensor{{}, {}} has shape (2, 0)')
  local s = T(5)
  t.is({s.ndim, s:item(), s:numel()}, {0, 5, 1}, 'tensor(5) is a 0-D scalar')
  t.is(s.shape, {}, 'a scalar has shape {}')
  t.is(s:totable(), 5, 'a scalar totable() is its number')
  t.is_near(T{0.1}[1], 0.1, 1e-7, 'values are float32')

  local copy = nn.tensor(x)
  copy[1][1] = 100
  t.is(x:get(1, 1), 1, 'tensor(t) copies: writes do not reach t')

  t.raises(function() return T{{1, 2}, {3}} end,
           'tensor: ragged table: [2] has 1 element but [1] has 2', 'ragged rows')
  t.raises(function() return T{{{1, 2}, {3, 4}}, {{1, 2}, {3, 4, 5}}} end,
           'tensor: ragged table: [2][2] has 3 elements but [1][1] has 2', 'ragged deeper')
  t.raises(function() return T{{1, 2}, {3, 'x'}} end,
           'tensor: expected a number at [2][2], got string', 'a string inside')
  t.raises(function() return T{{1, 2}, 3} end,
           'tensor: expected a table at [2], got 3', 'a number where a row should be')
  t.raises(function() return T{{1, 2}, {3, {4}}} end,
           'tensor: expected a number at [2][2], got table', 'too deep in one place')
  t.raises(function() return T{1, nil, 3} end,
           'tensor: expected a number at [2], got nil', 'a hole')
  t.raises(function() return T{{{{{{{1}}}}}}} end,
           'tensor: the table is nested more than 6 deep', '7 levels')
  t.raises(function() return nn.tensor('x') end,
           'tensor: argument #1: expected a tensor, a number or a table of numbers, got string',
           'tensor of a string')
  t.raises(function() return nn.tensor() end,
           'tensor: argument #1: expected a tensor, a number or a table of numbers, got no value',
           'tensor of nothing')
end

do
  t.is(nn.zeros(2, 3):totable(), {{0, 0, 0}, {0, 0, 0}}, 'zeros(2, 3)')
  t.is(nn.zeros({2, 3}).shape, {2, 3}, 'zeros{2, 3}: shape as a table')
  t.is(nn.ones(3):totable(), {1, 1, 1}, 'ones(3)')
  t.is(nn.ones{1, 2}:totable(), {{1, 1}}, 'ones{1, 2}')
  t.is(nn.full({2, 2}, 7):totable(), {{7, 7}, {7, 7}}, 'full({2, 2}, 7)')
  t.is(nn.full(3, -1):totable(), {-1, -1, -1}, 'full(3, -1)')
  t.is(nn.arange(4):totable(), {0, 1, 2, 3}, 'arange(stop)')
  t.is(nn.arange(2, 5):totable(), {2, 3, 4}, 'arange(start, stop)')
  t.is(nn.arange(1, 2, 0.25):totable(), {1, 1.25, 1.5, 1.75}, 'arange(start, stop, step)')
  t.is(nn.arange(3, 0, -1):totable(), {3, 2, 1}, 'arange counting down')
  t.is(nn.arange(5, 1).shape, {0}, 'arange(5, 1) is empty')
  local z = nn.zeros(0, 3)
  t.is({z.shape, z:numel(), z:sum()}, {{0, 3}, 0, 0}, 'zeros(0, 3): empty, sums to 0')

  local r = nn.rand(1000)
  t.ok(r:min() >= 0 and r:max() < 1, 'rand: within [0, 1)')
  t.is_near(r:mean(), 0.5, 0.05, 'rand: mean near 0.5')
  t.ok((nn.rand(5) - nn.rand(5)):abs():max() > 0, 'rand: two draws differ')
  local g = nn.randn(10000)
  t.is_near(g:mean(), 0, 0.05, 'randn: mean near 0')
  t.is_near((g * g):mean(), 1, 0.05, 'randn: variance near 1')
  t.is(nn.randn{2, 3}.shape, {2, 3}, 'randn{2, 3}')
  if nn.seed then
    nn.seed(7); local a = nn.rand(4):totable()
    nn.seed(7); local b = nn.rand(4):totable()
    t.is(a, b, 'nn.seed makes rand reproducible')
  else
    t.skip('nn.seed makes rand reproducible', 'nn.seed is not in this build')
  end

  t.raises(function() return nn.zeros(2, -3) end,
           'zeros: argument #2: expected a non-negative integer size, got -3', 'negative size')
  t.raises(function() return nn.ones(2.5) end,
           'ones: argument #1: expected a non-negative integer size, got 2.5', 'fractional size')
  t.raises(function() return nn.zeros(0 / 0) end,
           'zeros: argument #1: expected a non-negative integer size, got nan', 'NaN size')
  t.raises(function() return nn.rand('2') end,
           'rand: argument #1: expected a non-negative integer size, got string', 'string size')
  t.raises(function() return nn.zeros{2, 'x'} end,
           'zeros: argument #1, element 2: expected a non-negative integer size, got string',
           'a bad size inside the shape table')
  t.raises(function() return nn.zeros() end,
           'zeros: expected a shape: a table such as {2, 3} or sizes 2, 3', 'no shape')
  t.raises(function() return nn.zeros{} end,
           'zeros: expected a shape: a table such as {2, 3} or sizes 2, 3', 'empty shape table')
  t.raises(function() return nn.zeros(1, 1, 1, 1, 1, 1, 1) end,
           'zeros: 7 dimensions; at most 6 are supported', 'too many dimensions')
  t.raises(function() return nn.zeros({2, 3}, 4) end,
           'zeros: give sizes as one table {2, 3} or as integers 2, 3, not both', 'both forms')
  t.raises(function() return nn.zeros(1e12) end,
           'zeros: 1000000000000 elements is too many', 'huge: refused before allocating')
  t.raises(function() return nn.randn(2 ^ 40, 2 ^ 40) end,
           'randn: 1.21e+24 elements is too many', 'huge product')
  t.raises(function() return nn.full({2}, 'x') end,
           'full: argument #2: expected a number, got string', 'full: bad value')
  t.raises(function() return nn.full('x', 1) end,
           'full: argument #1: expected a non-negative integer size, got string', 'full: bad shape')
  t.raises(function() return nn.arange() end,
           'arange: expected (stop) or (start, stop[, step]), got 0 arguments', 'arange()')
  t.raises(function() return nn.arange('a') end,
           'arange: argument #1: expected a number, got string', 'arange: bad stop')
  t.raises(function() return nn.arange(0, 1, 0) end,
           'arange: step must be finite and non-zero', 'arange: zero step')
  t.raises(function() return nn.arange(0, 1e12) end,
           'arange: 1000000000000 elements is too many', 'arange: huge')
end

---------------------------------------------------------------- indexing
do
  local x = T{{1, 2, 3}, {4, 5, 6}}
  t.is(x[2]:totable(), {4, 5, 6}, 't[i] of a 2-D tensor is its row')
  t.is(x[2][3], 6, 't[i][j] is a number')
  t.is(x[2.0][1], 4, 'an integral float index works')
  local row = x[1]
  row[2] = 20
  t.is(x:get(1, 2), 20, 'a row is a view: writing it writes t')
  x[2][3] = 60
  t.is(x:get(2, 3), 60, 't[i][j] = v writes t')
  x[1] = 0
  t.is(x:totable(), {{0, 0, 0}, {4, 5, 60}}, 't[i] = number fills the row')
  x[1] = {7, 8, 9}
  t.is(x[1]:totable(), {7, 8, 9}, 't[i] = table copies into the row')
  x[2] = T{1, 1, 1}
  t.is(x[2]:totable(), {1, 1, 1}, 't[i] = tensor copies into the row')
  t.is(row:totable(), {7, 8, 9}, 'an earlier view sees later writes')
  t.is(x:get(1, 3), 9, 'get')
  t.ok(rawequal(x:set(-1, 1, 3), x), 'set returns the tensor')
  t.is(x[1][3], -1, 'set writes')
  local c = T{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}}
  t.is(c:get(2, 1, 2), 6, 'get on 3-D')
  t.is(c[2][1]:totable(), {5, 6}, 't[i][j] on 3-D is a view')

  local shape = x.shape
  shape[1] = 99
  t.is(x.shape, {2, 3}, 't.shape is a fresh table each time')
  t.is(x.nothing, nil, 'an unknown field is nil')

  local mt = getmetatable(x)
  t.is(mt.__name, 'nn.Tensor', 'the metatable is nn.Tensor')
  t.is(type(mt.__methods), 'table', 'methods are in a plain table (tab completion)')
  t.is(type(mt.__methods.reshape), 'function', '__methods has reshape')
  t.is(type(mt.__methods.argmax), 'function', '__methods has argmax')
  t.is(mt.__fields, {'ndim', 'shape'}, '__fields lists the fields')
  t.is(x.reshape, mt.__methods.reshape, 't.reshape is the method')

  t.raises(function() return x[3] end,
           't[3]: index 3 is out of range: a tensor of shape (2, 3) takes t[i][j] with i from 1 to 2 and j from 1 to 3',
           't[i] too large: the whole index and every range')
  t.raises(function() return x[0] end,
           't[0]: index 0 is out of range: a tensor of shape (2, 3) takes t[i][j]', 't[0]')
  t.raises(function() return x[1][4] end,
           't[1][4]: index 4 is out of range: a tensor of shape (2, 3) takes t[i][j] with i from 1 to 2 and j from 1 to 3',
           't[i][j] too large: named as t[i][j] of the whole tensor, not as the row\'s own axis 1')
  do  -- lesson 2: kernel[1][2] on a (2, 1) kernel, read and assigned, through a kept row too
    local kernel = nn.zeros(2, 1)
    local says = 't[1][2]: index 2 is out of range: a tensor of shape (2, 1) takes t[i][j] with i from 1 to 2 and j from 1 to 1'
    t.raises(function() return kernel[1][2] end, says, 'kernel[1][2] of a 2x1 kernel says which shape and ranges')
    t.raises(function() kernel[1][2] = 0.5 end, says, 'kernel[1][2] = v says the same')
    local row = kernel[2]
    t.raises(function() return row[3] end, 't[2][3]: index 3 is out of range: a tensor of shape (2, 1)',
             'a row kept in a name still knows where it came from')
    t.raises(function() return nn.zeros(4, 2, 3)[2][1][7] end,
             't[2][1][7]: index 7 is out of range: a tensor of shape (4, 2, 3) takes t[i][j][k] with i from 1 to 4, j from 1 to 2 and k from 1 to 3',
             'three indices')
    t.raises(function() return nn.zeros(3)[4] end,
             't[4]: index 4 is out of range: a tensor of shape (3,) takes t[i] with i from 1 to 3', '1-D')
  end
  t.raises(function() return x.sum() end,
           'sum: argument #1: expected a tensor, got no value (t.sum() passes no tensor; a method is called with a colon: t:sum())',
           't.sum() for t:sum(): the dot for the colon is named (lesson 1)')
  t.raises(function() return x[1.5] end, 'expected an integer index, got 1.5', 't[1.5]')
  t.raises(function() return x[true] end,
           'index: tensors are indexed by integers (t[1]) or names (t.shape), got boolean',
           't[true]')
  t.raises(function() x[3] = 1 end,
           't[3]: index 3 is out of range: a tensor of shape (2, 3)', 't[i] = v out of range')
  t.raises(function() x.shape = 1 end,
           "index: a tensor has no fields to set (got string 'shape')", 't.field = v')
  t.raises(function() x[1] = {1, 2} end, 'copy: sizes differ: (2,) into (3,)',
           't[i] = a table of the wrong size')
  t.raises(function() x[1] = 'a' end,
           'index: argument #3: expected a tensor, a number or a table of numbers, got string',
           't[i] = a string')
  t.raises(function() return x:get(1) end, 'get: expected 2 indices for a 2-D tensor, got 1',
           'get: too few indices')
  t.raises(function() return T{1, 2}:get(1, 1) end,
           'get: expected 1 index for a 1-D tensor, got 2', 'get: too many indices')
  t.raises(function() return x:get(1, 4) end,
           'get: index 4 is out of range for dimension 2 of size 3', 'get: out of range')
  t.raises(function() return x:get(1, 'a') end, 'get: expected an integer index, got string',
           'get: a string index')
  t.raises(function() return x:set('a', 1, 1) end,
           'set: argument #2: expected a number, got string', 'set: a string value')
  t.raises(function() return x:set(1, 3, 1) end,
           'set: index 3 is out of range for dimension 1 of size 2', 'set: out of range')
  t.raises(function() return T(3)[1] end,
           'index: a 0-D tensor (a scalar) has no dimensions; use t:item()', 'indexing a scalar')
  t.raises(function() return #T(3) end,
           '#: a 0-D tensor (a scalar) has no dimensions', 'length (#) of a scalar')
  t.raises(function() return x.sum(5) end,
           'sum: argument #1: expected a tensor, got number', 'a method called with a number')
end

---------------------------------------------------------------- arithmetic
do
  local a, b = T{{1, 2}, {3, 4}}, T{{10, 20}, {30, 40}}
  t.is((a + b):totable(), {{11, 22}, {33, 44}}, 'tensor + tensor')
  t.is((b - a):totable(), {{9, 18}, {27, 36}}, 'tensor - tensor')
  t.is((a * b):totable(), {{10, 40}, {90, 160}}, 'tensor * tensor is elementwise')
  t.is((b / a):totable(), {{10, 10}, {10, 10}}, 'tensor / tensor')
  t.is((a ^ b / b):totable(), (a ^ b / b):totable(), 'tensor ^ tensor runs')
  t.is((a + 1):totable(), {{2, 3}, {4, 5}}, 'tensor + number')
  t.is((1 + a):totable(), {{2, 3}, {4, 5}}, 'number + tensor')
  t.is((10 - a):totable(), {{9, 8}, {7, 6}}, 'number - tensor')
  t.is((a - 1):totable(), {{0, 1}, {2, 3}}, 'tensor - number')
  t.is((a * 2):totable(), {{2, 4}, {6, 8}}, 'tensor * number')
  t.is((12 / a):totable(), {{12, 6}, {4, 3}}, 'number / tensor')
  t.is((a / 2):totable(), {{0.5, 1}, {1.5, 2}}, 'tensor / number')
  t.is((a ^ 2):totable(), {{1, 4}, {9, 16}}, 'tensor ^ number')
  t.is((2 ^ a):totable(), {{2, 4}, {8, 16}}, 'number ^ tensor')
  t.is((-a):totable(), {{-1, -2}, {-3, -4}}, '-tensor')
  t.is((a + {{1, 1}, {1, 1}}):totable(), {{2, 3}, {4, 5}}, 'tensor + table')
  t.is(a:totable(), {{1, 2}, {3, 4}}, 'operators make new tensors')
  t.is((a:transpose() + a):totable(), {{2, 5}, {5, 8}}, 'operators on a transposed view')
  t.ok(a == a, '== is true for the same tensor')
  t.ok(a[1] == a[1], '== is true for two handles on the same view')
  t.ok(a ~= a:clone(), '== is false for equal values elsewhere')
  t.ok(a[1] ~= a[2], '== is false for different rows')

  t.raises(function() return a + T{1, 2, 3} end, 'add: shapes differ: (2, 2) and (3,)',
           'add: shapes differ')
  t.raises(function() return a * nn.ones(2, 3) end, 'mul: shapes differ: (2, 2) and (2, 3)',
           'mul: shapes differ')
  t.raises(function() return a - 'x' end,
           'sub: argument #2: expected a tensor, a number or a table of numbers, got string',
           'sub: a string')
  t.raises(function() return {} / a end, 'div: shapes differ: (0,) and (2, 2)',
           'div: an empty table')
  t.raises(function() return a < b end, 'attempt to compare two nn.Tensor values',
           'no ordering between tensors')

  local m = T{{1, 2}, {3, 4}}:matmul(T{{5, 6}, {7, 8}})
  t.is(m:totable(), {{19, 22}, {43, 50}}, 'matmul')
  t.is(T{{1, 2, 3}}:matmul(T{{1}, {1}, {1}}):totable(), {{6}}, 'matmul (1,3) x (3,1)')
  t.is(T{{1, 2}, {3, 4}}:transpose():matmul(T{{1, 0}, {0, 1}}):totable(), {{1, 3}, {2, 4}},
       'matmul of a transposed view')
  t.is(T{{1, 2}}:matmul({{3}, {4}}):totable(), {{11}}, 'matmul with a table')
  t.raises(function() return nn.ones(2, 3):matmul(nn.ones(2, 3)) end,
           'matmul: inner dimensions differ: (2, 3) x (2, 3)', 'matmul: shapes')
  t.raises(function() return nn.ones(3):matmul(nn.ones(3, 1)) end,
           'matmul: expected 2-D tensors, got 1-D and 2-D', 'matmul: 1-D')
  t.raises(function() return nn.ones(3, 3):matmul('x') end,
           'matmul: argument #2: expected a tensor, a number or a table of numbers, got string',
           'matmul: a string')
end

---------------------------------------------------------------- views
do
  local x = nn.arange(6):reshape(2, 3)
  t.is(x:totable(), {{0, 1, 2}, {3, 4, 5}}, 'reshape(2, 3)')
  t.is(x:reshape{3, 2}:totable(), {{0, 1}, {2, 3}, {4, 5}}, 'reshape{3, 2}')
  t.is(x:reshape(-1).shape, {6}, 'reshape(-1) flattens')
  t.is(x:reshape(3, -1).shape, {3, 2}, 'reshape(3, -1) infers 2')
  local flat = x:reshape(6)
  flat[6] = 50
  t.is(x:get(2, 3), 50, 'a reshape shares storage')

  -- reshape as NumPy's and PyTorch's: a view when the strides allow it,
  -- else a copy of the elements in row-major order
  do
    local a = nn.arange(6):reshape(2, 3)   -- a[i][j] = 3(i-1) + (j-1)
    local flat = a:transpose():reshape(6)  -- element k = (i, j) of the (3, 2) transpose
    local expect = {}
    for k = 1, 6 do
      local i, j = (k - 1) // 2 + 1, (k - 1) % 2 + 1  -- row, column of the transpose
      expect[k] = 3 * (j - 1) + (i - 1)               -- = a[j][i]
    end
    t.is(flat:totable(), expect, 'reshape of a transpose: the transpose read row by row')
    t.is(expect, {0, 3, 1, 4, 2, 5}, '(the same, written out)')
    flat[1] = -1
    t.is(a:get(1, 1), 0, 'reshape of a transpose copies: a write does not reach the original')
    t.ok(flat:is_contiguous(), 'the copy is contiguous')
    local cols = nn.arange(12):reshape(3, 4):narrow(2, 2, 2)  -- {{1, 2}, {5, 6}, {9, 10}}
    t.is(cols:reshape(6):totable(), {1, 2, 5, 6, 9, 10}, 'reshape of narrowed columns copies them')
    local split = cols:reshape(3, 1, 2)  -- each row stays where it is: a view
    split[2][1][2] = 60
    t.is(cols:get(2, 2), 60, 'reshape(3, 1, 2) of narrowed columns is a view')
    local v = a:view(3, 2)
    v[3][2] = 50
    t.is(a:get(2, 3), 50, 'view(3, 2) of a contiguous tensor shares storage')
    local swapped = nn.arange(24):reshape(2, 3, 4):transpose(1, 2)  -- (3, 2, 4)
    t.is({swapped:view(3, 2, 2, 2):stride()}, {4, 12, 2, 1},
         'view of a transpose splitting the last axis: the strides torch gives')
  end

  local tr = x:transpose()
  t.is(tr:totable(), {{0, 3}, {1, 4}, {2, 50}}, 'transpose: values')
  t.is({tr:stride()}, {1, 3}, 'transpose: strides swapped')
  t.is({x:stride()}, {3, 1}, 'row-major strides')
  t.is(tr:stride(2), 3, 'stride(axis)')
  t.ok(x:is_contiguous() and not tr:is_contiguous(), 'a transpose is not contiguous')
  tr[1][2] = 30
  t.is(x:get(2, 1), 30, 'writing a transpose writes the original')
  local cube = nn.arange(24):reshape(2, 3, 4)
  t.is(cube:transpose(1, 3).shape, {4, 3, 2}, 'transpose(1, 3) of 3-D')
  t.is(cube:transpose(1, 3):get(4, 2, 1), cube:get(1, 2, 4), 'transpose(1, 3) moves elements')

  local p = cube:permute(3, 1, 2)
  t.is(p.shape, {4, 2, 3}, 'permute: shape')
  t.is(p:get(4, 2, 3), cube:get(2, 3, 4), 'permute: elements')
  t.is(cube:permute{2, 3, 1}.shape, {3, 4, 2}, 'permute{...}')

  local y = nn.arange(12):reshape(4, 3)
  local n = y:narrow(1, 2, 2)
  t.is(n:totable(), {{3, 4, 5}, {6, 7, 8}}, 'narrow(1, 2, 2)')
  t.is(y:narrow(2, 3, 1):totable(), {{2}, {5}, {8}, {11}}, 'narrow(2, 3, 1)')
  t.is(y:narrow(1, 5, 0).shape, {0, 3}, 'narrow to nothing')
  n[1][1] = -3
  t.is(y:get(2, 1), -3, 'narrow shares storage')
  t.is(y:slice(2, 3):totable(), {{-3, 4, 5}, {6, 7, 8}}, 'slice(2, 3): rows 2..3 inclusive')
  t.is(y:slice(3).shape, {2, 3}, 'slice(3): to the end')
  t.is(y:slice(-2, -1):totable(), {{6, 7, 8}, {9, 10, 11}}, 'slice(-2, -1): the last two')
  y:slice(4, 4):fill(0)
  t.is(y[4]:totable(), {0, 0, 0}, 'slice shares storage')
  t.is(y:select(2, 2):totable(), {1, 4, 7, 0}, 'select(2, 2): column 2')
  t.is(y:select(1, 1):totable(), {0, 1, 2}, 'select(1, 1): row 1')
  t.is(T{5, 6}:select(1, 2):item(), 6, 'select on 1-D gives a scalar')
  y:select(2, 1):fill(9)
  t.is(y:get(3, 1), 9, 'select shares storage')

  local c = tr:contiguous()
  t.ok(c:is_contiguous(), 'contiguous() of a transpose is contiguous')
  t.is(c:totable(), tr:totable(), 'contiguous keeps values')
  c[1][1] = 1000
  t.ok(x:get(1, 1) ~= 1000, 'contiguous of a non-contiguous view copies')
  local same = x:contiguous()
  same[1][1] = 77
  t.is(x:get(1, 1), 77, 'contiguous of a contiguous tensor is a view')
  local cl = x:clone()
  cl[1][1] = 1
  t.is(x:get(1, 1), 77, 'clone copies')
  t.ok(x:clone():is_contiguous() and tr:clone():is_contiguous(), 'clones are contiguous')

  local f = nn.zeros(2, 2)
  t.ok(rawequal(f:fill(3), f), 'fill returns the tensor')
  t.is(f:totable(), {{3, 3}, {3, 3}}, 'fill')
  t.ok(rawequal(f:copy({{1, 2}, {3, 4}}), f), 'copy returns the tensor')
  t.is(f:totable(), {{1, 2}, {3, 4}}, 'copy from a table')
  f:copy(nn.arange(4))
  t.is(f:totable(), {{0, 1}, {2, 3}}, 'copy: same number of elements, any shape')
  f:copy(f:transpose())
  t.is(f:totable(), {{0, 2}, {1, 3}}, 'copy from an overlapping view of itself')
  f:transpose():copy(T{{5, 6}, {7, 8}})
  t.is(f:totable(), {{5, 7}, {6, 8}}, 'copy into a transposed view')

  -- a view outlives the tensor it came from
  local view = nn.arange(4):reshape(2, 2)[2]
  collectgarbage(); collectgarbage()
  t.is(view:totable(), {2, 3}, 'a view outlives its parent')

  t.raises(function() return x:reshape(2, 'x') end,
           'reshape: argument #3: expected a positive integer or -1, got string',
           'reshape: a string size')
  t.raises(function() return x:reshape{2, 'x'} end,
           'reshape: argument #2, element 2: expected a positive integer or -1, got string',
           'reshape: a string in the table')
  t.raises(function() return x:reshape(0, 6) end,
           'reshape: argument #2: expected a positive integer or -1, got 0', 'reshape: 0')
  t.raises(function() return x:reshape(4, -1) end,
           'reshape: cannot infer the size of dimension 2 (-1): 6 elements is not a multiple of 4',
           'reshape: -1 does not divide')
  t.raises(function() return nn.arange(4):reshape(2 ^ 62 + 1, 4) end,
           'reshape: the new shape has more elements than the 4 of the tensor',
           'reshape: a shape whose element count overflows')
  t.raises(function() return x:reshape(-1, -1) end, 'reshape: only one size can be -1',
           'reshape: two -1')
  t.raises(function() return x:reshape(5) end,
           'reshape: cannot view (2, 3) (6 elements) as (5,) (5 elements)', 'reshape: wrong count')
  t.raises(function() return tr:view(6) end,
           'view: this (3, 2) tensor (a transposed or narrowed view) cannot be read as (6,) '
           .. 'without copying; reshape(...) copies when it must', 'view: would need a copy')
  t.raises(function() return x:view(4, -1) end,
           'view: cannot infer the size of dimension 2 (-1): 6 elements is not a multiple of 4',
           'view: -1 does not divide')
  t.raises(function() return x:reshape() end,
           'reshape: expected a shape: a table such as {2, -1} or sizes 2, -1', 'reshape()')
  t.raises(function() return x:transpose(1, 3) end,
           'transpose: argument #3: axis 3 is out of range for a 2-D tensor', 'transpose: axis')
  t.raises(function() return x:transpose(1) end,
           'transpose: argument #3: expected an axis (an integer), got no value',
           'transpose: one axis')
  t.raises(function() return cube:transpose() end,
           'transpose: give the two axes to swap for a 3-D tensor (the default, 1 and 2, is '
           .. 'for 2-D)', 'transpose() of 3-D')
  t.raises(function() return cube:permute(1, 2) end,
           'permute: expected 3 axes for a 3-D tensor, got 2', 'permute: too few')
  t.raises(function() return cube:permute(1, 1, 2) end,
           'permute: the order must name each of the 3 dimensions exactly once',
           'permute: repeated')
  t.raises(function() return cube:permute(1, 2, 4) end,
           'permute: axis 4 is out of range for a 3-D tensor', 'permute: out of range')
  t.raises(function() return cube:permute(1, 2, 0) end,
           'permute: argument #4: expected an axis (a positive integer), got 0', 'permute: 0')
  t.raises(function() return y:narrow(1, 4, 2) end,
           'narrow: elements 4..5 are outside axis 1 of size 4', 'narrow: past the end')
  t.raises(function() return y:narrow(1, 0, 2) end,
           'narrow: elements 0..1 are outside axis 1 of size 4', 'narrow: start 0')
  t.raises(function() return y:narrow(3, 1, 1) end,
           'narrow: argument #2: axis 3 is out of range for a 2-D tensor', 'narrow: axis')
  t.raises(function() return y:narrow(1, 1, -1) end,
           'narrow: argument #4: expected a non-negative length, got -1', 'narrow: length')
  t.raises(function() return y:narrow(1, 'a', 1) end,
           'narrow: argument #3: expected a start index (an integer), got string',
           'narrow: start')
  t.raises(function() return y:slice(3, 5) end,
           'slice: 3..5 is not a range of entries within axis 1 of size 4', 'slice: past the end')
  t.raises(function() return y:slice(0) end,
           'slice: 0..-1 is not a range of entries within axis 1 of size 4', 'slice: 0')
  t.raises(function() return y:slice(3, 2) end,
           'slice: 3..2 is not a range of entries within axis 1 of size 4', 'slice: backwards')
  t.raises(function() return y:slice('a') end,
           'slice: argument #2: expected an index (an integer), got string', 'slice: a string')
  t.raises(function() return y:select(2, 4) end,
           'select: index 4 is out of range for dimension 2 of size 3', 'select: index')
  t.raises(function() return y:select(0, 1) end,
           'select: argument #2: axis 0 is out of range for a 2-D tensor', 'select: axis')
  t.raises(function() return f:fill('x') end, 'fill: argument #2: expected a number, got string',
           'fill: a string')
  t.raises(function() return f:copy(nn.ones(5)) end, 'copy: sizes differ: (5,) into (2, 2)',
           'copy: sizes')
  t.raises(function() return f:copy(true) end,
           'copy: argument #2: expected a tensor, a number or a table of numbers, got boolean',
           'copy: a boolean')
end

---------------------------------------------------------------- reductions
do
  local x = T{{1, 5, 3}, {4, 2, 6}}
  t.is({x:sum(), x:mean(), x:max(), x:min()}, {21, 3.5, 6, 1}, 'sum, mean, max, min')
  t.is({x:argmax(), x:argmin()}, {6, 1}, 'argmax, argmin: 1-based flat positions')
  t.is(math.type(x:argmax()), 'integer', 'argmax is an integer')
  t.is(x:sum(1):totable(), {5, 7, 9}, 'sum(1): down the columns')
  t.is(x:sum(2):totable(), {9, 12}, 'sum(2): along the rows')
  t.is(x:mean(2):totable(), {3, 4}, 'mean(2)')
  t.is(x:max(1):totable(), {4, 5, 6}, 'max(1)')
  t.is(x:min(2):totable(), {1, 2}, 'min(2)')
  t.is(x:argmax(2):totable(), {2, 3}, 'argmax(2): 1-based')
  t.is(x:argmin(1):totable(), {1, 2, 1}, 'argmin(1): 1-based')
  local tr = x:transpose()
  t.is(tr:sum(1):totable(), {9, 12}, 'sum(1) of a transposed view')
  t.is(tr:argmax(1):totable(), {2, 3}, 'argmax(1) of a transposed view')
  t.is(tr:argmax(), 6, 'argmax of a transposed view: position in its own order')
  t.is(x:narrow(2, 2, 2):max(), 6, 'max of a narrowed view')
  t.is(x:select(2, 2):sum(), 7, 'sum of a column view')
  t.is(nn.arange(24):reshape(2, 3, 4):sum(2).shape, {2, 4}, 'sum(2) of 3-D drops axis 2')
  t.is_near(T{3, 4}:norm(), 5, 1e-6, 'norm')
  t.is(T{1, 2}:sum(1):item(), 3, 'sum(1) of 1-D is a scalar tensor')
  t.ok(T{1, 0 / 0, 3}:max() ~= T{1, 0 / 0, 3}:max(), 'max shows a NaN')

  t.raises(function() return nn.zeros(0):max() end, 'max: the tensor is empty', 'max of empty')
  t.raises(function() return nn.zeros(0, 3):argmax(1) end, 'argmax: axis 1 is empty (size 0)',
           'argmax along an empty axis')
  t.is(nn.zeros(0, 3):sum(1):totable(), {0, 0, 0}, 'sum along an empty axis is 0')
  t.raises(function() return x:sum(3) end,
           'sum: argument #2: axis 3 is out of range for a 2-D tensor', 'sum: axis')
  t.raises(function() return x:mean('x') end,
           'mean: argument #2: expected an axis (an integer), got string', 'mean: a string axis')
  t.raises(function() return T(1):sum(1) end,
           'sum: argument #2: axis 1 is out of range for a 0-D tensor', 'sum of a scalar by axis')
end

---------------------------------------------------------------- elementwise functions
do
  local x = T{-1, 0, 4}
  t.is(x:neg():totable(), {1, 0, -4}, 'neg')
  t.is(x:abs():totable(), {1, 0, 4}, 'abs')
  t.is(x:square():totable(), {1, 0, 16}, 'square')
  t.is(x:relu():totable(), {0, 0, 4}, 'relu')
  t.is(T{4, 9}:sqrt():totable(), {2, 3}, 'sqrt')
  t.is_near(T{0, 1}:exp():totable(), {1, math.exp(1)}, 1e-6, 'exp')
  t.is_near(T{1, math.exp(2)}:log():totable(), {0, 2}, 1e-6, 'log')
  t.is_near(T{0, 1}:tanh():totable(), {0, math.tanh(1)}, 1e-6, 'tanh')
  t.is_near(T{0, 2}:sigmoid():totable(), {0.5, 1 / (1 + math.exp(-2))}, 1e-6, 'sigmoid')
  t.is(x:totable(), {-1, 0, 4}, 'functions make new tensors')
  t.is(nn.arange(4):reshape(2, 2):transpose():relu():totable(), {{0, 2}, {1, 3}},
       'a function of a transposed view')
  t.ok(T{-1}:sqrt()[1] ~= T{-1}:sqrt()[1], 'sqrt(-1) is NaN, no error')
  t.raises(function() return x.exp(1) end, 'exp: argument #1: expected a tensor, got number',
           'exp of a number')
end

---------------------------------------------------------------- questions
do
  local x = nn.zeros(2, 3, 4)
  t.is({x:size()}, {2, 3, 4}, 'size() returns every size')
  t.is(x:size(2), 3, 'size(axis)')
  t.is(x:numel(), 24, 'numel')
  t.is(nn.arange(8):reshape(2, 2, 2):totable(), {{{0, 1}, {2, 3}}, {{4, 5}, {6, 7}}},
       'totable of 3-D')
  t.is(T{{1, 2}}:transpose():totable(), {{1}, {2}}, 'totable of a view')
  t.is(T{{42}}:item(), 42, 'item of a 1x1 tensor')
  t.is(nn.arange(6):reshape(2, 3):transpose()[3][2], 5, 'indexing a transposed view')
  t.raises(function() return x:size(4) end,
           'size: argument #2: axis 4 is out of range for a 3-D tensor', 'size: axis')
  t.raises(function() return x:item() end,
           'item: the tensor has 24 elements; item() needs exactly one', 'item of many')
  t.raises(function() return nn.zeros(0):item() end,
           'item: the tensor has 0 elements; item() needs exactly one', 'item of none')
end

---------------------------------------------------------------- closing
do
  local kept
  do
    local c <close> = nn.ones(2)
    kept = c
  end
  t.is(tostring(kept), '[nn.Tensor (closed)]', 'a closed tensor prints as closed')
  t.raises(function() return kept:sum() end, 'sum: argument #1: the tensor was closed',
           'using a closed tensor is an error')
  t.raises(function() return kept[1] end, 'index: argument #1: the tensor was closed',
           'indexing a closed tensor is an error')
  t.raises(function() return kept + 1 end, 'add: argument #1: the tensor was closed',
           'arithmetic on a closed tensor is an error')
  local parent = nn.arange(3)
  local child = parent:narrow(1, 2, 2)
  do local p <close> = parent end
  t.is(child:totable(), {1, 2}, 'a view survives closing its parent')
end

---------------------------------------------------------------- printing
local function lines(s)
  local n = 0
  for _ in (s .. '\n'):gmatch('[^\n]*\n') do n = n + 1 end
  return n
end

t.is(tostring(T{{1, 2, 3}, {4, 5, 6}}),
     ' 1  2  3\n' ..
     ' 4  5  6\n' ..
     '[nn.Tensor of size 2x3]', 'print: integers without decimals')
t.is(tostring(T{1, -20, 3}),
     '  1 -20   3\n' ..
     '[nn.Tensor of size 3]', 'print: a 1-D tensor is one row, as NumPy and PyTorch print it (width of 20 and a sign)')
t.is(tostring(T{0.25, -0.5, 0.125, 1, 0, -1, 0.75, 0.5, 0.0625, 2}),
     ' 0.2500 -0.5000  0.1250  1.0000  0.0000 -1.0000  0.7500  0.5000  0.0625  2.0000\n' ..
     '[nn.Tensor of size 10]', 'print: ten 4-decimal values fit on one line (80 columns)')
t.is(tostring(nn.full({4}, 1e-5) + T{0, 1, 2, 3}),
     ' 1.0000e-05  1.0000e+00  2.0000e+00  3.0000e+00\n' ..
     '[nn.Tensor of size 4]', 'print: a vector in scientific notation, one line')
t.is(tostring(nn.full({8}, 1e-5) + nn.arange(8)),
     'Columns 1 to 6\n' ..
     ' 1.0000e-05  1.0000e+00  2.0000e+00  3.0000e+00  4.0000e+00  5.0000e+00\n' ..
     '\n' ..
     'Columns 7 to 8\n' ..
     ' 6.0000e+00  7.0000e+00\n' ..
     '[nn.Tensor of size 8]', 'print: a vector too wide for a line goes in blocks, as a wide matrix')
t.is(tostring(nn.arange(6):narrow(1, 2, 4)), ' 1  2  3  4\n[nn.Tensor of size 4]',
     'print: a narrowed vector (offset) on one line')
t.is(tostring(nn.arange(6):reshape(2, 3):select(2, 2)), ' 1  4\n[nn.Tensor of size 2]',
     'print: a column of a matrix (stride 3) as a vector on one line')
t.is(tostring(T{{0.5, 0.25}, {-1.5, 3}}),
     ' 0.5000  0.2500\n' ..
     '-1.5000  3.0000\n' ..
     '[nn.Tensor of size 2x2]', 'print: 4 decimals')
t.is(tostring(T{{12.5, 100}}),
     '  12.5000  100.0000\n' ..
     '[nn.Tensor of size 1x2]', 'print: wider for bigger values')
t.is(tostring(T{{1e-5, 2e-5}, {3e-5, 4e-6}}),
     '1e-05 *\n' ..
     '  1.0000  2.0000\n' ..
     '  3.0000  0.4000\n' ..
     '[nn.Tensor of size 2x2]', 'print: tiny values share a scale')
t.is(tostring(T{1234567.5, 2e6}),
     '1e+06 *\n' ..
     '  1.2346  2.0000\n' ..
     '[nn.Tensor of size 2]', 'print: huge values share a scale')
t.is(tostring(T{{1e-5, 200}, {3, 4}}),
     ' 1.0000e-05  2.0000e+02\n' ..
     ' 3.0000e+00  4.0000e+00\n' ..
     '[nn.Tensor of size 2x2]', 'print: scientific when magnitudes differ widely')
t.is(tostring(T{0 / 0, 1 / 0, -1 / 0, 1}),
     ' nan  inf -inf    1\n[nn.Tensor of size 4]', 'print: nan and inf')
t.is(tostring(nn.arange(8):reshape(2, 2, 2)),
     '(1,.,.) =\n' ..
     '  0  1\n' ..
     '  2  3\n' ..
     '\n' ..
     '(2,.,.) =\n' ..
     '  4  5\n' ..
     '  6  7\n' ..
     '[nn.Tensor of size 2x2x2]', 'print: 3-D as (i,.,.) slices')
t.like(tostring(nn.zeros(2, 2, 1, 1)), '^%(1,1,%.,%.%) =\n  0\n\n%(1,2,%.,%.%) =',
       'print: 4-D as (i,j,.,.) slices')
t.is(tostring(nn.zeros(0, 3)), '[nn.Tensor with no elements]', 'print: empty')
t.is(tostring(T(2.5)), ' 2.5000\n[nn.Tensor with no dimensions (a scalar)]', 'print: a scalar')
t.is(tostring(T{{1, 2}, {3, 4}}:transpose()),
     ' 1  3\n 2  4\n[nn.Tensor of size 2x2]', 'print: a transposed view')
t.is(tostring(nn.full({2, 10}, 1e-5) + nn.arange(20):reshape(2, 10)),
     'Columns 1 to 6\n' ..
     ' 1.0000e-05  1.0000e+00  2.0000e+00  3.0000e+00  4.0000e+00  5.0000e+00\n' ..
     ' 1.0000e+01  1.1000e+01  1.2000e+01  1.3000e+01  1.4000e+01  1.5000e+01\n' ..
     '\n' ..
     'Columns 7 to 10\n' ..
     ' 6.0000e+00  7.0000e+00  8.0000e+00  9.0000e+00\n' ..
     ' 1.6000e+01  1.7000e+01  1.8000e+01  1.9000e+01\n' ..
     '[nn.Tensor of size 2x10]', 'print: wide matrices in blocks of columns')
t.is(tostring(nn.arange(10000):reshape(100, 100)),
     '    0     1     2 ...    97    98    99\n' ..
     '  100   101   102 ...   197   198   199\n' ..
     '  200   201   202 ...   297   298   299\n' ..
     '  ...\n' ..
     ' 9700  9701  9702 ...  9797  9798  9799\n' ..
     ' 9800  9801  9802 ...  9897  9898  9899\n' ..
     ' 9900  9901  9902 ...  9997  9998  9999\n' ..
     '[nn.Tensor of size 100x100]', 'print: 100x100 elided to first and last 3')
t.is(tostring(nn.arange(20)),
     '  0   1   2 ...  17  18  19\n[nn.Tensor of size 20]', 'print: a long vector, elided on one line')
do
  local big = tostring(nn.arange(100000):reshape(10, 10, 10, 100))
  t.like(big, '^%(1,1,%.,%.%) =\n      0      1      2 ...     97     98     99\n',
         'print: a big 4-D tensor starts with its first slice')
  t.like(big, '\n%.%.%. %(98 slices not shown%)\n', 'print: the middle slices are summarized')
  t.like(big, '\n%(10,10,%.,%.%) =\n', 'print: the last slice is shown')
  t.like(big, '%[nn.Tensor of size 10x10x10x100%]$', 'print: footer')
  t.ok(lines(big) <= 45, 'print: a big tensor stays within about 40 lines')
  local many = tostring(nn.zeros(50, 4, 4))
  t.like(many, '%.%.%. %(44 slices not shown%)', 'print: many small slices are summarized')
  t.ok(lines(many) <= 45, 'print: many slices stay within about 40 lines')
  t.ok(lines(tostring(nn.rand(60000, 28, 28, 1))) <= 45, 'print: a data set stays short')
end

-- index 0, a habit from Python and C, is refused with a word on why
local v = nn.ones(3)
t.raises(function() return v[0] end, 'index 0 is out of range: a tensor of shape %(3,%) takes t%[i%] with i from 1 to 3 %(indices count from 1 in Lua%)',
         'index 0 says indices count from 1')

t.done_testing()
