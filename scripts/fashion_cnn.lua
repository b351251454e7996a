-- fashion_cnn.lua: the reference Keras CNN on Fashion-MNIST, written as a
-- Keras user writes it.
--
--   nnstep scripts/fashion_cnn.lua [--epochs N] [--limit N]
--
-- --epochs N   passes over the training images (default 1)
-- --limit N    train on the first N of the 60,000 training images

local function option(name, default)
  for i = 1, #arg - 1 do
    if arg[i] == name then return math.tointeger(tonumber(arg[i + 1])) or error(name .. ' needs a number') end
  end
  return default
end
local epochs, limit = option('--epochs', 1), option('--limit', 60000)

local train, test = nn.datasets.fashion_mnist()
local x_train = train.x:slice(1, math.min(limit, 60000))
local y_train = nn.utils.to_categorical(train.y:slice(1, math.min(limit, 60000)), 10)
local y_test = nn.utils.to_categorical(test.y, 10)

local model = nn.Sequential()
model:add(nn.Conv2D(32, {3, 3}, {activation = 'relu', input_shape = {28, 28, 1}}))
model:add(nn.MaxPooling2D({2, 2}))
model:add(nn.Conv2D(64, {3, 3}, {activation = 'relu'}))
model:add(nn.MaxPooling2D({2, 2}))
model:add(nn.Flatten())
model:add(nn.Dense(64, {activation = 'relu'}))
model:add(nn.Dense(10, {activation = 'softmax'}))
model:summary()

model:compile{optimizer = 'adam', loss = 'categorical_crossentropy', metrics = {'accuracy'}}
model:fit(x_train, y_train, {epochs = epochs, batch_size = 32})

local loss, accuracy = model:evaluate(test.x, y_test, {batch_size = 1000})
print(string.format('Test loss: %.4f', loss))
print(string.format('Test accuracy: %.4f', accuracy))
