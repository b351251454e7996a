-- data.lua: datasets, to_categorical, seed, batches.
local t = require 'tap'

-- One seed: a run that never calls nn.seed starts as nn.seed(42) would, for
-- the models' weights and for the random tensors alike (l_tensor.c). First
-- in this file, before anything draws a number.
local function draws()
  local m = nn.Sequential{nn.Dense(3, {input_shape = {2}})}
  return m.layers[1].kernel, nn.rand(4)
end
local kernel_unseeded, rand_unseeded = draws()
nn.seed(42)
local kernel_seeded, rand_seeded = draws()
t.is((kernel_unseeded - kernel_seeded):abs():max(), 0,
     'without nn.seed, a new model gets the weights nn.seed(42) would give it')
t.is((rand_unseeded - rand_seeded):abs():max(), 0, 'and nn.rand draws what nn.seed(42) gives')

local y = nn.tensor{2, 0, 1}
local hot = nn.utils.to_categorical(y, 3)
t.is(hot.shape[1], 3, 'one row per label')
t.is(hot.shape[2], 3, 'one column per class')
t.is(hot[1][3], 1, 'label 2 -> column 3')
t.is(hot[2][1], 1, 'label 0 -> column 1')
t.is(hot:sum(), 3, 'exactly one 1 per row')
t.raises(function() nn.utils.to_categorical(nn.tensor{3}, 3) end, 'to_categorical: label 1 is 3, not a class number 0..2', 'label out of range')
t.raises(function() nn.utils.to_categorical(nn.tensor{0.5}, 3) end, 'not a class number', 'fractional label')

nn.seed(5)
local a = nn.rand(4)
nn.seed(5)
local b = nn.rand(4)
t.is((a - b):abs():sum(), 0, 'nn.seed repeats the random numbers')

local x = nn.arange(10):reshape(10, 1)
local n, total = 0, 0
for xb, yb in nn.batches(x, nn.arange(10), 4) do
  n = n + 1
  total = total + xb.shape[1]
  if n == 1 then t.is(xb[2][1], 1, 'batches keep the order without shuffle') end
end
t.is(n, 3, '10 examples in batches of 4: 3 batches')
t.is(total, 10, 'every example once')
local seen = {}
for xb, yb in nn.batches(x, nn.arange(10), 3, {shuffle = true}) do
  for i = 1, xb.shape[1] do
    t.is(xb[i][1], yb[i], 'shuffled x and y stay paired') 
    seen[yb[i]] = true
  end
end
local count = 0
for _ in pairs(seen) do count = count + 1 end
t.is(count, 10, 'shuffled batches cover every example')

-- Fashion-MNIST, from Debian's dataset-fashion-mnist
local ok, train, test = pcall(nn.datasets.fashion_mnist)
if ok then
  t.is(train.x.shape[1], 60000, '60,000 training images')
  t.is(train.x.shape[4], 1, 'channels-last (N, 28, 28, 1)')
  t.is(test.y[1], 9, 'the first test image is class 9')
  t.is(test.class_names[10], 'Ankle boot', 'class names')
  t.ok(train.x:max() <= 1 and train.x:min() >= 0, 'pixels scaled to [0, 1]')
else
  t.like(train, 'apt%-get install dataset%-fashion%-mnist', 'the missing data set says how to install it')
end
t.raises(function() nn.datasets.idx('/nonexistent.idx') end, '/nonexistent.idx', 'idx names the file')

-- Keras's form: x_train, y_train, x_test, y_test = fashion_mnist.load_data(),
-- pixels 0..255 in (N, 28, 28) and class ids, checked against the files read
-- here independently (gzip -dc, and the IDX header and bytes unpacked in Lua)
local function idx_bytes(file, command)
  local dir = os.getenv('NNSTEP_FASHION_MNIST_DIR') or '/usr/share/datasets/fashion-mnist'
  local pipe = io.popen('gzip -dc ' .. dir .. '/' .. file .. ' | ' .. command)
  local bytes = pipe:read('a')
  pipe:close()
  return bytes
end
local loaded, x_train, y_train, x_test, y_test = pcall(nn.datasets.fashion_mnist.load_data)
if loaded then
  t.is(x_train.shape, {60000, 28, 28}, 'load_data: x_train (60000, 28, 28), as Keras')
  t.is(y_train.shape, {60000}, 'y_train (60000)')
  t.is(x_test.shape, {10000, 28, 28}, 'x_test (10000, 28, 28)')
  t.is(y_test.shape, {10000}, 'y_test (10000)')
  local head = idx_bytes('train-images-idx3-ubyte.gz', 'head -c ' .. (16 + 2 * 784))
  t.is({string.unpack('>I4I4I4I4', head)}, {2051, 60000, 28, 28, 17}, 'the image file: magic 2051, (60000, 28, 28)')
  local function pixels(bytes, offset, image)  -- image 1-based, 784 values
    local out = {}
    for i = 1, 784 do out[i] = bytes:byte(offset + (image - 1) * 784 + i) end
    return out
  end
  local function row_major(x, n)  -- the tensor's image n as 784 values
    local out, img = {}, x[n]:totable()
    for r = 1, 28 do for c = 1, 28 do out[#out + 1] = img[r][c] end end
    return out
  end
  t.is(row_major(x_train, 1), pixels(head, 16, 1), 'x_train[1]: every pixel as the file\'s bytes, 0..255')
  t.is(row_major(x_train, 2), pixels(head, 16, 2), 'x_train[2]: every pixel as the file\'s bytes')
  local tail = idx_bytes('train-images-idx3-ubyte.gz', 'tail -c 784')
  t.is(row_major(x_train, 60000), pixels(tail, 0, 1), 'x_train[60000]: the file\'s last 784 bytes')
  local test_head = idx_bytes('t10k-images-idx3-ubyte.gz', 'head -c ' .. (16 + 784))
  t.is(row_major(x_test, 1), pixels(test_head, 16, 1), 'x_test[1]: every pixel as the file\'s bytes')
  t.is(x_train:max(), 255, 'pixels are not scaled: the largest is 255')
  local labels = idx_bytes('train-labels-idx1-ubyte.gz', 'head -c 18')
  local expect = {}
  for i = 9, 18 do expect[#expect + 1] = labels:byte(i) end
  t.is(y_train:slice(1, 10):totable(), expect, 'y_train[1..10]: class ids as the label file\'s bytes')
  local last = idx_bytes('t10k-labels-idx1-ubyte.gz', 'tail -c 1')
  t.is(y_test[10000], last:byte(1), 'y_test[10000]: the label file\'s last byte')
  -- the ready form is the same data, / 255, with a channel axis
  local ready = nn.datasets.fashion_mnist()
  t.is_near((ready.x:slice(1, 100):reshape(100, 28, 28) - x_train:slice(1, 100) / 255):abs():max(), 0, 1e-7,
            'fashion_mnist() x is load_data()\'s x_train / 255 in (N, 28, 28, 1)')
  t.is((ready.y - y_train):abs():max(), 0, 'and the same labels')
else
  t.like(x_train, 'apt%-get install dataset%-fashion%-mnist', 'load_data: the missing data set says how to install it')
end

-- threads change the speed, never a result: one training batch of a small
-- CNN on 1 and on 2 threads from the same seed gives the same weights, bit
-- for bit (core/tensor/threads.h: no split changes the order of a sum)
local function trained_weights(threads)
  nn.set_num_threads(threads)
  nn.seed(11)
  local m = nn.Sequential{
    nn.Conv2D(16, 3, {activation = 'relu', input_shape = {20, 20, 1}}), nn.MaxPooling2D(2),
    nn.Flatten(), nn.Dense(64, {activation = 'relu'}), nn.Dense(4, {activation = 'softmax'})}
  m:compile{optimizer = 'adam', loss = 'categorical_crossentropy'}
  local x = nn.randn(64, 20, 20, 1)  -- large enough for every kernel to split
  local labels = {}
  for i = 1, 64 do labels[i] = i % 4 end
  local y = nn.utils.to_categorical(nn.tensor(labels), 4)
  m:fit(x, y, {epochs = 2, batch_size = 32, verbose = 0})
  return m.layers[1].kernel:clone(), m.layers[4].kernel:clone()
end
local k1, d1 = trained_weights(1)
t.is(nn.get_num_threads(), 1, 'set_num_threads(1) is read back')
local k2, d2 = trained_weights(2)
nn.set_num_threads(0)
t.is((k1 - k2):abs():max(), 0, 'conv kernel: the same on 1 and 2 threads')
t.is((d1 - d2):abs():max(), 0, 'dense kernel: the same on 1 and 2 threads')
t.raises(function() nn.set_num_threads(-1) end, 'set_num_threads: threads should be 1 to 256',
         'a negative thread count is refused')

-- nn.cpu(): the kernel path, against the CPU's own flags in /proc/cpuinfo
-- (the kernels need both AVX2 and FMA)
local info = io.open('/proc/cpuinfo')
if info then
  local flags = info:read('a'):match('\nflags%s*:([^\n]*)') or ''
  info:close()
  local has = function(f) return (' ' .. flags .. ' '):find(' ' .. f .. ' ', 1, true) ~= nil end
  local expected = (has('avx2') and has('fma')) and 'avx2+fma' or 'plain C'
  if expected == 'avx2+fma' and has('avx512f') then expected = 'avx512' end
  t.is(nn.cpu(), expected, 'nn.cpu() names the kernel path the flags in /proc/cpuinfo allow: ' .. expected)
  -- choosing a path: plain C always, then back; a path the CPU lacks is refused
  t.is(nn.cpu('plain C'), 'plain C', "nn.cpu('plain C') runs plain C from then on")
  t.is(nn.cpu(), 'plain C', '... and says so')
  t.is(nn.cpu(expected), expected, 'nn.cpu(' .. expected .. ') goes back')
  if expected ~= 'avx512' then
    t.raises(function() nn.cpu('avx512') end, 'this CPU has no avx512 instructions',
             'a path the CPU lacks is refused, naming its widest')
    t.is(nn.cpu(), expected, '... and the path in use stays')
  end
  t.raises(function() nn.cpu('sse') end, "no kernel path 'sse'", 'an unknown path is named')
else
  t.skip('nn.cpu()', 'no /proc/cpuinfo to check it against')
end

t.done_testing()
