-- bench/viz_overhead.lua: one timed epoch of the reference CNN, with the
-- live visualizer on or off, for bench/viz_overhead (issue 6: "training
-- throughput with the visualizer on is within 5% of with it off").
--
--   nnstep bench/viz_overhead.lua on|off LIMIT RESULT_FILE
--
-- Appends "viz=on img_per_s=..." to RESULT_FILE: the screen belongs to the
-- visualizer while it runs, so the figure cannot go to stdout.
local mode, limit, result_file = arg[1], tonumber(arg[2] or 4000), arg[3]
assert(mode == 'on' or mode == 'off', 'usage: viz_overhead.lua on|off LIMIT RESULT_FILE')

nn.seed(1)
local train = nn.datasets.fashion_mnist()
local x = train.x:slice(1, limit)
local y = nn.utils.to_categorical(train.y:slice(1, limit), 10)

local model = nn.Sequential()
model:add(nn.Conv2D(32, {3, 3}, {activation = 'relu', input_shape = {28, 28, 1}}))
model:add(nn.MaxPooling2D({2, 2}))
model:add(nn.Conv2D(64, {3, 3}, {activation = 'relu'}))
model:add(nn.MaxPooling2D({2, 2}))
model:add(nn.Flatten())
model:add(nn.Dense(64, {activation = 'relu'}))
model:add(nn.Dense(10, {activation = 'softmax'}))
model:compile{optimizer = 'adam', loss = 'categorical_crossentropy', metrics = {'accuracy'}}

local start = nn.viz.clock()
model:fit(x, y, {epochs = 1, batch_size = 32, verbose = 0,
                viz = mode == 'on' and {stay = false}})  -- no end screen to wait on
local seconds = nn.viz.clock() - start

local out = assert(io.open(result_file, 'a'))
out:write(string.format('viz=%s images=%d seconds=%.3f img_per_s=%.1f\n', mode, limit, seconds,
                        limit / seconds))
out:close()
