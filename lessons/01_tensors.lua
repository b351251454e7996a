-- Lesson 1: tensors, the boxes of numbers every network reads and writes.
-- Shapes, indexing from 1, views that share memory (transpose, narrow, and
-- reshape when it can; else reshape copies), and matmul, the operation
-- under every Dense layer.
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
    L:run('t = nn.tensor{{1, 2, 3}, {4, 5, 6}}')  -- whatever was typed, go on from here
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
      wrong = 'a = nn.ones(4, 3)',
      check = function(env)
        local ok, shape = pcall(function() return env.a.shape end)
        if not ok or type(shape) ~= 'table' then return false, 'a is not a tensor yet' end
        if #shape ~= 2 or shape[1] ~= 3 or shape[2] ~= 4 then
          return false, 'a has shape (' .. table.concat(shape, ', ') .. '), not (3, 4)'
        end
        return env.a:max() == 1 and env.a:min() == 1, 'a should hold only ones'
      end,
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

    L:run('t = nn.tensor{{1, 2, 3}, {4, 5, 6}}')
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
    L:check(select(1, t2:transpose():stride()) == 1 and select(2, t2:transpose():stride()) == 3,
            'transpose swaps the strides')

    L:page [[
A transpose's numbers are not in row order in memory: its first row, the
first column of t, is 1 and 4, which are 3 apart. So no strides can read
w as one row of six, and w:reshape(6) copies the numbers, row by row, into
a new block. As PyTorch says: reshape may return a view or a copy. When you
need a view, ask for one with w:view(6): it is always a view, and an error
when it cannot be one.]]
    L:run('t = nn.tensor{{1, 2, 3}, {4, 5, 6}}; w = t:transpose()')
    L:try('r = w:reshape(6)', 'Read w as one row of six.')
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

    L:run('t = nn.tensor{{1, 2, 3}, {4, 5, 6}}; w = t:transpose()')
    L:exercise{
      prompt = 't is {{1, 2, 3}, {4, 5, 6}} again and w = t:transpose(). Without\n' ..
               'writing t, change the element of t in row 2, column 1 (now 4) to -1\n' ..
               'by assigning to one element of w.',
      answer = 'w[1][2] = -1',
      wrong = 'w[2][1] = -1',
      check = function(env)
        return env.t ~= nil and env.t[2][1] == -1
      end,
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
      wrong = 'c21 = 3 * 5 + 4 * 7',
      check = function(env)
        local expected = nn.tensor{{5, 6}, {7, 8}}:matmul(nn.tensor{{1, 2}, {3, 4}})[2][1]
        return type(env.c21) == 'number' and env.c21 == expected
      end,
      hints = {'In b:matmul(a), b comes first: take row 2 of b, (7, 8), and\n' ..
               'column 1 of a, (1, 3).',
               'Multiply them pairwise and add: c21 = 7 * 1 + 8 * 3'},
    }

    L:run('t = nn.tensor{{1, 2, 3}, {4, 5, 6}}')
    L:exercise{
      prompt = 't is (2, 3) again. Multiply t by its own transpose so that the\n' ..
               'result is 2x2, and call it p. (Which order makes the inner sizes agree\n' ..
               'and gives 2x2?)',
      answer = 'p = t:matmul(t:transpose())',
      wrong = 'p = t:transpose():matmul(t)',
      check = function(env)
        local p = env.p
        local t = nn.tensor{{1, 2, 3}, {4, 5, 6}}
        return p ~= nil and #p.shape == 2 and p.shape[1] == 2 and p.shape[2] == 2
          and p[1][1] == 14 and p[1][2] == 32 and p[2][1] == 32 and p[2][2] == 77
          and (p - t:matmul(t:transpose())):abs():max() == 0
      end,
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
length, ~= for "not equal", -- starts a comment.

Next lesson: one neuron, then a Dense layer, computed by hand and by the
engine.]]
  end,
}
