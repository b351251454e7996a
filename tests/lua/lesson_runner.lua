-- lesson_runner.lua: parts of the lesson runner (repl/lua/lessons.lua) a
-- learner reads: L:plot's axis labels.
local t = require 'tap'
local Lesson = nn.lessons.helper()

-- The lines L:plot prints.
local function plot(...)
  local lines, real_print = {}, print
  print = function(line) lines[#lines + 1] = line end
  local ok, err = pcall(Lesson.plot, {}, ...)
  print = real_print
  assert(ok, err)
  return lines
end

-- ---- L:plot: the x axis says where it is ----
-- The plot is 61 columns wide after an 8-column margin (7 for the y label,
-- a space): column c (1..61) stands for x = from + (c - 1) * (to - from) / 60.
local function column_of(x, from, to) return math.floor((x - from) / (to - from) * 60 + 0.5) + 1 end
local function at(text, col) return text:sub(8 + col, 8 + col) end

do  -- a range holding 0: -2 .. 6; 0 is at column 1 + 2/8 * 60 = 16
  local lines = plot(function(x) return x / 2 end, -2, 6, -1, 3)
  local labels = lines[#lines]
  t.is(labels, string.rep(' ', 8) .. '-2' .. string.rep(' ', 13) .. '0' .. string.rep(' ', 44) .. '6',
       'plot: -2 at the left edge, 0 under the y axis (column 16), 6 at the right edge')
  t.is(column_of(0, -2, 6), 16, 'plot: 0 is at column 16 of 61 (arithmetic)')
  t.is(at(lines[1], 16), '|', 'plot: the y axis is drawn at the column the 0 label is under')
  t.is(lines[1]:sub(1, 7), '      3', 'plot: top of the y axis labelled 3')
end

do  -- a range without 0: 1 .. 3; the label in the middle is its value, 2
  local labels = plot(function(x) return x end, 1, 3, 0, 4)[13 + 1]
  t.is(labels, string.rep(' ', 8) .. '1' .. string.rep(' ', 29) .. '2' .. string.rep(' ', 29) .. '3',
       'plot: a range without 0 labels its middle with its value (not a 0 that is not there)')
  t.is(1 + (31 - 1) * (3 - 1) / 60, 2.0, 'plot: column 31 stands for x = 2 (arithmetic)')
end

do  -- 0 at the left edge: 0 .. 10; no second 0, the middle is 5
  local labels = plot(function(x) return x end, 0, 10, 0, 10)[14]
  t.is(labels, string.rep(' ', 8) .. '0' .. string.rep(' ', 29) .. '5' .. string.rep(' ', 28) .. '10',
       'plot: from 0: the middle label is 5, and 10 ends at the right edge')
  t.ok(not labels:find('0.-0.-0.-10'), 'plot: no made-up 0 in the middle')
end

do  -- 0 too near an edge for a label of its own: -0.1 .. 100
  local labels = plot(function(x) return x end, -0.1, 100, 0, 100)[14]
  t.is(labels, string.rep(' ', 8) .. '-0.1' .. string.rep(' ', 54) .. '100',
       'plot: a 0 that would overlap the left label is left out, not moved')
end

t.done_testing()
