-- lesson_char_lstm.lua: lesson 22 ("A character-level LSTM writes words").
-- Its helpers, the plain Lua the learner reads, against arithmetic and
-- independent computations: the word filter against grep over the same
-- file; encode's x and y; with_temperature against p^(1/T) and
-- softmax(z / T) worked out in Python (numbers below); draw's frequencies
-- and its seeding; sample_word on models whose output is fixed by their
-- biases (so the word it must write is known); unit_means against
-- averages taken one word at a time. Then the lesson itself runs with a
-- stand-in for the helper L: every typical wrong answer must be rejected
-- with the reason that names the mistake, and the model answer accepted;
-- the lstm view it opens starts at the vowel unit it found.
-- Without /usr/share/dict/words (Debian's wamerican) this test FAILS, as
-- the lesson does: ./quickstart installs it.
local t = require 'tap'

local WORDS = '/usr/share/dict/words'
local dir = (os.getenv('srcdir') or '.') .. '/lessons/'
local lesson = assert(loadfile(dir .. '22_char_lstm.lua'))()

local h = setmetatable({nn = nn}, {__index = _G})  -- the helpers, as the learner gets them
assert(load(lesson.helpers, '=helpers', 't', h))()

-- ---- ids and the word filter ----
t.is(#h.alphabet, 28, 'alphabet: ^, a-z, $')
local round_trip = true
for id = 0, 27 do round_trip = round_trip and h.id_of(h.char_of(id)) == id end
t.ok(round_trip, 'id_of(char_of(id)) == id for all 28 ids')
t.is({h.id_of('^'), h.id_of('a'), h.id_of('w'), h.id_of('z'), h.id_of('$')}, {0, 1, 23, 26, 27},
     "ids: ^ 0, a 1, w 23, z 26, $ 27")
t.is({h.keep('cat'), h.keep("cat's"), h.keep('Aachen'), h.keep('ox'), h.keep('abbé'),
      h.keep('aardvark'), h.keep('aardvarks'), h.keep('e-mail')},
     {true, false, false, false, false, true, false, false},
     'keep: 3-8 letters a-z; no possessive, capital, accent, hyphen; not 2 or 9 letters')

local file = io.open(WORDS, 'r')
t.ok(file ~= nil, WORDS .. ' is there (Debian\'s wamerican; ./quickstart installs it)')
if file then
  local kept = 0
  for line in file:lines() do if h.keep(line) then kept = kept + 1 end end
  file:close()
  local pipe = io.popen("LC_ALL=C grep -cE '^[a-z]{3,8}$' " .. WORDS)
  local by_grep = tonumber(pipe:read('a'))
  pipe:close()
  t.is(kept, by_grep, 'keep takes as many words as grep -E ^[a-z]{3,8}$ (' .. tostring(by_grep) .. ')')
else
  t.ok(false, 'the word filter against grep: no word list')
end

-- ---- encode ----
local x, y = h.encode('cat')
t.is(x, {0, 3, 1, 20, 27, 27, 27, 27, 27, 27}, "encode('cat'): x = ^ c a t $ ...")
t.is(y, {3, 1, 20, 27, 27, 27, 27, 27, 27, 27}, "encode('cat'): y = c a t $ ... (x shifted by one)")
x, y = h.encode('aardvark')
t.is(x, {0, 1, 1, 18, 4, 22, 1, 18, 11, 27}, 'an 8-letter word fills x up to one end mark')
t.is(y, {1, 1, 18, 4, 22, 1, 18, 11, 27, 27}, 'and y ends with its end mark')

-- ---- temperature ----
local function near_all(got, want, tol)
  for k = 1, #want do if math.abs(got[k] - want[k]) > tol then return false end end
  return #got == #want
end
-- worked in Python (float64): [p * p / 0.38 for p in (0.5, 0.3, 0.2)] and
-- sqrt(p) / sum(sqrt(p)); softmax([2, 1, 0] / 0.5)
t.ok(near_all(h.with_temperature({0.5, 0.3, 0.2}, 0.5), {0.6578947368421053, 0.23684210526315788,
                                                         0.10526315789473686}, 1e-12),
     'with_temperature(p, 0.5) = p^2 rescaled')
t.ok(near_all(h.with_temperature({0.5, 0.3, 0.2}, 2), {0.41544591325034014, 0.32180302065369965,
                                                       0.26275106609596016}, 1e-12),
     'with_temperature(p, 2) = sqrt(p) rescaled')
t.ok(near_all(h.with_temperature({0.5, 0.3, 0.2}, 1), {0.5, 0.3, 0.2}, 1e-12), 'T = 1 changes nothing')
local e = {math.exp(2), math.exp(1), 1}
local sum = e[1] + e[2] + e[3]
t.ok(near_all(h.with_temperature({e[1] / sum, e[2] / sum, e[3] / sum}, 0.5),
              {0.8668133321973348, 0.11731042782619837, 0.015876239976466765}, 1e-12),
     'on softmax(z) it gives softmax(z / T): z = {2, 1, 0}, T = 0.5')
local cold = h.with_temperature({0.5, 0.3, 0.2}, 0.01)
t.ok(cold[1] > 0.999999, 'a temperature near 0 picks the most likely')

-- ---- draw ----
math.randomseed(5)
local firsts = {}
for i = 1, 5 do firsts[i] = h.draw({0.2, 0.5, 0.3}) end
math.randomseed(5)
local again = {}
for i = 1, 5 do again[i] = h.draw({0.2, 0.5, 0.3}) end
t.is(again, firsts, 'draw: the same seed gives the same draws')
local always = true
for _ = 1, 200 do always = always and h.draw({0, 1, 0}) == 2 end
t.ok(always, 'draw({0, 1, 0}) is always 2')
local counts = {0, 0, 0}
math.randomseed(22)
for _ = 1, 20000 do local k = h.draw({0.2, 0.5, 0.3}); counts[k] = counts[k] + 1 end
t.ok(near_all({counts[1] / 20000, counts[2] / 20000, counts[3] / 20000}, {0.2, 0.5, 0.3}, 0.015),
     string.format('draw({0.2, 0.5, 0.3}): frequencies %d %d %d of 20000', counts[1], counts[2], counts[3]))

-- ---- sample_word, on models whose output the Dense bias fixes ----
local function fixed_model(favourite)  -- every step gives id `favourite` probability ~1
  nn.seed(3)
  local m = nn.Sequential()
  m:add(nn.Embedding(28, 4, {input_shape = {10}}))
  m:add(nn.LSTM(5, {return_sequences = true}))
  m:add(nn.Dense(28, {activation = 'softmax'}))
  m.layers[3].kernel:fill(0)
  m.layers[3].bias:fill(0)
  m.layers[3].bias[favourite + 1] = 40  -- Lua index k is id k - 1
  return m
end
math.randomseed(1)
t.is(h.sample_word(fixed_model(24), 1), 'xxxxxxxx', "always 'x' (id 24): 8 letters, then it stops")
t.is(h.sample_word(fixed_model(27), 1), '', "always '$': the empty word")
local never_start = true
for _ = 1, 20 do never_start = never_start and not h.sample_word(fixed_model(0), 1):find('^', 1, true) end
t.ok(never_start, "a model that favours '^' still never writes it: it only starts a word")
nn.seed(9)
local m = nn.Sequential()
m:add(nn.Embedding(28, 4, {input_shape = {10}}))
m:add(nn.LSTM(5, {return_sequences = true}))
m:add(nn.Dense(28, {activation = 'softmax'}))
math.randomseed(4)
local w1 = h.sample_word(m, 1)
math.randomseed(4)
t.is(h.sample_word(m, 1), w1, 'sample_word: the same seed writes the same word (' .. w1 .. ')')
t.ok(#w1 <= 8, 'at most 8 characters')

-- ---- unit_means against one word at a time ----
local list = {'cat', 'idea', 'strength'}
local stats, n = h.unit_means(m, list)
t.is({n.vowel, n.consonant, n.end_mark}, {5, 10, 3}, 'counts: 5 vowels, 10 consonants, 3 end marks')
local sums = {vowel = {0, 0, 0, 0, 0}, consonant = {0, 0, 0, 0, 0}, end_mark = {0, 0, 0, 0, 0}}
for _, word in ipairs(list) do
  m:predict(nn.tensor{h.encode(word)})
  local hh = m.layers[2].state.h:totable()[1]  -- (10, 5)
  for t_ = 2, #word + 2 do
    local ch = t_ <= #word + 1 and word:sub(t_ - 1, t_ - 1) or '$'
    local kind = ch == '$' and 'end_mark' or (('aeiou'):find(ch, 1, true) and 'vowel' or 'consonant')
    for u = 1, 5 do sums[kind][u] = sums[kind][u] + hh[t_][u] end
  end
end
local agree = true
for u = 1, 5 do
  agree = agree and math.abs(stats[u].vowel - sums.vowel[u] / 5) < 1e-12
          and math.abs(stats[u].consonant - sums.consonant[u] / 10) < 1e-12
          and math.abs(stats[u].end_mark - sums.end_mark[u] / 3) < 1e-12
          and math.abs(stats[u].letter - (sums.vowel[u] + sums.consonant[u]) / 15) < 1e-12
end
t.ok(agree, 'unit_means: the same means as one word at a time')

-- ---- the lesson, with every typical wrong answer ----
local WRONG = {
  { -- id_w
    {"id_w = string.byte('w') - string.byte('a')", "counts 'a' as 0"},
    {"id_w = alphabet:find('w')", 'counted from 1'},
    {"id_w = string.byte('w')", 'ASCII code'},
    {'id_w = 25', 'off by 2'},
  },
  { -- y_cab
    {'y_cab = {0, 3, 1, 2, 27, 27, 27, 27, 27, 27}', 'that is x'},
    {'y_cab = {3, 1, 2, 27}', 'each of the 10 timesteps'},
    {'y_cab = {2, 0, 1, 27, 27, 27, 27, 27, 27, 27}', 'one too small'},
    {'y_cab = {3, 1, 2, 27, 0, 0, 0, 0, 0, 0}', 'y_cab%[5%]'},
  },
  { -- p_embed
    {'p_embed = 26 * 8', '26 letters only'},
    {'p_embed = 28 * 8 + 8', 'no bias'},
  },
  { -- p_lstm
    {'p_lstm = 4 * (28 * 32 + 32 * 32 + 32)', '8 features'},
    {'p_lstm = 8 * 32 + 32 * 32 + 32', 'one gate'},
    {'p_lstm = 4 * (8 * 32 + 32 * 32)', 'biases are missing'},
    {'p_lstm = 4 * (8 * 32 + 32)', 'recurrent weights'},
  },
  { -- p1
    {'p1 = (math.exp(2) / 0.5) / (math.exp(2) / 0.5 + math.exp(1) / 0.5 + math.exp(0) / 0.5)', 'T cancels'},
    {'p1 = math.exp(2 * 0.5) / (math.exp(2 * 0.5) + math.exp(1 * 0.5) + math.exp(0 * 0.5))', 'temperature 2'},
    {'p1 = math.exp(4) / (math.exp(4) + math.exp(2))', 'third class'},
    {'p1 = 0.9', 'off by'},
  },
  { -- vowel_unit
    {'vowel_unit = 1; for u = 2, 32 do if stats[u].vowel - stats[u].consonant > ' ..
     'stats[1].vowel - stats[1].consonant then vowel_unit = u end end', 'beats unit 1'},
    {'vowel_unit = 1; for u = 2, 32 do if stats[u].vowel - stats[u].consonant < ' ..
     'stats[vowel_unit].vowel - stats[vowel_unit].consonant then vowel_unit = u end end', 'fires at consonants'},
    {'vowel_unit = 0.9', 'unit number'},
    {'vowel_unit = 40', 'units 1 to 32'},
  },
}

local env = setmetatable({nn = nn}, {__index = _G})
local function run(code)
  local chunk = load('return ' .. code, 'lesson', 't', env) or assert(load(code, 'lesson', 't', env))
  return chunk()
end
local real_print = print
print = function() end  -- the lesson's pages
local exercise_number, checks = 0, 0
local L = {auto = true, env = env}
local views = {}
function L:page() end
function L:view(name, opts) views[#views + 1] = {name = name, opts = opts} end
function L:run(code) return run(code) end
function L:try(code) return run(code) end
function L:check(ok, message)
  checks = checks + 1
  if not ok then error('lesson check failed: ' .. message) end
end
function L:exercise(ex)
  exercise_number = exercise_number + 1
  for _, case in ipairs(WRONG[exercise_number] or {}) do
    local code, reason_wanted = case[1], case[2]
    run(code)
    local ok, reason = ex.check(env)
    t.ok(not ok and type(reason) == 'string' and reason:find(reason_wanted) ~= nil,
         string.format('exercise %d: %s -> "%s"', exercise_number, code, reason_wanted))
    if ok or not (reason or ''):find(reason_wanted) then t.diag('got: ' .. tostring(reason)) end
  end
  run(ex.answer)
  t.ok(ex.check(env) == true, string.format('exercise %d: the model answer %s passes', exercise_number, ex.answer))
end

local ran, err = pcall(lesson.run, L)
print = real_print
t.ok(ran, 'the lesson runs to its end, every check holding' .. (ran and '' or (': ' .. tostring(err))))
t.ok(exercise_number == #WRONG and checks > 40,
     string.format('it has %d exercises (%d) and its own checks (%d)', #WRONG, exercise_number, checks))
local vowel_unit = env.vowel_unit
local shown = views[#views]
t.ok(shown and shown.name == 'lstm' and shown.opts.layer == 2 and shown.opts.unit == vowel_unit,
     'the lesson opens the lstm view on the LSTM, from the vowel unit (' .. tostring(vowel_unit) .. ')')
local picture = nn.viz.snapshot('lstm', {model = env.m, layer = 2, unit = vowel_unit, width = 100, height = 30})
t.like(picture, 'units ' .. vowel_unit .. '%-', "the view's snapshot starts at that unit")
t.raises(function() nn.viz.open(env.m, {view = 'lstm', unit = 0}) end, 'unit should be a whole number from 1',
         'nn.viz.open: unit = 0 is an error that says what unit should be')
t.ok(lesson.group == 'RNN' and lesson.requires and lesson.requires[1] == 12,
     "the lesson table: group = 'RNN', requires = {12}")
t.done_testing()
