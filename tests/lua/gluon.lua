-- gluon.lua: the hand-written training loop reaches the same result as fit.
local t = require 'tap'

local function make()
  nn.seed(11)
  return nn.Sequential{
    nn.Dense(8, {activation = 'tanh', input_shape = {2}}),
    nn.Dense(2, {activation = 'softmax'}),
  }
end
local x = nn.tensor{{0, 0}, {0, 1}, {1, 0}, {1, 1}}
local y = nn.utils.to_categorical(nn.tensor{0, 1, 1, 0}, 2)

local net = make()
net:initialize()
local trainer = nn.Trainer(net:collect_params(), 'adam', {learning_rate = 0.05})
local first, last
for epoch = 1, 300 do
  for xb, yb in nn.batches(x, y, 4) do
    local out = net(xb)
    local loss = nn.losses.categorical_crossentropy(yb, out)
    loss:backward()
    trainer:step(4)
    first = first or loss.value
    last = loss.value
  end
end
t.ok(last < 0.05 and last < first, 'the hand-written loop learns XOR: ' .. last)

-- the same steps as train_on_batch, to the bit
local a, b = make(), make()
a:compile{optimizer = nn.optimizers.SGD{learning_rate = 0.1}, loss = 'categorical_crossentropy'}
local tb = nn.Trainer(b, 'sgd', {learning_rate = 0.1})
for i = 1, 5 do
  a:train_on_batch(x, y)
  local l = nn.losses.categorical_crossentropy(y, b(x))
  l:backward()
  tb:step(4)
end
t.is((a.layers[1].kernel - b.layers[1].kernel):abs():max(), 0, 'Gluon loop == train_on_batch, bitwise')

t.raises(function() nn.losses.categorical_crossentropy(y, nn.zeros(4, 2)):backward() end,
  "backward: this loss was not computed from a model's output", 'loss:backward needs net(x)')
t.raises(function() nn.Trainer(net, 'adamw') end, "Trainer: unknown optimizer 'adamw'", 'unknown optimizer')
t.raises(function() nn.losses.mean_squared_error(nn.zeros(4, 3), net(x)) end, "mean_squared_error: the target's shape", 'loss shapes checked')
t.done_testing()
