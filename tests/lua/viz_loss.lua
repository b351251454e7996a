-- viz_loss.lua: the loss view's pictures checked against arithmetic done
-- here: a validation loss that rises (0.84 -> 0.98 over 5 epochs, lesson
-- 14's overfitting) lands on distinct braille dot rows in the right order,
-- epoch ends are ticks at the columns of their last batches, a log axis is
-- labelled at its decades on the rows their values fall on, and learning
-- rate changes are marked at the batches recorded (and listed in fit's
-- history).
local t = require 'tap'

local function lines(text)
  local out = {}
  for line in text:gmatch('([^\n]*)\n') do out[#out + 1] = line end
  return out
end

-- The glyphs of a line, one per column (every glyph is one column wide).
local function cells(line)
  local out = {}
  for _, cp in utf8.codes(line) do out[#out + 1] = utf8.char(cp) end
  return out
end

-- The braille dots of a glyph, as a set of [dx][dy] (0-based), or nil.
local bit_of = {{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}}
local function has_dot(glyph, dx, dy)
  local cp = glyph and utf8.codepoint(glyph) or 0
  if cp < 0x2800 or cp > 0x28ff then return false end
  return (cp - 0x2800) & bit_of[dx + 1][dy + 1] ~= 0
end

-- Layout of a snapshot with frame = false: row 1 the title, the plot from
-- row 2, the y axis in 9 columns; a plot of w columns has 2w dot columns.
local AXIS_W = 9
-- viz_plot_column: where batch i (0-based) of n falls, in cells.
local function column(i, n, w) return (math.floor(i * (2 * w - 1) / (n - 1) + 0.5)) // 2 end
-- viz_line_plot's dot row (0 at the top) of value v on a plot h rows high.
local function dot_row(v, lo, hi, h) return math.floor((hi - v) / (hi - lo) * (4 * h - 1) + 0.5) end

-- ---- a rise of 0.84 -> 0.98 over 5 epochs ----

-- 25 batches at a flat training loss of 0.5, 5 epochs of 5 batches: the
-- plot's range is 0.5 .. 0.98, 80 x 20: the plot is 70 columns, 15 rows
-- (title, then 15 rows, axis line, labels, key, notes).
local val = {0.84, 0.87, 0.91, 0.94, 0.98}
local flat = {}
for i = 1, 25 do flat[i] = 0.5 end
local pic = nn.viz.snapshot('loss', {loss = flat, val_loss = val, frame = false, width = 80,
                                     height = 20})
local rows = lines(pic)
local w, h = 70, 15
local previous
for e, v in ipairs(val) do
  local col = AXIS_W + column(5 * e - 1, 25, w) + 1  -- 1-based in the line
  local dot = dot_row(v, 0.5, 0.98, h)
  local top = dot + 1 < 4 * h and dot or dot - 1
  local block = true
  for d = top, top + 1 do
    local glyph = cells(rows[2 + d // 4])[col]
    block = block and has_dot(glyph, 0, d % 4) and has_dot(glyph, 1, d % 4)
  end
  t.ok(block, string.format('epoch %d: val loss %.2f is a 2x2 dot block at dot row %d, column %d',
                            e, v, dot, col), pic)
  if previous then
    t.ok(dot < previous, string.format('epoch %d sits higher than epoch %d (dot row %d < %d)',
                                       e, e - 1, dot, previous))
  end
  previous = dot
end
t.like(rows[#rows], '^validation: last 0.98, lowest 0.84 %(epoch 1%)', 'the notes say it in numbers')

-- the same rise under lesson 14's training loss (2.3 falling to 0.01): the
-- range is then 0.01 .. 2.3 and the rise is still at least 3 dot rows
local falling = {}
for i = 1, 25 do falling[i] = 0.01 + 2.29 * math.exp(-(i - 1) / 4) end
local lesson = lines(nn.viz.snapshot('loss', {loss = falling, val_loss = val, frame = false,
                                              width = 80, height = 20}))
local first = dot_row(0.84, 0.01, 2.3, h)
local last = dot_row(0.98, 0.01, 2.3, h)
t.ok(first - last >= 3, 'under a 2.3 .. 0.01 loss the rise spans ' .. (first - last) .. ' dot rows')
local glyph = cells(lesson[2 + last // 4])[AXIS_W + column(24, 25, w) + 1]
t.ok(has_dot(glyph, 0, last % 4) and has_dot(glyph, 1, last % 4), 'the last epoch\'s block is there')

-- ---- epoch ends: ticks on the axis line ----

local axis = cells(rows[2 + h])
for e = 1, 5 do
  local col = AXIS_W + column(5 * e - 1, 25, w) + 1
  t.is(axis[col], '┴', 'epoch ' .. e .. ' ends at column ' .. col .. ' (batch ' .. 5 * e .. ')')
end
local _, ticks = rows[2 + h]:gsub('┴', '')
t.is(ticks, 5, 'one tick per epoch, no more')
t.like(rows[2 + h // 2], '┊', 'a dotted line up through the plot at an epoch end (14 columns apart)')
-- 100 epochs of 1 batch on 70 columns: every 10th epoch (every 5th would be
-- 3.5 columns apart; marks stand 4 apart at least)
local many = {}
for i = 1, 100 do many[i] = 1 / i end
local crowded = lines(nn.viz.snapshot('loss', {loss = many, val_loss = many, frame = false,
                                               width = 80, height = 20}))
local _, crowded_ticks = crowded[2 + h]:gsub('┴', '')
t.is(crowded_ticks, 10, '100 epochs: a tick every 10th, not 100 on 70 columns')
local _, lines_up = crowded[2 + h // 2]:gsub('┊', '')
t.ok(lines_up <= 5, '100 epochs: dotted lines only every 20th (12 columns apart at least): ' .. lines_up)

-- ---- the log axis: labelled at its decades ----

-- 5 .. 0.02 on a log axis: decades 1e0 and 1e-1 (1e-2 is below 0.02)
local span = {}
for i = 1, 30 do span[i] = 5 * (0.02 / 5) ^ ((i - 1) / 29) end
local log_rows = lines(nn.viz.snapshot('loss', {loss = span, frame = false, width = 80,
                                                height = 20, log = true}))
local lh = 16  -- no validation: no notes line
local lo, hi = math.log(0.02, 10), math.log(5, 10)
for _, d in ipairs({0, -1}) do
  local row = 2 + dot_row(d, lo, hi, lh) // 4
  t.like(log_rows[row], '^ *1e' .. tostring(d):gsub('%-', '%%-') .. '┤', '1e' .. d .. ' labels row ' .. row)
end
t.ok(not table.concat(log_rows, '\n'):find('1e%-2'), 'no 1e-2: it is out of the range')
t.like(log_rows[1], '^loss per batch %(log scale%)', 'the title says log scale')

-- ---- learning-rate changes: marks at the batches recorded ----

local changes = {{batch = 8, from = 0.01, to = 0.02}, {batch = 18, from = 0.02, to = 0.005}}
local lr_rows = lines(nn.viz.snapshot('loss', {loss = flat, val_loss = val, frame = false,
                                               width = 100, height = 20,
                                               learning_rate_changes = changes}))
local lr_axis = cells(lr_rows[2 + h])
t.is(lr_axis[AXIS_W + column(7, 25, 90) + 1], '▲', 'the rate doubled from batch 8: ▲ there')
t.is(lr_axis[AXIS_W + column(17, 25, 90) + 1], '▼', 'and quartered from batch 18: ▼ there')
t.like(lr_rows[#lr_rows], 'lr 0.02 → 0.005 at batch 18 %(%+1 earlier%)', 'the last change in words')
t.like(lr_rows[#lr_rows - 1], '▲▼ learning rate', 'the key names the marks')
local ascii_axis = lines(nn.viz.snapshot('loss', {loss = flat, frame = false, width = 80,
                                                  height = 20, ascii = true,
                                                  learning_rate_changes = changes}))
t.like(table.concat(ascii_axis, '\n'), '%+%-+%^', 'ASCII: ^ for up')

-- ---- a fit: changes made during it go into the record and the history ----

nn.seed(3)
local m = nn.Sequential{nn.Dense(2, {input_shape = {3}, activation = 'softmax'})}
m:compile{optimizer = nn.optimizers.SGD{learning_rate = 0.01}, loss = 'categorical_crossentropy'}
local x = nn.randn{12, 3}
local y = nn.utils.to_categorical(nn.tensor{0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, 2)
local current_epoch
local press = {
  on_epoch_begin = function(epoch) current_epoch = epoch end,  -- 1-based, as batch
  on_batch_end = function(batch)
    -- after batch 2 of epoch 2, as the + key would
    if current_epoch == 2 and batch == 2 then nn.viz.learning_rate(m, 0.02, 'key') end
  end,
}
local h = m:fit(x, y, {epochs = 3, batch_size = 4, verbose = 0, shuffle = false,
                       callbacks = {press}})
t.is(h.learning_rate_changes, {{epoch = 2, batch = 3, step = 6, from = 0.01, to = 0.02, by = 'key'}},
     'history.learning_rate_changes: from batch 3 of epoch 2 (step 6 of 9), 0.01 -> 0.02')
t.is(h.learning_rate, {0.01, 0.02, 0.02}, 'history.learning_rate: the rate at each epoch\'s end')
local rec = nn.viz.history(m).learning_rate_changes
t.is(#rec, 1, 'the model\'s record has it too')
t.is(rec[1].step, 6, 'at step 6')
local drawn = lines(nn.viz.snapshot('loss', {model = m, frame = false, width = 80, height = 20}))
local naxis
for i, line in ipairs(drawn) do if line:find('└') then naxis = cells(line) end end
t.is(naxis[AXIS_W + column(5, 9, w) + 1], '▲', 'the loss view marks it at batch 6 of 9')
local h2 = m:fit(x, y, {epochs = 1, batch_size = 4, verbose = 0})
t.is(h2.learning_rate_changes, {}, 'a fit without changes has none (the earlier fit\'s stay its own)')
nn.viz.learning_rate(m, 0.02)
t.is(#nn.viz.history(m).learning_rate_changes, 1, 'setting the same rate is no change')

t.done_testing()
