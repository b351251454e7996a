-- pretrain.lua: train the two reference models on Fashion-MNIST and save
-- them as models/fashion_cnn.nnstep and models/fashion_lstm.nnstep, the
-- files nn.pretrained('fashion_cnn') and nn.pretrained('fashion_lstm') load,
-- so that a lesson can show learned kernels and gates without training.
--
--   nnstep scripts/pretrain.lua [--epochs N] [--out DIR]
--
-- Seeded: the same nnstep gives the same files.
local function option(name, default)
  for i = 1, #arg - 1 do
    if arg[i] == name then return arg[i + 1] end
  end
  return default
end
local epochs = math.tointeger(tonumber(option('--epochs', '3')))
local out = option('--out', 'models')

nn.seed(2026)
local train, test = nn.datasets.fashion_mnist()
local y_train = nn.utils.to_categorical(train.y, 10)
local y_test = nn.utils.to_categorical(test.y, 10)

local cnn = nn.Sequential()
cnn:add(nn.Conv2D(32, {3, 3}, {activation = 'relu', input_shape = {28, 28, 1}}))
cnn:add(nn.MaxPooling2D({2, 2}))
cnn:add(nn.Conv2D(64, {3, 3}, {activation = 'relu'}))
cnn:add(nn.MaxPooling2D({2, 2}))
cnn:add(nn.Flatten())
cnn:add(nn.Dense(64, {activation = 'relu'}))
cnn:add(nn.Dense(10, {activation = 'softmax'}))
cnn:compile{optimizer = 'adam', loss = 'categorical_crossentropy', metrics = {'accuracy'}}
cnn:fit(train.x, y_train, {epochs = epochs, batch_size = 32, verbose = 2})
print(string.format('fashion_cnn: test accuracy %.4f', select(2, cnn:evaluate(test.x, y_test, {batch_size = 1000}))))
cnn:save(out .. '/fashion_cnn.nnstep')

local lstm = nn.Sequential()
lstm:add(nn.LSTM(50, {return_sequences = true, input_shape = {28, 28}}))
lstm:add(nn.LSTM(50, {return_sequences = true}))
lstm:add(nn.LSTM(50))
lstm:add(nn.Dense(10, {activation = 'softmax'}))
lstm:compile{optimizer = 'adam', loss = 'categorical_crossentropy', metrics = {'accuracy'}}
lstm:fit(train.x:reshape(60000, 28, 28), y_train, {epochs = epochs, batch_size = 32, verbose = 2})
print(string.format('fashion_lstm: test accuracy %.4f',
  select(2, lstm:evaluate(test.x:reshape(10000, 28, 28), y_test, {batch_size = 1000}))))
lstm:save(out .. '/fashion_lstm.nnstep')
