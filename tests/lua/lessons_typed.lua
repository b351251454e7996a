-- lessons_typed.lua: lessons 1-4 as a learner types them (issue 18): a
-- line of their own at a "try:" that errors or differs is followed by what
-- the lesson sets up instead, shown (never a silent fix-up that makes the
-- screen contradict them); a probe at an exercise is "still waiting", not a
-- wrong answer; a mistake's hint comes first; bare max gets a math.max tip
-- (nn.tips, also in a function body that ran);
-- kernel[1][2] on a (2, 1) kernel says which shape and indices are valid.
-- The real runner runs the lessons; io.read answers its prompts from a
-- script, keyed by the try's code or the exercise's number, and print and
-- io.write are captured. (--auto, in tests/terminal/lessons.sh, types only
-- the model answers and the wrong answers.)
local t = require 'tap'

-- Progress is not written to the tester's own state directory.
nn.lessons.files.state_dir = function() return nil, 'not during the tests' end

-- Run lesson n. tries[code] is typed at the try showing code (else Enter);
-- exercises[k] is the list of lines typed at exercise k (then skip).
-- Returns everything shown, one string.
local function typed(n, tries, exercises)
  local shown = {}
  local real_print, real_write, real_read = print, io.write, io.read
  local exercise, queue = 0, {}
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
        if code then answer = tries[code] or '' break end
      end
    elseif prompt == 'exercise> ' then
      local seen = 0
      for i = 1, #shown do if shown[i]:find('^Exercise: ') then seen = seen + 1 end end
      if seen ~= exercise then exercise, queue = seen, {table.unpack(exercises[seen] or {})} end
      answer = table.remove(queue, 1) or 'skip'
    end
    shown[#shown + 1] = answer .. '\n'  -- as the terminal echoes it
    return answer
  end
  local ok, err = pcall(nn.lessons.start, n)
  print, io.write, io.read = real_print, real_write, real_read
  t.ok(ok, 'lesson ' .. n .. ' runs typed', tostring(err))
  return table.concat(shown)
end

-- (spaces and line breaks count as one space: long replies are wrapped)
local function has(out, text, name)
  t.ok(out:gsub('%s+', ' '):find(text:gsub('%s+', ' '), 1, true) ~= nil, name, 'missing: ' .. text)
end
local function before(out, first, second, name)
  local a = out:find(first, 1, true)
  t.ok(a and out:find(second, a, true), name, 'expected ' .. first .. ', then ' .. second)
end

-- Lesson 2: w1 typed at the wrong index; the error says which shape and
-- which indices; the lesson then says what it sets, and shows it before
-- predict gives -1.75.
local out = typed(2, {
  ['dense.kernel[1][1] = 0.5'] = 'dense.kernel[1][2] = 0.5',
}, {
  {'print(m:predict(nn.tensor{{1, 4}}))', 'out = 0.5 * 1 + (-1) * 4', 'hint', 'out = 0.5 * 1 + (-1) * 4 + 0.25'},
  {'u3 = max(0, 0.5 * -4 + -0.5 * 1 + 2)', 'u3 = math.max(0, 0.5 * -4 + -0.5 * 1 + 2)'},
  {'k[1][1] = 1; k[1][2] = 1; bias[1] = -1', 'k[1][1] = 1; k[2][1] = 1; bias[1] = -1'},
})
has(out, 'error: lesson:1: t[1][2]: index 2 is out of range: a tensor of shape (2, 1) takes t[i][j] ' ..
         'with i from 1 to 2 and j from 1 to 1', 'kernel[1][2] on a 2x1 kernel: the shape and the valid indices')
has(out, '(dense.kernel[1][1] (w1) is ', 'the lesson says which weight is not what the page needs')
before(out, 'The lesson runs:  dense.kernel[1][1] = 0.5; dense.kernel[2][1] = -1; dense.bias[1] = 0.25)',
       '-1.75', '... shows the line it runs instead, before predict gives -1.75')
local shown_kernel = out:match('dense%.bias%[1%] = 0%.25%)\n(.-)Now the engine')
t.ok(shown_kernel and shown_kernel:find('0.5', 1, true) and shown_kernel:find('-1', 1, true)
     and shown_kernel:find('0.25', 1, true), '... and shows the kernel and bias it set', tostring(shown_kernel))
has(out, 'Not yet: still waiting for out = ...', 'a probe at the exercise is no wrong answer')
has(out, 'Not yet: -3.5 is the weighted sum without the bias: off by 0.25, b', 'the missing bias is named')
has(out, 'z = w1*x1 + w2*x2 + b: add b = 0.25.', 'hint gives the hint for that mistake first')
before(out, "error: lesson:1: attempt to call a nil value (global 'max')", 'tip: in Lua, write math.max(...)',
       'bare max gets a math.max tip (nn.tips)')
has(out, 'k[1][2] is the weight from input 1 into unit 2', 'a transposed index is named')
has(out, '(Units 2 and 3 of m3 changed on the way', 'a unit changed by a wrong try is put back, visibly')
has(out, 'Lesson 2 is done.', 'lesson 2 ends')

-- Lesson 1: t typed otherwise at its try; the lesson says so and resets it.
out = typed(1, {['t = nn.tensor{{1, 2, 3}, {4, 5, 6}}'] = 't = nn.tensor{1, 2, 3}'}, {
  {'a = nn.ones(4, 3)', 'a = nn.ones(3, 4)'},
  {'w', 'w = t:transpose():clone(); w[1][2] = -1', 'w = t:transpose(); w[1][2] = -1'},
})
has(out, '(The next lines need t, the 2x3 tensor above. The lesson runs:  t = nn.tensor{{1, 2, 3}, {4, 5, 6}})',
    'a t typed otherwise is replaced, visibly')
has(out, 'Not yet: a has shape (4, 3): 4 rows of 3, not 3 rows of 4', 'transposed sizes are named')
has(out, 'Not yet: t[2][1] is still 4: assign -1 to one element of w', 'a look at w is no wrong answer')
has(out, 'Not yet: w no longer shares its memory with t (a clone?), so writing w cannot change t',
    'a clone of the transpose is named')
has(out, 'Lesson 1 is done.', 'lesson 1 ends')

-- Lesson 3: a relu typed with Python's max: the tip, and the lesson says
-- it defines relu itself before drawing it.
out = typed(3, {['function relu(z) return math.max(0, z) end'] = 'function relu(z) return max(0, z) end'}, {
  {'function dsigmoid(z) return sigmoid(z) * sigmoid(z) end', 'hint'},
  {'function drelu(z) return max(0, z) end'},
})
has(out, '(relu(-3) stops with an error. The next lines need the relu above. The lesson runs:  ' ..
         'function relu(z) return math.max(0, z) end)', 'a broken relu is replaced, visibly')
has(out, 'which is s * s: the second factor is (1 - s), not s', 's * s is named')
has(out, 'The slope is s times (1 - s), with s = sigmoid(z) in both factors.', "... and hint gives that mistake's hint")
before(out, "drelu(2) stops with an error: lesson:1: attempt to call a nil value\n  (global 'max')",
       'tip: in Lua, write math.max(...)', 'max inside a function: the check says where it failed, then the tip')
has(out, 'lesson> function relu(z) return max(0, z) end\ntip: in Lua, write math.max(...)\n',
    'a relu typed with max gets the tip at once, though the line ran')
has(out, 'Lesson 3 is done.', 'lesson 3 ends')

-- Lesson 4: the probe the exercise suggests is no wrong answer.
out = typed(4, {}, {{}, {}, {'print(hinge_at(0.5))', 'z_margin = 1'}})
has(out, 'Not yet: still waiting for z_margin = ... (a number)', 'print(hinge_at(0.5)) is no wrong answer')
has(out, 'Lesson 4 is done.', 'lesson 4 ends')

-- Lesson 5: a swapped index, then hint: the mistake's hint, in lines that
-- an 80-column terminal does not cut (it was 101 columns wide).
out = typed(5, {}, {{}, {},
  {'g_w1 = (delta_o1 * 0.40 + delta_o2 * 0.45) * h[1][1] * (1 - h[1][1]) * 0.05', 'hint'}})
has(out, 'kernel[i][j] joins hidden unit i to output j: from unit 1 the weights are kernel[1][1] and kernel[1][2].',
    "the swapped index gets that mistake's hint")
do
  local longest = 0
  for line in out:gmatch('[^' .. string.char(10) .. ']+') do
    -- (not the code typed, nor the model answer: code is not wrapped)
    if not line:find('exercise> ', 1, true) and not line:find('^The answer was: ') then longest = math.max(longest, utf8.len(line) or #line) end
  end
  t.ok(longest <= 80, 'lesson 5 typed: no line wider than 80 columns (' .. longest .. ')')
end
has(out, 'Lesson 5 is done.', 'lesson 5 ends')

t.done_testing()
