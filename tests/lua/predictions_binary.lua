-- predictions_binary.lua: the predictions view on a yes/no classifier (one
-- sigmoid unit, issue 18 item 9, lesson 10): shown as two classes, 1 with
-- p(yes) and 0 with 1 - p(yes), predicted 1 when p > 0.5 as Keras's binary
-- accuracy counts it; the numbers against sigmoid(x w + b) worked here.
-- A one-unit output without a sigmoid is still no classifier.
local t = require 'tap'

local function lines(text)
  local out = {}
  for line in text:gmatch('([^\n]*)\n') do out[#out + 1] = line end
  return out
end
local function find(text, pattern)
  for _, line in ipairs(lines(text)) do
    if line:find(pattern) then return line end
  end
end

local m = nn.Sequential{nn.Dense(1, {activation = 'sigmoid', input_shape = {2}})}
m:compile{optimizer = 'sgd', loss = 'binary_crossentropy', metrics = {'accuracy'}}
local dense = m.layers[1]
dense.kernel[1][1], dense.kernel[2][1], dense.bias[1] = 1.5, -1.0, 0.25
local x = nn.tensor{{1, 0}, {0, 1}, {2, 2}}
local y = nn.tensor{{1}, {0}, {0}}          -- example 3 is wrong: p = sigmoid(1.25) > 0.5
local function sigmoid(z) return 1 / (1 + math.exp(-z)) end
local p = {sigmoid(1.5 + 0.25), sigmoid(-1.0 + 0.25), sigmoid(3 - 2 + 0.25)}

local real_print = print
print = function() end
m:evaluate(x, y)
print = real_print
local snap = nn.viz.snapshot('predictions', {model = m, width = 100, height = 30, frame = false})

t.plan(9)
t.ok(not snap:find('not a classifier'), 'a yes/no model is a classifier in the predictions view')
t.ok(find(snap, '2 of 3 right'), 'the title counts 2 of 3 right (example 3: p = 0.78 for a 0)')
t.ok(find(snap, '#1 ok true 1, predicted 1') or find(snap, '#1 ✓ true 1, predicted 1'),
     'example 1: true 1, predicted 1')
t.ok(find(snap, '#3 X true 0, predicted 1') or find(snap, '#3 ✗ true 0, predicted 1'),
     'example 3: true 0, predicted 1 (p > 0.5)')
t.ok(find(snap, string.format('^ *1 .* %.2f', p[1])) and find(snap, string.format('^ *0 .* %.2f', 1 - p[1])),
     string.format('example 1: p(1) = %.2f and p(0) = %.2f, as sigmoid(x w + b) gives', p[1], 1 - p[1]))
t.ok(find(snap, string.format(' %.2f', 1 - p[2])) and find(snap, string.format(' %.2f', p[3])),
     string.format('example 2: p(0) = %.2f; example 3: p(1) = %.2f', 1 - p[2], p[3]))

local r = nn.Sequential{nn.Dense(1, {input_shape = {2}})}
r:compile{optimizer = 'sgd', loss = 'mse'}
print = function() end
r:evaluate(x, y)
print = real_print
local rsnap = nn.viz.snapshot('predictions', {model = r, width = 100, height = 30, frame = false})
t.ok(rsnap:find('not a classifier'), 'a linear one-unit output (regression) is not a classifier')

-- The example's label in the views (the LSTM view's header): a yes/no
-- target {1} is label 1, {0} label 0 (not "label 0" for the 1 of a
-- one-column one-hot row).
local rnn = nn.Sequential{nn.SimpleRNN(2, {input_shape = {3, 1}}), nn.Dense(1, {activation = 'sigmoid'})}
rnn:compile{optimizer = 'sgd', loss = 'binary_crossentropy'}
print = function() end
local d = nn.debug(rnn, nn.ones(2, 3, 1), nn.tensor{{1}, {0}})
d:next()
print = real_print
local first = nn.viz.snapshot('lstm', {model = rnn, width = 80, height = 24, frame = false})
local second = nn.viz.snapshot('lstm', {model = rnn, width = 80, height = 24, frame = false, example = 2})
t.ok(first:find('example 1 of batch 1  label 1', 1, true), 'the LSTM view: example 1 with target {1} is label 1')
t.ok(second:find('example 2 of batch 1  label 0', 1, true), 'the LSTM view: example 2 with target {0} is label 0')
