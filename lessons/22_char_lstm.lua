-- Lesson 22: a character-level LSTM writes words. Next-character
-- prediction on the English word list of Debian's wamerican package
-- (/usr/share/dict/words): words of 3-8 lowercase letters (no capitals,
-- no possessives, no accents), each as ids '^' + letters + '$' padded with
-- '$' to 10 timesteps; Embedding(28, 8) -> LSTM(32, return_sequences) ->
-- Dense(28, softmax) with sparse targets, on 4000 of them for 15 epochs
-- (about two seconds). Then sampling with a temperature, written in plain
-- Lua (with_temperature, draw, sample_word; seeded with math.randomseed),
-- the temperature worked against arithmetic, and, as LSTMVis shows, the
-- units of h that fire at vowels and at the end mark: each unit's mean
-- activation on vowels, consonants and the end mark, the top units, and
-- the lstm view on one word.

local WORDS_FILE = '/usr/share/dict/words'

-- What the learner's session gets (the lesson's checks use their own copy,
-- `own`; tests/lua/lesson_char_lstm.lua tests these against arithmetic).
local HELPERS = [==[
alphabet = '^abcdefghijklmnopqrstuvwxyz$'  -- id 0 is '^', 1-26 are a-z, 27 is '$'
START, END = 0, 27                         -- the start mark and the end mark
steps = 10                                 -- timesteps: '^', up to 8 letters, '$'

-- the id of a character: where it sits in alphabet, counting from 0
function id_of(ch) return alphabet:find(ch, 1, true) - 1 end
-- the character of an id
function char_of(id) return alphabet:sub(id + 1, id + 1) end

-- keep a word of 3 to 8 letters a-z only: no capitals (names), no "cat's",
-- no accents (bytes outside a-z)
function keep(word)
  return #word >= 3 and #word <= 8 and word:match('^[a-z]+$') ~= nil
end

-- a word as the model reads it (x) and the character it should predict
-- after each one (y), `steps` ids each, padded with end marks:
--   word 'cat':  x = ^ c a t $ $ $ $ $ $    y = c a t $ $ $ $ $ $ $
function encode(word)
  local x, y = {START}, {}
  for k = 1, #word do
    x[k + 1] = id_of(word:sub(k, k))
    y[k] = x[k + 1]
  end
  for k = #word + 2, steps do x[k] = END end
  for k = #word + 1, steps do y[k] = END end
  return x, y
end

-- probabilities p (a Lua table) at temperature T: each p_k to the power
-- 1 / T, rescaled to sum to 1. For p = softmax(z) that is softmax(z / T):
-- exp(z_k / T) = p_k^(1 / T) times a number that is the same for every k.
function with_temperature(p, T)
  local out, sum = {}, 0
  for k = 1, #p do
    out[k] = math.exp(math.log(p[k]) / T)
    sum = sum + out[k]
  end
  for k = 1, #p do out[k] = out[k] / sum end
  return out
end

-- pick k with probability p[k]: a uniform number r in [0, 1), then walk
-- the running sum of p until it passes r
function draw(p)
  local r, sum = math.random(), 0
  for k = 1, #p do
    sum = sum + p[k]
    if r < sum then return k end
  end
  return #p  -- r was above the sum of rounded probabilities
end

-- a new word from model m at temperature T: start with '^'; at step t the
-- model has read t characters and gives 28 probabilities for the next one;
-- draw one; stop at '$' (or after 8 letters)
function sample_word(m, T)
  local ids, word = {START}, ''
  for t = 1, steps - 2 do
    -- the ids so far, then END where nothing is written yet: padding,
    -- which step t does not read
    local x = {}
    for k = 1, steps do x[k] = ids[k] or END end
    local p = m:predict(nn.tensor{x}):totable()[1][t]  -- (28): after char t
    p[START + 1] = 0                             -- '^' only starts a word
    local id = draw(with_temperature(p, T)) - 1  -- index k is id k - 1
    if id == END then break end
    ids[t + 1], word = id, word .. char_of(id)
  end
  return word
end

-- the n most likely next characters in one step's probabilities p (28 numbers)
function most_likely(p, n)
  local order = {}
  for k = 1, #p do order[k] = k end
  table.sort(order, function(a, b) return p[a] > p[b] end)
  for r = 1, n do print(string.format('%s  %.3f', char_of(order[r] - 1), p[order[r]])) end
end

vowels = 'aeiou'
-- for each unit u of the LSTM's h: its mean activation where the input is
-- a vowel, a consonant, any letter, and the end mark (the first '$'), over
-- the words of `list`. stats[u] = {unit =, vowel =, consonant =, letter =, end_mark =}
function unit_means(m, list)
  local xs = {}
  for i, word in ipairs(list) do xs[i] = encode(word) end
  m:predict(nn.tensor(xs), {batch_size = #list})  -- one batch: lstm.state holds every word
  local h = m.layers[2].state.h:totable()         -- (words, steps, units)
  local units = #h[1][1]
  local sums = {vowel = {}, consonant = {}, end_mark = {}}
  local counts = {vowel = 0, consonant = 0, end_mark = 0}
  for _, sum in pairs(sums) do for u = 1, units do sum[u] = 0 end end
  for i, word in ipairs(list) do
    for t = 2, #word + 2 do  -- the letters are t = 2 .. #word + 1, the end mark #word + 2
      local ch = char_of(xs[i][t])
      local kind = ch == '$' and 'end_mark' or (vowels:find(ch, 1, true) and 'vowel' or 'consonant')
      counts[kind] = counts[kind] + 1
      for u = 1, units do sums[kind][u] = sums[kind][u] + h[i][t][u] end
    end
  end
  local stats = {}
  for u = 1, units do
    stats[u] = {unit = u, vowel = sums.vowel[u] / counts.vowel,
                consonant = sums.consonant[u] / counts.consonant,
                letter = (sums.vowel[u] + sums.consonant[u]) / (counts.vowel + counts.consonant),
                end_mark = sums.end_mark[u] / counts.end_mark}
  end
  return stats, counts
end

-- the units sorted by score(s), highest first; prints the first n
function top_units(stats, score, n)
  local sorted = {}
  for u, s in ipairs(stats) do sorted[u] = s end
  table.sort(sorted, function(a, b) return score(a) > score(b) end)
  print('unit   vowel  consonant  letter  end mark   score')
  for r = 1, n do
    local s = sorted[r]
    print(string.format('%4d  %6.3f     %6.3f  %6.3f    %6.3f  %6.3f', s.unit, s.vowel,
                        s.consonant, s.letter, s.end_mark, score(s)))
  end
  return sorted
end
]==]

-- Reads the word list; the words kept (in file order), how many lines, and
-- the first dropped word of each kind. An error that says what to do when
-- the file is missing: the suite must not pass without it.
local function read_words(keep)
  local file = io.open(WORDS_FILE, 'r')
  if not file then
    error('this lesson needs the English word list ' .. WORDS_FILE .. ', from Debian\'s ' ..
          'wamerican package, which is not installed. Install it (sudo apt-get install ' ..
          'wamerican, or run ./quickstart, which installs it), then start the lesson again.', 0)
  end
  local kept, lines, dropped = {}, 0, {}
  for line in file:lines() do
    lines = lines + 1
    if keep(line) then kept[#kept + 1] = line
    elseif line:match("^%l+'s$") then dropped.possessive = dropped.possessive or line
    elseif line:match('^%u%l%l+$') then dropped.capital = dropped.capital or line
    elseif line:match('^[%l\128-\255]+$') and line:match('[\128-\255]') then
      dropped.accent = dropped.accent or line
    end
  end
  file:close()
  return kept, lines, dropped
end

-- The model (the page that shows it has the same lines).
local BUILD = [[
nn.seed(22)
m = nn.Sequential()
m:add(nn.Embedding(28, 8, {input_shape = {10}}))
m:add(nn.LSTM(32, {return_sequences = true}))
m:add(nn.Dense(28, {activation = 'softmax'}))
m:compile{optimizer = nn.optimizers.Adam{learning_rate = 0.01}, loss = 'sparse_categorical_crossentropy'}
]]

local own  -- the lesson's own copy of the helpers

-- The text of helper function `name` in HELPERS, for a page: from its
-- `function` line to its closing `end`.
local function source_of(name)
  local start = assert(HELPERS:find('\nfunction ' .. name .. '%('), name)
  local stop = assert(HELPERS:find('\nend\n', start), name)
  return HELPERS:sub(start + 1, stop + 3)
end

local function is_number(v) return type(v) == 'number' and v == v end

-- exercise: the id of 'w'
local function check_id(env)
  local v, want = env.id_w, own.id_of('w')
  if v == nil then return false, 'still waiting for id_w = ...' end
  if not is_number(v) then return false, 'id_w should be a number' end
  if v == want then return true end
  if v == string.byte('w') then
    return false, '119 is the byte (ASCII code) of w; the id is its place in alphabet, where ' ..
                  "'^' is 0 and 'a' is 1"
  end
  if v == want - 1 then
    return false, "one too small: that counts 'a' as 0, but 0 is the start mark '^'; 'a' is 1",
           "string.byte('w') - string.byte('a') counts from a = 0: add 1"
  end
  if v == want + 1 then
    return false, "one too large: 24 is w's position in alphabet counted from 1 (Lua's way, as " ..
                  "alphabet:find gives it); ids count from 0, as the Embedding's rows do",
           'subtract 1 from the position'
  end
  return false, string.format('off by %g: count a = 1, b = 2, ... up to w', v - want)
end

-- exercise: the targets of 'cab'
local function check_targets(env)
  local v = env.y_cab
  if type(v) ~= 'table' then return false, 'y_cab should be a Lua table of ids, {...}' end
  local x, want = own.encode('cab')
  local function same(a, b)
    if #a ~= #b then return false end
    for k = 1, #b do if a[k] ~= b[k] then return false end end
    return true
  end
  if same(v, want) then return true end
  if same(v, x) then
    return false, 'that is x, what the model reads; y is what it should say next: x shifted ' ..
                  'one to the left (after reading ^ it should say c)'
  end
  if #v < #want then
    return false, string.format('%d ids; the model predicts at each of the %d timesteps, so y ' ..
                                'has %d: after the word, the end mark $ (27) again', #v, #want, #want)
  end
  if #v > #want then return false, string.format('%d ids; there are %d timesteps', #v, #want) end
  if v[1] == want[1] - 1 and v[2] == want[2] - 1 then
    return false, "every letter one too small: 'a' is 1 ('^' is 0)"
  end
  for k = 1, #want do
    if v[k] ~= want[k] then
      return false, string.format('y_cab[%d] is %s; after reading %s the model should say %s (id %d)',
                                  k, tostring(v[k]), own.char_of(x[k]), own.char_of(want[k]), want[k])
    end
  end
  return false, 'not the ids of c, a, b, then $'
end

-- exercise: the Embedding's parameters
local function check_embedding(env, model)
  local v, want = env.p_embed, model.layers[1]:count_params()
  if v == nil then return false, 'still waiting for p_embed = ...' end
  if not is_number(v) then return false, 'p_embed should be a number' end
  if v == want then return true end
  if v == 26 * 8 then
    return false, "208 counts the 26 letters only; '^' and '$' have rows too: 28 ids"
  end
  if v == 28 * 8 + 8 then
    return false, 'an Embedding has no bias: it only looks up a row (help(\'Embedding\'))'
  end
  if v == 28 then return false, '28 is the number of rows; each row holds 8 numbers' end
  return false, string.format('off by %g: one row of 8 numbers for each of the 28 ids', v - want)
end

-- exercise: the LSTM's parameters
local function check_lstm(env, model)
  local v, want = env.p_lstm, model.layers[2]:count_params()
  if v == nil then return false, 'still waiting for p_lstm = ...' end
  if not is_number(v) then return false, 'p_lstm should be a number' end
  if v == want then return true end
  if v == 4 * (28 * 32 + 32 * 32 + 32) then
    return false, 'the LSTM does not read the 28 ids (one-hot); it reads the Embedding\'s 8 numbers ' ..
                  'per character: 8 features', 'features = 8, the Embedding\'s output_dim'
  end
  if v == 8 * 32 + 32 * 32 + 32 then
    return false, 'that is one gate; an LSTM has 4 (i, f, g, o)',
           'Each of the 4 gates (i, f, g, o) has its own weights and biases: count one, times 4.'
  end
  if v == 4 * (8 * 32 + 32 * 32) then return false, 'the biases are missing: 32 per gate' end
  if v == 4 * (8 * 32 + 32) then
    return false, 'the recurrent weights are missing: each gate also reads h of the step before, ' ..
                  '32 * 32'
  end
  return false, string.format('off by %g; 4 * (features * units + units * units + units)', v - want)
end

-- exercise: the first probability of softmax(z / T) for z = {2, 1, 0}, T = 0.5
local function softmax(z)
  local e, sum = {}, 0
  for k = 1, #z do e[k] = math.exp(z[k]); sum = sum + e[k] end
  for k = 1, #z do e[k] = e[k] / sum end
  return e
end
local function check_temperature(env)
  local v = env.p1
  local want = softmax({2 / 0.5, 1 / 0.5, 0})[1]
  if v == nil then return false, 'still waiting for p1 = ...' end
  if not is_number(v) then return false, 'p1 should be a number' end
  if math.abs(v - want) < 1e-6 then return true end
  if math.abs(v - softmax({2, 1, 0})[1]) < 1e-6 then
    return false, string.format('%.4f is the softmax at T = 1. If you divided exp(z) by T, T cancels ' ..
                                'in the fraction; divide the logits first: exp(z / T)', v),
           'exp(2 / 0.5), not exp(2) / 0.5'
  end
  if math.abs(v - softmax({2 * 0.5, 1 * 0.5, 0})[1]) < 1e-6 then
    return false, string.format('%.4f multiplies the logits by T: that is temperature 2, flatter; ' ..
                                'divide by T', v)
  end
  if math.abs(v - math.exp(4) / (math.exp(4) + math.exp(2))) < 1e-6 then
    return false, 'the sum leaves out the third class: exp(0 / 0.5) = 1 belongs in it'
  end
  return false, string.format('off by %.4f from exp(2/0.5) / (exp(2/0.5) + exp(1/0.5) + exp(0/0.5))', v - want)
end

-- exercise: the vowel unit
local function check_vowel_unit(env, stats)
  local v = env.vowel_unit
  if math.type(v) ~= 'integer' and not (is_number(v) and v % 1 == 0) then
    return false, 'vowel_unit should be a unit number, 1 to ' .. #stats
  end
  local function diff(u) return stats[u].vowel - stats[u].consonant end
  local best, on_vowels, lowest = 1, 1, 1
  for u = 2, #stats do
    if diff(u) > diff(best) then best = u end
    if stats[u].vowel > stats[on_vowels].vowel then on_vowels = u end
    if diff(u) < diff(lowest) then lowest = u end
  end
  if v == best then return true end
  if v < 1 or v > #stats then return false, 'there are units 1 to ' .. #stats end
  if v == on_vowels then
    return false, string.format('unit %d has the highest mean on vowels (%.3f), but %.3f on consonants ' ..
                                'too: it is on for most letters. Compare vowel - consonant', v,
                                stats[v].vowel, stats[v].consonant),
           'the score is stats[u].vowel - stats[u].consonant'
  end
  local last_above_first = 1  -- a loop that compares with unit 1 instead of the best so far
  for u = 2, #stats do if diff(u) > diff(1) then last_above_first = u end end
  if v == last_above_first then
    return false, string.format('unit %d is the last unit that beats unit 1 (%.3f against %.3f), not ' ..
                                'the best: compare with the best so far, stats[vowel_unit], not stats[1]',
                                v, diff(v), diff(1)),
           'if ... > stats[vowel_unit].vowel - stats[vowel_unit].consonant then vowel_unit = u end'
  end
  if v == lowest then
    return false, string.format('unit %d is the opposite: %.3f on vowels, %.3f on consonants, it fires ' ..
                                'at consonants. Take the largest difference, not the smallest', v,
                                stats[v].vowel, stats[v].consonant)
  end
  return false, string.format('unit %d: vowel - consonant = %.3f; another unit has a larger one (%.3f)',
                              v, diff(v), diff(best))
end

return {
  title = 'A character-level LSTM writes words',
  minutes = 15,
  group = 'RNN',
  requires = {12},
  helpers = HELPERS,  -- for tests/lua/lesson_char_lstm.lua
  run = function(L)
    own = setmetatable({}, {__index = _G})
    assert(load(HELPERS, '=helpers', 't', own))()
    local plain, lines, dropped = read_words(own.keep)
    L:run(HELPERS)

    L:page [[
A language model reads text one piece at a time and says what comes next.
This one reads words one character at a time: after "^c" (^ marks the
start) it gives a probability to each character that may follow, after
"^ca" again, and so on, up to "$", the end of the word. Trained on real
English words, it learns which letters follow which; then, drawing one
character at a time from its own predictions, it writes words of its own.

The words: /usr/share/dict/words, the English word list of Debian's
wamerican package.]]
    L:run('words = {}; for line in io.lines(\'' .. WORDS_FILE .. '\') do words[#words + 1] = line end')
    L:try('#words, words[1], words[2000], words[50000]',
          'How many lines, and three of them. (The lesson has read them into words.)')
    L:check(L:run('return #words') == lines, 'words holds every line of the file')
    L:page(string.format([[
Not every line is a plain word: there are names with capitals (%s),
possessives (%s), accents (%s). The lesson has written keep(word):
true for 3 to 8 letters a-z only. Each word becomes a sequence of ids
(alphabet = '^abcdefghijklmnopqrstuvwxyz$': '^' is 0, 'a' 1, ..., 'z' 26,
'$' 27).]], dropped.capital, dropped.possessive, dropped.accent))
    L:try("keep('cat'), keep(\"cat's\"), keep('Aachen'), keep('ox'), keep('dictionary')", 'Which are kept?')
    L:check(own.keep('cat') and not own.keep("cat's") and not own.keep('Aachen') and not own.keep('ox')
            and not own.keep('dictionary'), 'keep takes cat only')
    L:run('plain = {}; for _, w in ipairs(words) do if keep(w) then plain[#plain + 1] = w end end')
    L:try('#plain', 'The words kept.')
    L:check(L:run('return #plain') == #plain, 'the learner\'s plain and the lesson\'s list agree')
    L:exercise{
      prompt = "Set id_w to the id of the letter 'w' (work it out: a is 1).",
      answer = "id_w = string.byte('w') - string.byte('a') + 1",
      wrong = {"id_w = string.byte('w') - string.byte('a')", "id_w = alphabet:find('w')",
               "id_w = string.byte('w')"},
      check = check_id,
      hints = {"'a' is 1, 'b' 2, ...; string.byte gives a character's code, and the codes of a-z " ..
               'follow each other.', "id_w = string.byte('w') - string.byte('a') + 1"},
    }
    L:check(own.id_of('w') == 23 and own.id_of('^') == 0 and own.id_of('$') == 27, 'w is 23, ^ 0, $ 27')
    L:try("id_of('w'), id_of('^'), id_of('$'), char_of(3)",
          'The lesson\'s id_of(ch) and char_of(id) convert (id_of finds ch in alphabet:\n' ..
          'its position - 1).')

    L:page [[
The model reads x and learns y: the same word shifted by one. encode(word)
makes both, 10 ids each (steps = 10: '^', up to 8 letters, '$'); after the
word come more end marks, padding, so that every sequence has 10 steps:

  word 'cat':  x = ^ c a t $ $ $ $ $ $      y = c a t $ $ $ $ $ $ $

At timestep t the model has read x_1 .. x_t and should say y_t.]]
    L:try("encode('cat')", 'x and y for cat, as ids.')
    L:exercise{
      prompt = "Set y_cab to the 10 target ids of the word 'cab' (a Lua table {...}).",
      answer = 'y_cab = {3, 1, 2, 27, 27, 27, 27, 27, 27, 27}',
      wrong = {'y_cab = {0, 3, 1, 2, 27, 27, 27, 27, 27, 27}', 'y_cab = {3, 1, 2, 27}',
               'y_cab = {2, 0, 1, 27, 27, 27, 27, 27, 27, 27}'},
      check = check_targets,
      hints = {"y_t is the character after x_t: after '^' comes c (3), after c a (1) ...",
               'y_cab = {3, 1, 2, 27, 27, 27, 27, 27, 27, 27}'},
    }
    L:check(select(2, own.encode('cab'))[4] == 27, 'the target after the last letter is $')

    local n_train, n_epochs = 4000, 15
    L:run(string.format([[
n_train = %d
-- every (#plain // n_train)-th word: a spread over the alphabet, the same each time
train_words = {}
for i = 1, n_train do train_words[i] = plain[(i - 1) * (#plain // n_train) + 1] end
local xs, ys = {}, {}
for i, w in ipairs(train_words) do xs[i], ys[i] = encode(w) end
x, y = nn.tensor(xs), nn.tensor(ys)   -- (n_train, 10) ids each
]], n_train))
    L:page(string.format([[
The training set: %d of the %d words (every %dth), x and y (%d, 10).

The model:

  m = nn.Sequential()
  m:add(nn.Embedding(28, 8, {input_shape = {10}}))  -- each id -> 8 numbers
  m:add(nn.LSTM(32, {return_sequences = true}))     -- h at every step
  m:add(nn.Dense(28, {activation = 'softmax'}))     -- 28 probabilities per step

The Embedding is a table of 28 rows of 8 numbers; id k picks row k + 1
(it is what a Dense layer would do with a one-hot vector, without making
it). return_sequences gives the Dense layer the LSTM's h at every step,
so the model predicts at each of the 10 steps. The loss is
sparse_categorical_crossentropy: the targets are ids, not one-hot rows.]],
      n_train, #plain, #plain // n_train, n_train))
    L:run(BUILD)
    local m = L.env.m
    L:exercise{
      prompt = "How many numbers does the Embedding hold? Set p_embed\n(help('Embedding')).",
      answer = 'p_embed = 28 * 8',
      wrong = {'p_embed = 26 * 8', 'p_embed = 28 * 8 + 8'},
      check = function(env) return check_embedding(env, m) end,
      hints = {'One row of output_dim numbers for each of the input_dim ids.', 'p_embed = 28 * 8'},
    }
    L:exercise{
      prompt = 'And the LSTM: 4 gates, each with features * units + units * units\n' ..
               '+ units weights. Set p_lstm.',
      answer = 'p_lstm = 4 * (8 * 32 + 32 * 32 + 32)',
      wrong = {'p_lstm = 4 * (28 * 32 + 32 * 32 + 32)', 'p_lstm = 8 * 32 + 32 * 32 + 32'},
      check = function(env) return check_lstm(env, m) end,
      hints = {'Its input at each step is what the Embedding gives: 8 numbers.',
               'p_lstm = 4 * (8 * 32 + 32 * 32 + 32)'},
    }
    L:check(m.layers[3]:count_params() == 32 * 28 + 28, 'the Dense layer has 32 * 28 + 28 weights')
    L:try('m:summary()', 'Shapes and parameters, as the engine counts them.')
    L:try('m.layers[1].embeddings[4]', "Row 4 of the Embedding's table: the 8 numbers id 3 ('c') becomes\n" ..
          '(before training: drawn uniformly from -0.05 to 0.05, as Keras does).')
    L:check(m.layers[1].embeddings:abs():max() <= 0.05, 'before training the table is within [-0.05, 0.05]')
    do  -- the Embedding alone on 'cat': step 2 reads c (id 3) and gives row 4
      local alone = nn.Sequential()
      alone:add(nn.Embedding(28, 8, {input_shape = {10}}))
      alone.layers[1].embeddings:copy(m.layers[1].embeddings)
      local out = alone:predict(nn.tensor{own.encode('cat')}):totable()[1]  -- (10, 8)
      local row = m.layers[1].embeddings:totable()[4]
      for j = 1, 8 do L:check(out[2][j] == row[j], "the Embedding gives row id + 1 of its table for 'c'") end
    end

    L:try(string.format('h = m:fit(x, y, {epochs = %d, batch_size = 32})', n_epochs),
          string.format('%d epochs (a few seconds).', n_epochs))
    -- one fit of n_epochs on the lesson's model, nothing more (125 batches an epoch)?
    local function trained_once(env)
      local ok, batches = pcall(function() return #nn.viz.history(env.m).loss end)
      return env.m == m and type(env.h) == 'table' and type(env.h.loss) == 'table' and
             #env.h.loss == n_epochs and ok and batches == n_epochs * math.ceil(n_train / 32)
    end
    if not trained_once(L.env) then  -- the learner's fit was stopped, repeated or changed: again
      print(string.format('(the lesson trains the model again, %d epochs from the start, so that the ' ..
                          'numbers below are those of one full run)', n_epochs))
      L:run(BUILD .. string.format('h = m:fit(x, y, {epochs = %d, batch_size = 32})', n_epochs))
      m = L.env.m
    end
    L:run([[
-- the mean loss over the real positions only: each word's letters and its
-- first end mark, not the padding after it
function word_loss(m, list)
  local xs, ys = {}, {}
  for i, w in ipairs(list) do xs[i], ys[i] = encode(w) end
  local p = m:predict(nn.tensor(xs)):totable()
  local sum, n = 0, 0
  for i, w in ipairs(list) do
    for t = 1, #w + 1 do sum = sum - math.log(p[i][t][ys[i][t] + 1]); n = n + 1 end
  end
  return sum / n
end
]])
    local hist = L.env.h
    local real = L:run('return word_loss(m, train_words)')
    local padding = 0  -- the mean loss on the padding: after the first end mark
    do
      local xs, ys, n = {}, {}, 0
      for i, w in ipairs(L.env.train_words) do xs[i], ys[i] = own.encode(w) end
      local p = m:predict(nn.tensor(xs)):totable()
      for i, w in ipairs(L.env.train_words) do
        for t = #w + 2, 10 do padding = padding - math.log(p[i][t][28]); n = n + 1 end
      end
      padding = padding / n
    end
    L:check(padding < 0.05, 'the padding is easy: its loss is below 0.05')
    L:try('word_loss(m, train_words)', 'word_loss (the lesson wrote it): the loss on the real positions only.')
    L:check(hist.loss[n_epochs] < hist.loss[1] - 0.3, 'the loss falls by more than 0.3')
    L:check(real > hist.loss[n_epochs] + 0.2, 'the loss on real positions is higher than fit\'s')
    L:check(real < math.log(27) - 1, 'the model beats a uniform guess among 27 by more than 1')
    L:page(string.format([[
The loss fell from %s (epoch 1) to %s. But fit averages over all 10
steps, padding included, and after an end mark another end mark is easy
to predict: the mean loss there is %s. Over the real positions only
(each word's letters and its end mark), word_loss gives %s. A uniform
guess among the 27 characters that can follow would score ln 27 = %s.
(Keras can skip padding with Embedding's mask_zero when the padding is
id 0; nnstep's Embedding has no mask, so the lesson measures the real
positions itself.)]],
      nn.format(hist.loss[1]), nn.format(hist.loss[n_epochs]), nn.format(padding), nn.format(real),
      nn.format(math.log(27))))

    L:try("p = m:predict(nn.tensor{encode('qu')}):totable()[1]",
          "The model on '^qu': p[t] holds the 28 probabilities after reading t characters.")
    L:run("if type(p) ~= 'table' then p = m:predict(nn.tensor{encode('qu')}):totable()[1] end")
    L:try('most_likely(p[2], 5)', "The 5 most likely characters after '^q'.")
    L:try('most_likely(p[3], 5)', "And after '^qu'.")
    do
      local p = L:run("return m:predict(nn.tensor{encode('qu')}):totable()[1]")
      local after_q = p[2]  -- having read ^ q
      local best = 1
      for k = 2, 28 do if after_q[k] > after_q[best] then best = k end end
      L:check(own.char_of(best - 1) == 'u', 'after q it expects u')
      -- step 2 reads only ^ q: what comes after (padding or not) does not change it
      local other = m:predict(nn.tensor{{0, own.id_of('q'), 26, 26, 26, 26, 26, 26, 26, 26}}):totable()[1][2]
      for k = 1, 28 do
        L:check(other[k] == after_q[k], 'the probabilities at step t do not depend on the ids after t')
      end
      for t = 1, 10 do
        local sum = 0
        for k = 1, 28 do sum = sum + p[t][k] end
        L:check(math.abs(sum - 1) < 1e-6, 'the 28 probabilities of every step sum to 1')
      end
      L:page(string.format([[
After reading "^q" (step 2) the most likely next character is "%s", with
probability %.3f: p[2][%d], since Lua's index k holds id k - 1 (id %d).
The sum over the 28 is 1 at every step.]], own.char_of(best - 1), after_q[best], best, best - 1))
    end

    L:page [[
To write a word: start with '^', let the model give its 28 probabilities
for the next character, draw one at random with those probabilities, add
it, and ask again, until it draws '$'.

A temperature T reshapes the probabilities before each draw: the logits z
(the numbers before the softmax) are divided by T,

  p_k = exp(z_k / T) / sum_j exp(z_j / T)

T = 1 keeps the model's own probabilities; T < 1 sharpens them toward the
most likely character; T > 1 flattens them toward all 28 alike.]]
    L:exercise{
      prompt = 'For logits z = {2, 1, 0} at T = 0.5, set p1 to the first\n' ..
               'probability of softmax(z / T) (math.exp in Lua).',
      answer = 'p1 = math.exp(2 / 0.5) / (math.exp(2 / 0.5) + math.exp(1 / 0.5) + math.exp(0 / 0.5))',
      wrong = {'p1 = (math.exp(2) / 0.5) / (math.exp(2) / 0.5 + math.exp(1) / 0.5 + math.exp(0) / 0.5)',
               'p1 = math.exp(2 * 0.5) / (math.exp(2 * 0.5) + math.exp(1 * 0.5) + math.exp(0 * 0.5))'},
      check = check_temperature,
      hints = {'Divide each logit by T first, then exp, then divide by the sum.',
               'p1 = math.exp(2 / 0.5) / (math.exp(2 / 0.5) + math.exp(1 / 0.5) + math.exp(0 / 0.5))'},
    }
    do
      local p = softmax({2, 1, 0})
      local sharp, same, flat = own.with_temperature(p, 0.5), own.with_temperature(p, 1), own.with_temperature(p, 2)
      local by_hand = math.exp(4) / (math.exp(4) + math.exp(2) + 1)
      L:check(math.abs(sharp[1] - by_hand) < 1e-12, 'with_temperature(p, 0.5) is softmax(z / 0.5)')
      L:check(math.abs(same[1] - p[1]) < 1e-12, 'T = 1 changes nothing')
      L:check(math.abs(flat[1] - math.exp(1) / (math.exp(1) + math.exp(0.5) + 1)) < 1e-12,
              'with_temperature(p, 2) is softmax(z / 2)')
      L:page(string.format([[
softmax(z) for z = {2, 1, 0} is {%.4f, %.4f, %.4f}. with_temperature
gives, at T = 0.5: {%.4f, %.4f, %.4f} (sharper: %.4f is your p1),
at T = 2: {%.4f, %.4f, %.4f} (flatter).]], p[1], p[2], p[3], sharp[1], sharp[2], sharp[3], by_hand,
        flat[1], flat[2], flat[3]))
    end
    L:page('Our model\'s output is already the softmax p, so the lesson\'s with_temperature\n' ..
           'raises p to the power 1 / T and rescales: exp(z_k / T) = p_k^(1/T) times a\n' ..
           'number that is the same for every k, which the rescaling removes.\n' ..
           'Keras\'s character-level text generation example samples this way\n' ..
           '(log(preds) / temperature, exp, divide by the sum). The code:\n\n' ..
           source_of('with_temperature'))
    L:try('with_temperature({0.6652, 0.2447, 0.0900}, 0.5)',
          'On the softmax of {2, 1, 0} rounded to 4 digits: your p1, up to that rounding.')
    L:page('Drawing, and a whole word (Lua counts table entries from 1, so entry k\n' ..
           'of p is id k - 1):\n\n' .. source_of('draw') .. '\n' .. source_of('sample_word'))

    L:page [[
The words drawn depend on the random numbers: math.randomseed(22) makes
them the same each time (Lua's own generator; draw uses math.random).
Ten words at T = 0.3, at T = 1 and at T = 1.5, and for each, whether it
is in the word list (in_list) or new.]]
    L:run('in_list = {}; for _, w in ipairs(words) do in_list[w] = true end')
    L:run([[
function show_samples(T)
  local out = {}
  for i = 1, 10 do
    local w = sample_word(m, T)
    out[i] = w .. (in_list[w] and '' or '*')
  end
  print(string.format('T = %-4s %s', T, table.concat(out, ' ')))
end
]])
    L:try('math.randomseed(22); show_samples(0.3); show_samples(1); show_samples(1.5)',
          'Ten words at each temperature; * marks a word that is not in the list.')
    do  -- the same draws again, counted
      local function ends_common(w)
        return w:match('ing$') or w:match('ed$') or w:match('er$') or w:match('ers$')
      end
      local function count(T)
        local new, common = 0, 0
        for _ = 1, 10 do
          local w = own.sample_word(m, T)
          if not L.env.in_list[w] then new = new + 1 end
          if ends_common(w) then common = common + 1 end
        end
        return new, common
      end
      math.randomseed(22)
      local cold, cold_common = count(0.3)
      local warm, warm_common = count(1)
      local hot, hot_common = count(1.5)
      math.randomseed(22)
      local first = own.sample_word(m, 0.3)
      math.randomseed(22)
      L:check(own.sample_word(m, 0.3) == first, 'the same seed draws the same word')
      L:check(cold_common > hot_common, 'T = 0.3 ends more words in -ing, -ed, -er(s) than T = 1.5')
      L:page(string.format([[
Not in the list: %d of the ten words at T = 0.3, %d at T = 1, %d at
T = 1.5. Ending in -ing, -ed, -er or -ers: %d at T = 0.3, %d at T = 1,
%d at T = 1.5. A low temperature keeps to the model's favourite letter
runs, common English endings among them; a high one strays. A new word
may still look English: the model learned which letters follow which,
not the list by heart.]], cold, warm, hot, cold_common, warm_common, hot_common))
    end
    -- print: a chunk of two statements shows nothing of what it returns
    L:try('math.randomseed(7); print(sample_word(m, 1))',
          'Another seed, another word: try other seeds and temperatures.')

    L:page [[
What has the LSTM learned to track? LSTMVis (Strobelt et al., 2017)
draws the hidden state h of each unit along a text, so that one can look
for units that turn on at one kind of input. Here we look for two kinds:
vowels and the end of a word. Run 300 words the model has not trained
on through it, and for each of its 32 units average h over
the steps where the input is a vowel (a e i o u), a consonant, any
letter, and the end mark. unit_means(m, list) does that (it reads
m.layers[2].state.h, which holds h at every step of the last batch).]]
    L:run([[
probe_words = {}
for i = 1, 300 do probe_words[i] = plain[(i - 1) * (#plain // 300) + 2] end
]])
    do
      local trained_on = {}
      for _, w in ipairs(L.env.train_words) do trained_on[w] = true end
      for _, w in ipairs(L.env.probe_words) do L:check(not trained_on[w], 'no probe word is a training word') end
    end
    L:try('stats, counts = unit_means(m, probe_words)', 'Each unit\'s mean h; counts: how many steps of each kind.')
    L:run('if not (stats and #stats == 32) then stats, counts = unit_means(m, probe_words) end')
    local stats = L.env.stats
    do  -- the means again, one word at a time (a different path through the engine)
      local sums, n = {}, 0
      for u = 1, 32 do sums[u] = 0 end
      for i = 1, 20 do
        local word = L.env.probe_words[i]
        m:predict(nn.tensor{own.encode(word)})
        local hh = m.layers[2].state.h:totable()[1]
        for t = 2, #word + 1 do
          if own.vowels:find(word:sub(t - 1, t - 1), 1, true) then
            n = n + 1
            for u = 1, 32 do sums[u] = sums[u] + hh[t][u] end
          end
        end
      end
      local part = own.unit_means(m, {table.unpack(L.env.probe_words, 1, 20)})
      for u = 1, 32 do
        L:check(math.abs(part[u].vowel - sums[u] / n) < 1e-9, 'unit_means agrees with one word at a time')
      end
    end
    L:exercise{
      prompt = 'stats[u].vowel and stats[u].consonant are unit u\'s mean h on vowels\n' ..
               'and on consonants. Set vowel_unit to the unit for which\n' ..
               'stats[u].vowel - stats[u].consonant is largest (a loop over u = 1, 32).',
      answer = 'vowel_unit = 1; for u = 2, 32 do if stats[u].vowel - stats[u].consonant > ' ..
               'stats[vowel_unit].vowel - stats[vowel_unit].consonant then vowel_unit = u end end',
      wrong = {'vowel_unit = 1; for u = 2, 32 do if stats[u].vowel - stats[u].consonant > ' ..
               'stats[1].vowel - stats[1].consonant then vowel_unit = u end end',
               'vowel_unit = 1; for u = 2, 32 do if stats[u].vowel - stats[u].consonant < ' ..
               'stats[vowel_unit].vowel - stats[vowel_unit].consonant then vowel_unit = u end end'},
      check = function(env) return check_vowel_unit(env, stats) end,
      hints = {'Keep the best unit so far; replace it when unit u scores higher.',
               'vowel_unit = 1; for u = 2, 32 do if stats[u].vowel - stats[u].consonant > ' ..
               'stats[vowel_unit].vowel - stats[vowel_unit].consonant then vowel_unit = u end end'},
    }
    local vowel_unit = 1
    for u = 2, 32 do
      if stats[u].vowel - stats[u].consonant > stats[vowel_unit].vowel - stats[vowel_unit].consonant then
        vowel_unit = u
      end
    end
    L:run('vowel_unit = ' .. vowel_unit)
    L:try('by_vowel = top_units(stats, function(s) return s.vowel - s.consonant end, 5)',
          'The 5 units with the largest vowel - consonant (the score).')
    L:try('by_end = top_units(stats, function(s) return s.end_mark - s.letter end, 5)',
          'The 5 units that rise most at the end mark over their mean on letters.')
    local v = stats[vowel_unit]
    local end_unit = 1
    for u = 2, 32 do
      local rise, best = stats[u].end_mark - stats[u].letter, stats[end_unit].end_mark - stats[end_unit].letter
      if rise > best then end_unit = u end
    end
    local e = stats[end_unit]
    L:check(v.vowel - v.consonant > 0.3, 'the vowel unit\'s mean differs by more than 0.3')
    local clean, second = 0, -math.huge  -- units whose vowel - consonant is above 0.3; the next best
    for u = 1, 32 do
      if u ~= vowel_unit then second = math.max(second, stats[u].vowel - stats[u].consonant) end
    end
    for u = 1, 32 do if stats[u].vowel - stats[u].consonant > 0.3 then clean = clean + 1 end end
    -- in the training words: how often a vowel follows a consonant, and a vowel
    local after = {consonant = {0, 0}, vowel = {0, 0}}  -- {vowels next, letters next}
    for _, w in ipairs(L.env.train_words) do
      for k = 1, #w - 1 do
        local kind = own.vowels:find(w:sub(k, k), 1, true) and 'vowel' or 'consonant'
        local next_vowel = own.vowels:find(w:sub(k + 1, k + 1), 1, true) and 1 or 0
        after[kind][1], after[kind][2] = after[kind][1] + next_vowel, after[kind][2] + 1
      end
    end
    local vowel_after_consonant = after.consonant[1] / after.consonant[2]
    local vowel_after_vowel = after.vowel[1] / after.vowel[2]
    L:check(vowel_after_consonant > 1.5 * vowel_after_vowel, 'a vowel follows a consonant more often than a vowel')
    L:check(e.end_mark - e.letter > 0.5, 'the end unit rises by more than 0.5 at the end mark')
    L:page(string.format([[
Unit %d is on at vowels (mean h %.3f) and off at consonants (%.3f): no
one told it what a vowel is. Telling them apart helps predict the next
letter: in the training words a vowel comes next after %.0f%% of the
consonants but after only %.0f%% of the vowels. Unit %d jumps at the end
mark (%.3f there, %.3f on letters). Few units are this clean: the
next best vowel unit scores %.3f, and %d of the 32 score above 0.3.
The unit numbers themselves mean nothing: every unit starts from
random weights drawn the same way, so any of them could have taken
the job.]], vowel_unit, v.vowel, v.consonant, 100 * vowel_after_consonant, 100 * vowel_after_vowel,
      end_unit, e.end_mark, e.letter, second, clean))

    local word = 'paradise'
    L:run(string.format("look_word = '%s'; m:predict(nn.tensor{encode(look_word)})", word))
    L:run([[
-- h of one unit along look_word: one line per step, the character read
function trace(u)
  local h = m.layers[2].state.h:totable()[1]   -- (steps, units) of the word
  local x = encode(look_word)
  for t = 1, #look_word + 2 do
    print(string.format('t = %2d  reads %s  h = %6.3f  %s', t, char_of(x[t]), h[t][u],
                        string.rep('#', math.floor(math.max(h[t][u], 0) * 20 + 0.5))))
  end
end
]])
    if L.env.vowel_unit ~= vowel_unit then  -- the learner changed it since
      print(string.format('(vowel_unit is %s now; the lesson sets it back to %d, the unit this page is about)',
                          tostring(L.env.vowel_unit), vowel_unit))
      L:run('vowel_unit = ' .. vowel_unit)
    end
    L:try('trace(vowel_unit)', string.format('Unit %d along "%s" (the model has just read it).', vowel_unit, word))
    do
      L:run("m:predict(nn.tensor{encode(look_word)})")
      local h = m.layers[2].state.h:totable()[1]
      local lowest_vowel, highest_consonant = math.huge, -math.huge
      for t = 2, #word + 1 do
        local hv = h[t][vowel_unit]
        if own.vowels:find(word:sub(t - 1, t - 1), 1, true) then lowest_vowel = math.min(lowest_vowel, hv)
        else highest_consonant = math.max(highest_consonant, hv) end
      end
      L:check(lowest_vowel > highest_consonant,
              'along paradise the vowel unit is higher at every vowel than at any consonant')
    end
    L:page(string.format([[
Along "%s" unit %d is higher at each of its vowels (a, a, i, e) than at
any of its consonants. The lstm view shows the gates i f g o, the cell c
and the output h of the LSTM while it read the word: in each map the
columns are the timesteps t = 1 .. 10 (t = 1 reads '^', t = 2 'p', ...,
t = 10 '$') and the rows are units, two to a text row (the upper half
is the first), from the unit its title names first; labels (u5,6: units
5 and 6) name the rows where there is room. It opens with unit %d among the
first shown: find its row in the h map and look for the on-off pattern
of the trace above.]], word, vowel_unit, vowel_unit))
    L:run("m:predict(nn.tensor{encode(look_word)})")
    L:view('lstm', {model = m, layer = 2, unit = vowel_unit})

    L:page [[
What to take away:

  - next-character prediction: x is the word with a start mark, y the same
    shifted by one, ending with an end mark; padding to a fixed length
    adds easy positions that lower fit's loss (Keras can mask them);
  - an Embedding is a table: id k -> row k + 1, input_dim * output_dim
    numbers and no bias; the LSTM then reads output_dim features;
  - sampling: draw from the predicted probabilities, one character at a
    time; temperature divides the logits by T (p^(1/T), rescaled), T < 1
    sharper, T > 1 flatter; seed the generator to repeat a draw;
  - single units can learn readable jobs (vowel, end of word), found by
    averaging their activation over kinds of input, and seen along one
    word in the lstm view.]]
  end,
}
