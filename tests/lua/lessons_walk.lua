-- lessons_walk.lua: what a learner walking lessons 18-22 by hand ran into
-- (issue 18's walk-through), kept fixed. Typed into lesson 18 (the real
-- runner; io.read answers from a script): Python habits get their Lua
-- spelling (floor(x) is math.floor, f(x, stride=2) has no keyword
-- arguments, (3, 3) is no tuple); a probe at an exercise is "still
-- waiting" (every exercise of 18-22); a line typed at a page runs (it was
-- dropped silently); hint typed at a try is explained, not
-- run as a global; 28 - 5 // 2 + 1 is told that Lua divides first. Run
-- unattended, lessons 18-22: every line of a page, a try's note or an
-- exercise's prompt fits 80 columns, and lesson 22's "another word" try
-- prints a word.
local t = require 'tap'

-- Progress is not written to the tester's own state directory.
nn.lessons.files.state_dir = function() return nil, 'not during the tests' end

-- Run lesson n. tries[code] is the list of lines typed at the try showing
-- code, one per prompt (then Enter); exercises[k] the lines typed at
-- exercise k (then skip). Returns everything shown, one string.
local function typed(n, tries, exercises, pages)
  local shown = {}
  local real_print, real_write, real_read = print, io.write, io.read
  local exercise, queue = 0, {}
  local try_queues = {}
  for code, lines in pairs(tries) do try_queues[code] = {table.unpack(lines)} end
  local page_queues = {}  -- pages[snippet]: lines typed at the page holding snippet
  for snippet, lines in pairs(pages or {}) do page_queues[snippet] = {table.unpack(lines)} end
  print = function(...)
    local parts = table.pack(...)
    for i = 1, parts.n do parts[i] = tostring(parts[i]) end
    shown[#shown + 1] = table.concat(parts, '\t') .. '\n'
  end
  io.write = function(...)
    for _, s in ipairs{...} do shown[#shown + 1] = tostring(s) end
    return io.stdout
  end
  io.read = function()
    local prompt = shown[#shown]
    local answer = ''
    if prompt == 'lesson> ' then
      for i = #shown, 1, -1 do
        local code = shown[i]:match('^   try:  (.*)\n$')
        if code then answer = table.remove(try_queues[code] or {}, 1) or '' break end
      end
    elseif prompt == 'exercise> ' then
      local seen = 0
      for i = 1, #shown do if shown[i]:find('^Exercise: ') then seen = seen + 1 end end
      if seen ~= exercise then exercise, queue = seen, {table.unpack(exercises[seen] or {})} end
      answer = table.remove(queue, 1) or 'skip'
    elseif prompt == '\n   [Enter] ' then
      for i = #shown, math.max(1, #shown - 20), -1 do
        for snippet, lines in pairs(page_queues) do
          if shown[i]:find(snippet, 1, true) and #lines > 0 then answer = table.remove(lines, 1) break end
        end
        if answer ~= '' then break end
      end
    end
    shown[#shown + 1] = answer .. '\n'  -- as the terminal echoes it
    return answer
  end
  local ok, err = pcall(nn.lessons.start, n)
  print, io.write, io.read = real_print, real_write, real_read
  t.ok(ok, 'lesson ' .. n .. ' runs typed', tostring(err))
  return table.concat(shown)
end

local function has(out, text, name) t.ok(out:find(text, 1, true) ~= nil, name, 'missing: ' .. text) end

-- ---- lesson 18, typed ----
local out = typed(18, {
  ['img'] = {'hint'},
  ['conv_by_hand(img, k, 2)'] = {'conv_by_hand(img, k, stride=2)'},
}, {
  {'print(conv_shape(28, 5, {strides = 2}))', 'rows = floor((28 - 5) / 2) + 1', 'rows = 28 - 5 // 2 + 1'},
  [5] = {'m5 = nn.Sequential{nn.Conv2D(16, (3, 3), {input_shape = {28, 28, 8}, strides = 2})}'},
}, {
  ["is lesson 7's n - k + 1."] = {'conv_by_hand(img, k, 3)', 'hint'},
})
has(out, "is lesson 7's n - k + 1.\n\n   [Enter] conv_by_hand(img, k, 3)\n 15\n",
    'a line typed at a page runs and shows its result (the stride-3 output, 15), not dropped')
has(out, '(hint and skip are for exercises; a page waits for Enter, and runs a line you type)',
    'hint at a page is explained')
has(out, '(hint and skip are for exercises; here Enter runs the line above, or type your own)',
    'hint at a try is explained, not run as a global (nil)')
t.ok(not out:find('try:  img\nlesson> hint\nnil', 1, true), 'hint at a try does not print nil')
has(out, "error: lesson:1: ')' expected near '='\ntip: Lua has no keyword arguments: pass the values in order",
    'f(x, stride=2): Lua has no keyword arguments, said under the error')
has(out, 'Not yet: still waiting for rows = ...', 'a probe before rows is set is no wrong answer')
has(out, "(global 'floor')\ntip: in Lua, write math.floor(...)", 'floor(x) is math.floor(x)')
has(out, 'Not yet: 27: Lua divides before it subtracts, so that is 28 - (5 // 2) + 1',
    '28 - 5 // 2 + 1: the precedence is named')
has(out, "tip: Lua has no tuples: a list or a shape is a table, {3, 3}", '(3, 3): Lua has no tuples')
do  -- the tips under an error fit 80 columns
  local wide = {}
  for line in out:gmatch('[^\n]+') do
    if (line:find('^%(%a+ is math%.') or line:find('^%(Lua has') or line:find('^ or the options')
        or line:find('^ results are')) and utf8.len(line) > 80 then
      wide[#wide + 1] = line
    end
  end
  t.ok(#wide == 0, 'the Python tips fit 80 columns', table.concat(wide, '\n'))
end
has(out, 'Lesson 18 is done.', 'the lesson goes on to its end')

-- ---- lessons 18-22 unattended: widths, and lesson 22's word ----
-- A page, a try's note and an exercise's prompt are each printed right
-- after an empty line (lessons.lua): those lines must fit 80 columns.
for _, n in ipairs{18, 19, 20, 21, 22} do
  local real_print, previous, wide, all = print, nil, {}, {}
  print = function(...)
    local parts = table.pack(...)
    for i = 1, parts.n do parts[i] = tostring(parts[i]) end
    local text = table.concat(parts, '\t')
    if previous == '' then
      for line in (text .. '\n'):gmatch('([^\n]*)\n') do
        if utf8.len(line) > 80 then wide[#wide + 1] = utf8.len(line) .. ': ' .. line end
      end
    end
    previous = text
    all[#all + 1] = text
  end
  local ok, err = pcall(nn.lessons.start, n, {auto = true})
  print = real_print
  t.ok(ok, 'lesson ' .. n .. ' runs unattended', tostring(err))
  t.ok(#wide == 0, 'lesson ' .. n .. ': its pages, notes and prompts fit 80 columns', table.concat(wide, '\n'))
  if n == 22 then
    local word
    for i, text in ipairs(all) do
      if text:find('randomseed(7)', 1, true) then word = all[i + 1] break end
    end
    t.like(word or '', '^%l+$', "lesson 22: 'another seed, another word' shows the word", tostring(word))
  end
end

t.done_testing()
