-- Lesson 1: tensors, the boxes of numbers every network reads and writes.
-- Shapes, indexing from 1, views that share memory (transpose, narrow, and
-- reshape when it can; else reshape copies), and matmul, the operation
-- under every Dense layer.
-- After a try, L:settle puts back (saying so) what the next pages need
-- when the learner typed a line of their own.

-- Is v the tensor {{1, 2, 3}, {4, 5, 6}}?
local function is_t(v)
  return type(v) == 'userdata' and #v.shape == 2 and v.shape[1] == 2 and v.shape[2] == 3
    and table.concat(v:reshape(6):totable(), ' ') == '1.0 2.0 3.0 4.0 5.0 6.0'
end

-- Does w share its memory with t (is it a view of t)? Change one number of
-- t, look at w, put the number back.
local function shares_memory(w, t)
  local before = w:clone()
  local old = t:reshape(t:numel())[1]
  t:reshape(t:numel())[1] = old + 1000
  local changed = (w - before):abs():max() > 0
  t:reshape(t:numel())[1] = old
  return changed
end

-- Exercise 1: a = nn.ones(3, 4).
-- A shape as Python writes it: (3, 4), and (12,) for one axis.
local function shape_text(shape)
  return '(' .. table.concat(shape, ', ') .. (#shape == 1 and ',' or '') .. ')'
end

local function check_ones(env)
  local a = env.a
  if a == nil then return false, 'still waiting for a = ...' end
  local ok, shape = pcall(function() return a.shape end)
  if not ok or type(shape) ~= 'table' then return false, 'a is a ' .. type(a) .. ', not a tensor' end
  if #shape == 2 and shape[1] == 4 and shape[2] == 3 then
    return false, 'a has shape (4, 3): 4 rows of 3, not 3 rows of 4',
           'The rows come first: nn.ones(rows, columns).'
  end
  if #shape ~= 2 or shape[1] ~= 3 or shape[2] ~= 4 then
    return false, 'a has shape ' .. shape_text(shape) .. ', not (3, 4)',
           #shape == 1 and 'Give two sizes, one per axis: rows, then columns.' or nil
  end
  if a:min() == 0 and a:max() == 0 then
    return false, 'a has the right shape but holds zeros', 'nn.ones, not nn.zeros.'
  end
  if a:max() ~= 1 or a:min() ~= 1 then return false, 'a should hold only ones' end
  return true
end

-- Exercise 2: t[2][1] = -1 through w = t:transpose().
local function check_through_view(env)
  local t, w = env.t, env.w
  if type(t) ~= 'userdata' or type(w) ~= 'userdata' then
    return false, 't and w should be tensors (t = nn.tensor{{1, 2, 3}, {4, 5, 6}}; w = t:transpose())'
  end
  if t[2][1] == -1 then return true end
  if not shares_memory(w, t) then
    return false, 'w no longer shares its memory with t (a clone?), so writing w cannot change t',
           'w = t:transpose() again: a view, not a copy.'
  end
  local moved = {}
  for i = 1, 2 do for j = 1, 3 do
    if t[i][j] == -1 then moved[#moved + 1] = string.format('t[%d][%d] (through w[%d][%d])', i, j, j, i) end
  end end
  if #moved > 0 then
    local swapped = t[1][2] == -1
    return false, 't[2][1] is still 4; the -1 went to ' .. table.concat(moved, ' and ') ..
                  (swapped and ': w[2][1] is row 1, column 2 of t, the indices swapped' or ''),
           'Row i, column j of t is row j, column i of w: t[2][1] is w[1][2].'
  end
  return false, string.format('t[2][1] is still %g: assign -1 to one element of w, w[?][?] = -1', t[2][1])
end

-- Exercise 3: c21 of b:matmul(a) by hand.
local function check_c21(env)
  local v = env.c21
  if v == nil then return false, 'still waiting for c21 = ...' end
  if type(v) ~= 'number' then return false, 'c21 should be a number, written as arithmetic' end
  local want = nn.tensor{{5, 6}, {7, 8}}:matmul(nn.tensor{{1, 2}, {3, 4}})[2][1]  -- 7*1 + 8*3
  if v == want then return true end
  if v == 3 * 5 + 4 * 7 then
    return false, '43 is row 2 of a times column 1 of b: that is a:matmul(b); in b:matmul(a) the row comes from b',
           'b comes first: row 2 of b, (7, 8), and column 1 of a, (1, 3).'
  end
  if v == 7 * 1 + 8 * 2 then
    return false, '23 is row 2 of b times row 1 of a, (1, 2); the second factor gives a column: (1, 3)',
           'Column 1 of a is its first number of each row: 1 and 3.'
  end
  if v == 5 * 2 + 6 * 4 then
    return false, '34 is row 1, column 2 of b:matmul(a): the indices swapped',
           'Row 2 of b, (7, 8), with column 1 of a, (1, 3).'
  end
  if v == 7 * 3 or v == 7 * 1 then
    return false, string.format('%g multiplies single numbers; a matmul element adds a whole row times a column', v),
           'Two products added: row 2 of b, (7, 8), times column 1 of a, (1, 3), pairwise.'
  end
  return false, string.format('%g is off by %g', v, v - want)
end

-- Exercise 4: p = t:matmul(t:transpose()), (2, 2).
local function check_gram(env)
  local p = env.p
  if p == nil then return false, 'still waiting for p = ...' end
  local ok, shape = pcall(function() return p.shape end)
  if not ok or type(shape) ~= 'table' then return false, 'p should be a tensor, not a ' .. type(p) end
  local t = nn.tensor{{1, 2, 3}, {4, 5, 6}}
  if #shape == 2 and shape[1] == 3 and shape[2] == 3 then
    return false, 'p has shape (3, 3): t:transpose():matmul(t) is (3, 2) x (2, 3). The other order gives (2, 2)',
           'Put t first: t:matmul(t:transpose()), (2, 3) x (3, 2).'
  end
  if #shape ~= 2 or shape[1] ~= 2 or shape[2] ~= 2 then
    return false, 'p has shape ' .. shape_text(shape) .. ', not (2, 2)'
  end
  local off = (p - t:matmul(t:transpose())):abs():max()
  if off > 1e-6 then return false, string.format('p is (2, 2) but off by up to %g', off) end
  return true
end

return {
  title = 'Tensors: shapes, views, matmul',
  minutes = 10,
  group = 'basics',
  requires = {},
  run = function(L)
    L:page [[
Welcome to nnstep. Everything a neural network computes is a tensor: a box
of numbers with a shape. An image is a tensor, a layer's weights are a
tensor, a batch of 32 images is one tensor of shape (32, 28, 28, 1).

You talk to nnstep in Lua, a small language. If you know Python you can
read it already; the differences are explained the first time they appear.

Each "try:" line below is run when you press Enter (or type your own line
instead). What it returns is printed, as at the nn> prompt.]]

    L:try('t = nn.tensor{{1, 2, 3}, {4, 5, 6}}',
          'Make a tensor with 2 rows and 3 columns. Everything nnstep has is in\n' ..
          'the table nn (like "import keras"). {...} is a Lua table, which works\n' ..
          'as a list here, so {{1, 2, 3}, {4, 5, 6}} is a list of two rows. When\n' ..
          'the only argument of a call is a table, Lua lets you drop the\n' ..
          'parentheses: nn.tensor{...} means nn.tensor({...}).')
    L:settle(function(env) return is_t(env.t) end, 't = nn.tensor{{1, 2, 3}, {4, 5, 6}}',
           'The next lines need t, the 2x3 tensor above.')
    L:try('t', 'Type a name to see its value. The size is printed under the numbers.')
    L:try('t.shape', 'The shape is a plain Lua table: rows first, then columns.')

    L:page [[
Lua counts from 1, not from 0. t[1] is the first row and t[2][3] is the
element in row 2, column 3. In NumPy that would be t[1, 2].

A dot reads a field (t.shape); a colon calls a method: t:sum() is what
Python writes t.sum(). The colon hands t to the method as its first
argument. Mixing them up is the most common Lua slip: t.sum() fails with
an error about a missing argument.]]

    L:try('t[2][3]', 'Row 2, column 3.')
    L:try('t:sum()', 'Add up everything.')
    L:try('t:sum(1)', 'Add along axis 1 (down the rows): one sum per column.')
    L:try('t:mean(2)', 'Average along axis 2 (across each row): one mean per row.')
    local t = nn.tensor{{1, 2, 3}, {4, 5, 6}}
    L:check(t[2][3] == 6 and t.shape[1] == 2 and t.shape[2] == 3, 't[2][3] is 6 in a 2x3 tensor')
    L:check(t:sum() == 21 and t:sum(1)[3] == 9 and t:mean(2)[2] == 5, 'sums and means along axes')

    L:exercise{
      prompt = 'Make a tensor of ones with 3 rows and 4 columns and call it a.\n' ..
               '(nn.ones(...) takes the sizes; a = ... makes a new name.)',
      answer = 'a = nn.ones(3, 4)',
      wrong = {'a = nn.ones(4, 3)', 'a = nn.zeros(3, 4)', 'a = nn.ones(12)'},
      check = check_ones,
      hints = {'nn.ones takes the sizes, rows first, like np.ones((3, 4)).',
               'a = nn.ones(3, 4)'},
    }

    L:page [[
A batch of data is one tensor whose first axis counts the examples, as in
Keras. x[1] is then the first example, itself a tensor.

Fashion-MNIST images are 28 by 28 pixels with 1 channel (grey), so a batch
of 32 of them has shape (32, 28, 28, 1). nn.rand fills a tensor with random
numbers between 0 and 1: a batch of noise, for now.]]

    L:try('x = nn.rand(32, 28, 28, 1)', 'Thirty-two "images" of noise.')
    L:try('x.shape, x[1].shape, #x',
          'The batch, one image, and the length operator #, which gives the\n' ..
          'size of the first axis (Python\'s len).')
    L:check(#nn.rand(32, 28, 28, 1) == 32 and #nn.rand(32, 28, 28, 1)[1].shape == 3,
            '# counts the first axis; x[1] drops it')

    L:page [[
Views. A tensor is two things: a block of memory holding the numbers, and
a description of how to read it (the shape, and the strides: how far to
jump in memory to reach the next row or the next column).

transpose, narrow and t[i] only write a new description. They copy
nothing, so the new tensor is a view of the same numbers: change one and
the other changes too. reshape does the same whenever it can, and it always
can for a tensor made by nn.tensor, nn.zeros and the like. NumPy and
PyTorch work the same way. When you really want a copy, ask for one with
clone().]]

    L:settle(function(env) return is_t(env.t) end, 't = nn.tensor{{1, 2, 3}, {4, 5, 6}}',
           'The next lines need t = {{1, 2, 3}, {4, 5, 6}} again.')
    L:try('v = t:reshape(3, 2)', 'Read the six numbers of t as 3 rows of 2, in the same order.')
    L:try('v[1][1] = 100', 'Change the view. (An assignment prints nothing.)')
    L:try('t', 'And t changed too: they share their memory.')
    local t2 = nn.tensor{{1, 2, 3}, {4, 5, 6}}
    local v2 = t2:reshape(3, 2)
    v2[1][1] = 100
    L:check(t2[1][1] == 100, 'a reshaped view shares memory with its tensor')
    local row = t2[2]
    row[3] = -6
    L:check(t2[2][3] == -6, 't[i] is a view too')
    local c2 = t2:clone()
    c2[1][1] = 7
    L:check(t2[1][1] == 100, 'a clone does not share memory')

    L:try('t:stride()', 'Strides of t: 3 to the next row, 1 to the next column.')
    L:try('w = t:transpose()', 'The transpose: rows become columns. Nothing is copied...')
    L:try('w:stride()', '...the two strides are swapped, that is all.')
    L:try('t:narrow(2, 2, 2)',
          'narrow(axis, start, length): along axis 2 (columns), from column 2,\n' ..
          'take 2 columns. Another view.')
    L:check(select(1, t2:stride()) == 3 and select(2, t2:stride()) == 1, 'a 2x3 tensor has the strides 3 and 1')
    L:check(select(1, t2:transpose():stride()) == 1 and select(2, t2:transpose():stride()) == 3,
            'transpose swaps the strides')

    L:page [[
So reshape does copy, when it must. A transpose's numbers are not in row
order in memory: its first row, the first column of t, is 1 and 4, which
are 3 apart. No strides can read w as one row of six, so w:reshape(6)
copies the numbers, row by row, into a new block. The same goes for
t:narrow(2, 2, 2), whose rows have a gap between them; but t:narrow(1, 2, 1),
one whole row, reshapes as a view. NumPy's and PyTorch's reshape behave
exactly so: a view when the strides allow it, else a copy. When you need
a view, ask for one with w:view(6): it is always a view, and an error when
it cannot be one.]]
    L:try('t = nn.tensor{{1, 2, 3}, {4, 5, 6}}; w = t:transpose()',
          'A fresh t (the old one holds the 100 you wrote through v) and its transpose.')
    L:settle(function(env) return is_t(env.t) and shares_memory(env.w, env.t) and env.w.shape[1] == 3 end,
           't = nn.tensor{{1, 2, 3}, {4, 5, 6}}; w = t:transpose()', 'The next lines need this t and w.')
    L:try('r = w:reshape(6)', 'Read w as one row of six.')
    L:settle(function(env)
             return type(env.r) == 'userdata' and table.concat(env.r:totable(), ' ') == '1.0 4.0 2.0 5.0 3.0 6.0'
               and not shares_memory(env.r, env.t)
           end, 'r = w:reshape(6)', 'The next lines need r, the reshape of w (a copy).')
    L:try('r', 'w read row by row: 1 4 2 5 3 6, in a new block of memory.')
    L:try('r[1] = 100', 'Change the copy...')
    L:try('t', '...and t is as it was: a copy shares nothing.')
    local w3 = nn.tensor{{1, 2, 3}, {4, 5, 6}}:transpose()
    local r3 = w3:reshape(6)
    L:check(table.concat(r3:totable(), ' ') == '1.0 4.0 2.0 5.0 3.0 6.0',
            'the reshape of a transpose reads it row by row')
    r3[1] = 100
    L:check(w3[1][1] == 1, 'the reshape of a transpose is a copy')
    L:check(not pcall(w3.view, w3, 6), 'view refuses what needs a copy')
    do  -- narrow: columns leave gaps (a copy), a whole row does not (a view)
      local t4 = nn.tensor{{1, 2, 3}, {4, 5, 6}}
      local cols, row = t4:narrow(2, 2, 2):reshape(4), t4:narrow(1, 2, 1):reshape(3)
      cols[1], row[1] = 55, 77
      L:check(t4[1][2] == 2 and t4[2][1] == 77, 'reshape copies narrowed columns, and views a narrowed row')
    end

    L:settle(function(env) return is_t(env.t) and shares_memory(env.w, env.t) and env.w.shape[1] == 3 end,
           't = nn.tensor{{1, 2, 3}, {4, 5, 6}}; w = t:transpose()', 'The exercise needs t as it was and w, its transpose.')
    L:exercise{
      prompt = 't is {{1, 2, 3}, {4, 5, 6}} again and w = t:transpose(). Without\n' ..
               'writing t, change the element of t in row 2, column 1 (now 4) to -1\n' ..
               'by assigning to one element of w.',
      answer = 'w[1][2] = -1',
      wrong = {'print(w)', 'w[2][1] = -1'},
      check = check_through_view,
      hints = {'Row i, column j of t is row j, column i of its transpose.',
               'w[1][2] = -1'},
    }

    L:page [[
Matrix multiplication. a:matmul(b) multiplies an (n, k) tensor by a (k, m)
tensor and gives (n, m). Each output number is a dot product: row i of a
times column j of b, element by element, added up. The inner sizes (both
k) must agree.

This one operation is most of a neural network's work: a Dense layer is a
matmul of the inputs by the weights. The next lesson shows that.

Careful: a * b multiplies element by element (like NumPy's a * b), it is
not matmul (NumPy's a @ b).]]

    L:try('a = nn.tensor{{1, 2}, {3, 4}}; b = nn.tensor{{5, 6}, {7, 8}}',
          'Two 2x2 tensors. A semicolon may separate two statements on one line.')
    L:run('a = nn.tensor{{1, 2}, {3, 4}}; b = nn.tensor{{5, 6}, {7, 8}}')
    L:try('a:matmul(b)', 'Row 1 of a times column 1 of b: 1*5 + 2*7 = 19.')
    L:try('a * b', 'Element by element: 1*5, 2*6, 3*7, 4*8.')
    L:try('t:matmul(t)', 'A (2, 3) by a (2, 3): the inner sizes, 3 and 2, differ. An error says so.')
    local a, b = nn.tensor{{1, 2}, {3, 4}}, nn.tensor{{5, 6}, {7, 8}}
    local ab = a:matmul(b)
    L:check(ab[1][1] == 19 and ab[1][2] == 22 and ab[2][2] == 50, 'matmul is rows times columns')
    L:check((a * b)[2][1] == 21, '* is element by element')
    L:check(not pcall(function() return t:matmul(t) end), 'matmul checks the inner sizes')

    L:exercise{
      prompt = 'Now the other order. Without matmul, work out the number in row 2,\n' ..
               'column 1 of b:matmul(a), with a = {{1, 2}, {3, 4}} and\n' ..
               'b = {{5, 6}, {7, 8}}. Write it as arithmetic and store it in c21.',
      answer = 'c21 = 7 * 1 + 8 * 3',
      wrong = {'c21 = 3 * 5 + 4 * 7', 'c21 = 7 * 1 + 8 * 2', 'c21 = 7 * 3'},
      check = check_c21,
      hints = {'In b:matmul(a), b comes first: take row 2 of b, (7, 8), and\n' ..
               'column 1 of a, (1, 3).',
               'Multiply them pairwise and add: c21 = 7 * 1 + 8 * 3'},
    }

    L:settle(function(env) return is_t(env.t) end, 't = nn.tensor{{1, 2, 3}, {4, 5, 6}}',
             "t holds the exercise's -1.")
    L:exercise{
      prompt = 't is (2, 3) again. Multiply t by its own transpose so that the\n' ..
               'result is 2x2, and call it p. (Which order makes the inner sizes agree\n' ..
               'and gives 2x2?)',
      answer = 'p = t:matmul(t:transpose())',
      wrong = {'p = t:transpose():matmul(t)', 'p = t * t:transpose()'},
      check = check_gram,
      hints = {'(2, 3) times (3, 2) gives (2, 2). t:transpose() is (3, 2).',
               'p = t:matmul(t:transpose())'},
    }

    L:page [[
What you have seen:

  nn.tensor{...}, nn.ones, nn.zeros, nn.rand   make tensors
  t.shape, #t, t[i][j]                           look at them (from 1)
  t:transpose, t:narrow, t[i], t:view           views: no copy
  t:reshape                                      a view when it can, else a copy
  t:clone()                                      a copy
  a:matmul(b)                                    (n, k) x (k, m) -> (n, m)

Lua so far: {...} tables, f{...} calls, t.field versus t:method(), # for
length. Two more you will meet: ~= means "not equal" (Python's !=), and
-- starts a comment (Python's #).

Next lesson: one neuron, then a Dense layer, computed by hand and by the
engine.]]
  end,
}
