-- fashion_lstm.lua: the reference stacked LSTM on Fashion-MNIST: each image
-- is read row by row, 28 timesteps of 28 pixels.
--
--   nnstep scripts/fashion_lstm.lua [--epochs N] [--limit N]

local function option(name, default)
  for i = 1, #arg - 1 do
    if arg[i] == name then return math.tointeger(tonumber(arg[i + 1])) or error(name .. ' needs a number') end
  end
  return default
end
local epochs, limit = option('--epochs', 1), option('--limit', 60000)

local train, test = nn.datasets.fashion_mnist()
local n = math.min(limit, 60000)
-- (N, 28, 28, 1) images -> (N, 28, 28) sequences: 28 rows of 28 features
local x_train = train.x:slice(1, n):reshape(n, 28, 28)
local y_train = nn.utils.to_categorical(train.y:slice(1, n), 10)
local x_test = test.x:reshape(10000, 28, 28)
local y_test = nn.utils.to_categorical(test.y, 10)

local model = nn.Sequential()
model:add(nn.LSTM(50, {return_sequences = true, input_shape = {28, 28}}))
model:add(nn.LSTM(50, {return_sequences = true}))
model:add(nn.LSTM(50))
model:add(nn.Dense(10, {activation = 'softmax'}))
model:summary()

model:compile{optimizer = 'adam', loss = 'categorical_crossentropy', metrics = {'accuracy'}}
model:fit(x_train, y_train, {epochs = epochs, batch_size = 32})

local loss, accuracy = model:evaluate(x_test, y_test, {batch_size = 1000})
print(string.format('Test loss: %.4f', loss))
print(string.format('Test accuracy: %.4f', accuracy))
