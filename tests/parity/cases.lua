-- cases.lua: the nnstep half of the parity suite (tests/parity/parity.sh).
--
--   nnstep tests/parity/cases.lua DIR [CASE]
--
-- Builds every case with a fixed seed, trains it for two steps on one batch
-- (train_on_batch twice), and writes into DIR, as DIR/<case>.<what>, what
-- the other half, check.py, compares with PyTorch in float64:
--
--   json               the case: layers, loss, optimizer, both losses
--   x.npy, y.npy       the batch
--   w0.I.NAME.npy      layer I's parameter NAME before training (I counts
--                      the case's layers from 1; w1, w2 after steps 1 and 2)
--   predict.npy        m:predict(x) before training (inference mode)
--   saliency.npy       nn.viz.saliency's dL/dx of example 1 before training,
--                      L = -log p(predicted class), for softmax classifiers
--   forward1.npy       the last layer's output in step 1 (training mode)
--   grad1.I.NAME.npy   dL/dNAME in step 1 (at w0); grad2 in step 2 (at w1)
--   input_grad1.npy    dL/dx in step 1 (see below); input_grad2 in step 2
--   drop_in1.I.npy, drop_out1.I.npy   a Dropout's input and output in step 1,
--                      from which check.py reads the mask nnstep drew
--   predict2.npy       m:predict(x) after the two steps, for the cases with
--                      predict_after (BatchNormalization: the moving statistics)
--   fit_w2.I.NAME.npy  the weights after m:fit(x, y, {epochs = 2}) from the
--                      same w0 (one batch an epoch: the same two steps), for
--                      the cases without a Dropout (fit draws other masks)
-- and in the json: the losses train_on_batch returned, m:evaluate's loss at
-- w0, fit's history.loss, and the accuracies where the target is classes.
--
-- The input gradient. In training nnstep does not compute the first layer's
-- input gradient (nobody reads it: model.c sets need_grad_input only for the
-- layers after the first). So every case, unless it says otherwise, runs
-- with an identity in front, nn.Activation('linear'): it has no weights and
-- changes no number, and the case's first layer then computes dL/dx, which
-- becomes that layer's grad_input. The reference models also run exactly as
-- defined (input_grad = 'first_layer'): there the input gradient is read
-- from m.layers[1].grad_input, which m:compute_input_gradient(true) asks
-- training to compute.
--
-- The case list is the one place a case is defined: check.py rebuilds each
-- model from <case>.json with Keras's defaults of its own.

local out_dir = assert(arg[1], 'usage: nnstep cases.lua DIR [CASE]')
local only = arg[2]

-- ---- a small JSON writer (<case>.json) ----

local function is_array(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n == #t
end

local function json(v)
  local kind = type(v)
  if kind == 'table' then
    local parts = {}
    if next(v) ~= nil and is_array(v) then
      for i = 1, #v do parts[i] = json(v[i]) end
      return '[' .. table.concat(parts, ', ') .. ']'
    end
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    for _, k in ipairs(keys) do
      parts[#parts + 1] = string.format('%q: %s', k, json(v[k]))
    end
    return '{' .. table.concat(parts, ', ') .. '}'
  elseif kind == 'string' then
    return string.format('%q', v)
  elseif kind == 'number' then
    if math.type(v) == 'integer' then return tostring(v) end
    return string.format('%.17g', v)
  elseif kind == 'boolean' then
    return tostring(v)
  end
  error('json: cannot write a ' .. kind)
end

-- ---- the cases ----
-- A case: name; input (one example's shape); batch; layers, each
-- {class, args..., options}; loss; optimizer (nil: compile's default);
-- target (how y is drawn: onehot, sparse, normal, binary, plus_minus);
-- images (x uniform in [0, 1), else normal); ids (x integer ids in [0,
-- ids), for an Embedding first: no identity in front and no dL/dx, which
-- ids do not have: input_grad 'none'; repeats: check.py checks that an id
-- repeats within a sequence); check_init (check.py also
-- checks the initial weights against Keras's initializers);
-- input_grad ('prefix', the default, 'first_layer' or 'none'); known: the
-- disagreements with Keras that nnstep has today, a list of {reason,
-- variant}: check.py computes each variant (and all together) too, and marks
-- a quantity TODO only where nnstep misses Keras and matches a variant. When
-- nnstep is fixed, the quantity passes against Keras and the TODO goes.

local cases = {}
local function case(c) cases[#cases + 1] = c end

local small_classifier = {
  {'Dense', 6, {activation = 'relu'}},
  {'Dense', 3, {activation = 'softmax'}},
}

-- every activation, in a Dense layer and as an Activation layer
for _, act in ipairs{'linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'leaky_relu', 'elu'} do
  case{name = 'activation_' .. act, input = {5}, batch = 4,
       layers = {{'Dense', 6, {activation = act}}, {'Activation', act}, {'Dense', 3}},
       loss = 'mse', optimizer = {name = 'sgd', learning_rate = 0.1}, target = 'normal'}
end

-- every loss, with the output each is meant for
case{name = 'loss_mse', input = {5}, batch = 4, target = 'normal', loss = 'mse',
     layers = {{'Dense', 6, {activation = 'tanh'}}, {'Dense', 3}}, optimizer = {name = 'adam'}}
case{name = 'loss_mean_squared_error', input = {5}, batch = 4, target = 'normal',
     loss = 'mean_squared_error', layers = {{'Dense', 3}}, optimizer = {name = 'adam'}}
case{name = 'loss_categorical_crossentropy', input = {5}, batch = 4, target = 'onehot',
     loss = 'categorical_crossentropy', layers = small_classifier, optimizer = {name = 'adam'}}
case{name = 'loss_categorical_crossentropy_sigmoid', input = {5}, batch = 4, target = 'onehot',
     loss = 'categorical_crossentropy', optimizer = {name = 'adam'},
     layers = {{'Dense', 6, {activation = 'relu'}}, {'Dense', 3, {activation = 'sigmoid'}}}}
case{name = 'loss_sparse_categorical_crossentropy', input = {5}, batch = 4, target = 'sparse',
     loss = 'sparse_categorical_crossentropy', layers = small_classifier,
     optimizer = {name = 'adam'}}
case{name = 'loss_sparse_categorical_crossentropy_sigmoid', input = {5}, batch = 4,
     target = 'sparse', loss = 'sparse_categorical_crossentropy', optimizer = {name = 'adam'},
     layers = {{'Dense', 6, {activation = 'relu'}}, {'Dense', 3, {activation = 'sigmoid'}}}}
case{name = 'loss_binary_crossentropy', input = {5}, batch = 6, target = 'binary',
     loss = 'binary_crossentropy', optimizer = {name = 'adam'},
     layers = {{'Dense', 6, {activation = 'relu'}}, {'Dense', 1, {activation = 'sigmoid'}}}}
case{name = 'loss_binary_crossentropy_multilabel', input = {5}, batch = 4, target = 'binary',
     loss = 'binary_crossentropy', optimizer = {name = 'adam'},
     layers = {{'Dense', 6, {activation = 'relu'}}, {'Dense', 3, {activation = 'sigmoid'}}}}
case{name = 'loss_hinge_01_labels', input = {5}, batch = 6, target = 'binary', loss = 'hinge',
     layers = {{'Dense', 6, {activation = 'relu'}}, {'Dense', 2, {activation = 'tanh'}}},
     optimizer = {name = 'sgd', learning_rate = 0.1}}
case{name = 'loss_hinge_pm1_labels', input = {5}, batch = 6, target = 'plus_minus',
     loss = 'hinge', layers = {{'Dense', 6, {activation = 'relu'}}, {'Dense', 2}},
     optimizer = {name = 'sgd', learning_rate = 0.1}}
case{name = 'loss_categorical_hinge', input = {5}, batch = 6, target = 'onehot',
     loss = 'categorical_hinge', layers = {{'Dense', 6, {activation = 'relu'}}, {'Dense', 3}},
     optimizer = {name = 'sgd', learning_rate = 0.1}}
-- a loss over a sequence output: Keras averages over every timestep
case{name = 'loss_crossentropy_per_timestep', input = {5, 3}, batch = 3, target = 'onehot',
     loss = 'categorical_crossentropy', optimizer = {name = 'adam'},
     layers = {{'SimpleRNN', 4, {return_sequences = true}}, {'Dense', 3, {activation = 'softmax'}}}}
case{name = 'loss_sparse_crossentropy_per_timestep', input = {5, 3}, batch = 3,
     target = 'sparse', loss = 'sparse_categorical_crossentropy', optimizer = {name = 'adam'},
     layers = {{'SimpleRNN', 4, {return_sequences = true}}, {'Dense', 3, {activation = 'softmax'}}}}
-- and over every pixel of an image output: a softmax over the channels
case{name = 'loss_crossentropy_per_pixel', input = {4, 4, 2}, batch = 2, target = 'onehot',
     loss = 'categorical_crossentropy', optimizer = {name = 'adam'},
     layers = {{'Conv2D', 3, 1, {activation = 'softmax'}}}}

-- every optimizer, with Keras's defaults and with settings
local optimizers = {
  sgd = {name = 'sgd'},
  sgd_lr = {name = 'sgd', learning_rate = 0.2},
  sgd_momentum = {name = 'sgd', learning_rate = 0.1, momentum = 0.9},
  sgd_nesterov = {name = 'sgd', learning_rate = 0.1, momentum = 0.9, nesterov = true},
  adam = {name = 'adam'},
  adam_settings = {name = 'adam', learning_rate = 0.01, beta_1 = 0.8, beta_2 = 0.99,
                   epsilon = 1e-3},
  rmsprop = {name = 'rmsprop'},
  rmsprop_settings = {name = 'rmsprop', learning_rate = 0.01, rho = 0.8, epsilon = 1e-4},
  rmsprop_momentum = {name = 'rmsprop', momentum = 0.9},
  rmsprop_centered = {name = 'rmsprop', centered = true},
  rmsprop_centered_momentum = {name = 'rmsprop', centered = true, momentum = 0.5},
  sgd_clipvalue = {name = 'sgd', learning_rate = 0.1, clipvalue = 0.05},
  adam_clipnorm = {name = 'adam', clipnorm = 0.1},
  adam_global_clipnorm = {name = 'adam', global_clipnorm = 0.1},
  sgd_clipnorm = {name = 'sgd', learning_rate = 0.1, clipnorm = 0.05},
}
local names = {}
for k in pairs(optimizers) do names[#names + 1] = k end
table.sort(names)
for _, k in ipairs(names) do
  case{name = 'optimizer_' .. k, input = {5}, batch = 4, target = 'onehot',
       loss = 'categorical_crossentropy', layers = small_classifier,
       optimizer = optimizers[k]}
end
-- compile with no optimizer: Keras's default is RMSprop
case{name = 'optimizer_compile_default', input = {5}, batch = 4, target = 'onehot',
     loss = 'categorical_crossentropy', layers = small_classifier}

-- every layer kind, with Keras's defaults and with settings
case{name = 'dense_3d_input', input = {3, 5}, batch = 2, target = 'normal', loss = 'mse',
     layers = {{'Dense', 4, {activation = 'tanh'}}, {'Dense', 2}}, optimizer = {name = 'adam'}}
case{name = 'dense_no_bias', input = {5}, batch = 4, target = 'normal', loss = 'mse',
     layers = {{'Dense', 4, {activation = 'tanh', use_bias = false}}, {'Dense', 2}},
     optimizer = {name = 'adam'}}
case{name = 'conv2d_defaults', input = {7, 6, 2}, batch = 2, target = 'normal', loss = 'mse',
     layers = {{'Conv2D', 3, 3}, {'Flatten'}, {'Dense', 2}}, optimizer = {name = 'adam'}}
case{name = 'conv2d_same_strides', input = {7, 6, 2}, batch = 2, target = 'normal',
     loss = 'mse', optimizer = {name = 'adam'},
     layers = {{'Conv2D', 3, {3, 2}, {strides = {2, 2}, padding = 'same', activation = 'relu'}},
               {'Flatten'}, {'Dense', 2}}}
case{name = 'conv2d_no_bias_stride', input = {8, 8, 1}, batch = 2, target = 'normal',
     loss = 'mse', optimizer = {name = 'adam'},
     layers = {{'Conv2D', 2, 3, {strides = {1, 2}, use_bias = false, activation = 'tanh'}},
               {'Flatten'}, {'Dense', 2}}}
-- 'same' with an odd number of zeros to add: rows 6, kernel 3, stride 2
-- need (3 - 1) * 2 + 3 - 6 = 1, columns 5, kernel 2, stride 1 need 1; Keras
-- puts it at the end (bottom, right; lesson 18)
case{name = 'conv2d_same_odd_padding', input = {6, 5, 2}, batch = 2, target = 'normal',
     loss = 'mse', optimizer = {name = 'adam'},
     layers = {{'Conv2D', 3, {3, 2}, {strides = {2, 1}, padding = 'same'}}, {'Flatten'}, {'Dense', 2}}}
case{name = 'max_pooling2d_defaults', input = {6, 6, 2}, batch = 2, target = 'normal',
     loss = 'mse', optimizer = {name = 'adam'},
     layers = {{'MaxPooling2D'}, {'Flatten'}, {'Dense', 2}}}
case{name = 'max_pooling2d_same_strides', input = {7, 5, 2}, batch = 2, target = 'normal',
     loss = 'mse', optimizer = {name = 'adam'},
     layers = {{'MaxPooling2D', 3, {strides = 2, padding = 'same'}}, {'Flatten'}, {'Dense', 2}}}
case{name = 'average_pooling2d_defaults', input = {6, 6, 2}, batch = 2, target = 'normal',
     loss = 'mse', optimizer = {name = 'adam'},
     layers = {{'AveragePooling2D'}, {'Flatten'}, {'Dense', 2}}}
case{name = 'average_pooling2d_same_strides', input = {7, 5, 2}, batch = 2, target = 'normal',
     loss = 'mse', optimizer = {name = 'adam'},
     layers = {{'AveragePooling2D', {3, 2}, {strides = {2, 1}, padding = 'same'}}, {'Flatten'},
               {'Dense', 2}}}
case{name = 'dropout_rate_0', input = {5}, batch = 4, target = 'onehot',
     loss = 'categorical_crossentropy', optimizer = {name = 'adam'},
     layers = {{'Dense', 8, {activation = 'relu'}}, {'Dropout', 0}, {'Dense', 3, {activation = 'softmax'}}}}
case{name = 'dropout_rate_half', input = {5}, batch = 8, target = 'onehot',
     loss = 'categorical_crossentropy', optimizer = {name = 'adam'},
     layers = {{'Dense', 8, {activation = 'relu'}}, {'Dropout', 0.5}, {'Dense', 3, {activation = 'softmax'}}}}
case{name = 'dropout_on_the_input', input = {6}, batch = 8, target = 'normal', loss = 'mse',
     optimizer = {name = 'adam'}, layers = {{'Dropout', 0.3}, {'Dense', 2}}}
for _, kind in ipairs{'SimpleRNN', 'LSTM', 'GRU'} do
  for _, sequences in ipairs{false, true} do
    local name = kind:lower() .. (sequences and '_sequences' or '_last')
    case{name = name, input = {5, 3}, batch = 3, target = 'normal', loss = 'mse',
         optimizer = {name = 'adam'},
         layers = {{kind, 4, {return_sequences = sequences}}, {'Dense', 2}}}
  end
end
case{name = 'simple_rnn_relu', input = {5, 3}, batch = 3, target = 'normal', loss = 'mse',
     optimizer = {name = 'adam'},
     layers = {{'SimpleRNN', 4, {activation = 'relu'}}, {'Dense', 2}}}
case{name = 'recurrent_no_bias', input = {5, 3}, batch = 3, target = 'normal', loss = 'mse',
     optimizer = {name = 'adam'},
     layers = {{'LSTM', 4, {return_sequences = true, use_bias = false}},
               {'GRU', 3, {use_bias = false}}, {'Dense', 2}}}

-- BatchNormalization after Dense (B, C), Conv2D (B, H, W, C) and a recurrent
-- layer's sequences (B, T, C); a momentum far from 0.99 moves the moving
-- statistics enough in two steps that a wrong rule (PyTorch's unbiased
-- variance, or its momentum) is far outside the tolerance. A bias right
-- before a BatchNormalization is useless (the batch mean takes it away: its
-- gradient is 0, float32 noise of 1e-7 in nnstep), and Adam's g / sqrt(v)
-- turns that noise into steps of 1e-5; so the Adam cases leave it out, as
-- Keras models do (use_bias = False), and the SGD case keeps it
case{name = 'batch_norm_dense', input = {5}, batch = 6, target = 'onehot',
     loss = 'categorical_crossentropy', optimizer = {name = 'adam'}, predict_after = true,
     layers = {{'Dense', 4, {use_bias = false}}, {'BatchNormalization'},
               {'Dense', 3, {activation = 'softmax'}}}}
case{name = 'batch_norm_dense_settings', input = {5}, batch = 5, target = 'normal',
     loss = 'mse', optimizer = {name = 'sgd', learning_rate = 0.1}, predict_after = true,
     layers = {{'Dense', 4, {activation = 'relu'}},
               {'BatchNormalization', {momentum = 0.5, epsilon = 0.01, center = false}},
               {'Dense', 2}}}
case{name = 'batch_norm_conv2d', input = {5, 5, 2}, batch = 3, target = 'normal',
     loss = 'mse', optimizer = {name = 'adam'}, predict_after = true,
     layers = {{'Conv2D', 3, 3, {use_bias = false}}, {'BatchNormalization', {momentum = 0.6}},
               {'Flatten'},
               {'Dense', 2}}}
case{name = 'batch_norm_sequences', input = {4, 3}, batch = 3, target = 'normal',
     loss = 'mse', optimizer = {name = 'adam'}, predict_after = true,
     layers = {{'LSTM', 4, {return_sequences = true}},
               {'BatchNormalization', {momentum = 0.7, scale = false}}, {'Dense', 2}}}

-- the global poolings after a convolution, Embedding (its ids repeat: 6
-- per sequence from 4 ids, so rows of dL/dembeddings add up several
-- positions), Conv1D with 'same' padding and a stride
case{name = 'global_average_pooling2d', input = {6, 5, 2}, batch = 3, target = 'normal',
     loss = 'mse', optimizer = {name = 'adam'},
     layers = {{'Conv2D', 4, 3, {activation = 'relu'}}, {'GlobalAveragePooling2D'},
               {'Dense', 2}}}
case{name = 'global_max_pooling2d', input = {6, 5, 2}, batch = 3, target = 'normal',
     loss = 'mse', optimizer = {name = 'adam'},
     layers = {{'Conv2D', 4, 3, {activation = 'tanh'}}, {'GlobalMaxPooling2D'},
               {'Dense', 2}}}
case{name = 'global_max_pooling2d_keepdims', input = {4, 4, 3}, batch = 2,
     target = 'normal', loss = 'mse', optimizer = {name = 'sgd', learning_rate = 0.1},
     layers = {{'GlobalMaxPooling2D', {keepdims = true}}, {'Flatten'}, {'Dense', 2}}}
case{name = 'embedding_lstm', input = {6}, batch = 3, ids = 4, repeats = true,
     target = 'normal',
     loss = 'mse', optimizer = {name = 'adam', learning_rate = 0.01},
     layers = {{'Embedding', 4, 5}, {'LSTM', 3}, {'Dense', 2}}}
-- lesson 22's shape: ids in, a softmax at every timestep, sparse targets (N, T)
case{name = 'embedding_lstm_sequences_sparse', input = {6}, batch = 3, ids = 5, repeats = true,
     target = 'sparse', loss = 'sparse_categorical_crossentropy',
     optimizer = {name = 'adam', learning_rate = 0.01},
     layers = {{'Embedding', 5, 4}, {'LSTM', 3, {return_sequences = true}},
               {'Dense', 5, {activation = 'softmax'}}}}
case{name = 'conv1d_same_strides', input = {7, 3}, batch = 3, target = 'normal',
     loss = 'mse', optimizer = {name = 'adam'},
     layers = {{'Conv1D', 4, 3, {padding = 'same', strides = 2, activation = 'relu'}},
               {'Flatten'}, {'Dense', 2}}}
case{name = 'conv1d_defaults', input = {6, 2}, batch = 2, target = 'normal', loss = 'mse',
     optimizer = {name = 'adam'}, layers = {{'Conv1D', 3, 2}, {'Flatten'}, {'Dense', 2}}}

-- weight regularizers (Keras 3: l1 * sum |w| + l2 * sum w^2 joins the loss),
-- as hand-written {l1 =, l2 =} tables and as Keras's strings ('l2' = 0.01);
-- check.py adds the same penalty to its loss. Biases start at 0, where |b|'s
-- slope is 0 in both; step 2 runs where they are not.
case{name = 'regularized_dense', input = {5}, batch = 4, target = 'normal', loss = 'mse',
     optimizer = {name = 'sgd', learning_rate = 0.1},
     layers = {{'Dense', 4, {activation = 'tanh', kernel_regularizer = {l2 = 0.05},
                             bias_regularizer = {l1 = 0.02}}},
               {'Dense', 2, {kernel_regularizer = 'l1_l2', bias_regularizer = {l1 = 0.01, l2 = 0.3}}}}}
case{name = 'regularized_lstm', input = {4, 3}, batch = 3, target = 'normal', loss = 'mse',
     optimizer = {name = 'adam', learning_rate = 0.01},
     layers = {{'LSTM', 5, {kernel_regularizer = 'l2', recurrent_regularizer = {l1 = 0.01, l2 = 0.02},
                            bias_regularizer = 'l2'}},
               {'Dense', 2, {kernel_regularizer = {l2 = 0.1}}}}}

-- Keras's initializers, on layers large enough for the spread of the
-- weights to say something (check.py: check_initial_weights)
case{name = 'initializers_embedding_conv1d', input = {10}, batch = 2, ids = 60,
     target = 'normal', loss = 'mse', optimizer = {name = 'sgd'}, check_init = true,
     layers = {{'Embedding', 60, 8}, {'Conv1D', 16, 3}, {'Flatten'}, {'Dense', 2}}}
case{name = 'initializers_recurrent', input = {6, 40}, batch = 2, target = 'normal',
     loss = 'mse', optimizer = {name = 'sgd'}, check_init = true,
     layers = {{'SimpleRNN', 40, {return_sequences = true}}, {'GRU', 40}, {'Dense', 30}}}

-- the two reference models (scripts/fashion_cnn.lua, scripts/fashion_lstm.lua)
local reference_cnn = {
  {'Conv2D', 32, {3, 3}, {activation = 'relu'}},
  {'MaxPooling2D', {2, 2}},
  {'Conv2D', 64, {3, 3}, {activation = 'relu'}},
  {'MaxPooling2D', {2, 2}},
  {'Flatten'},
  {'Dense', 64, {activation = 'relu'}},
  {'Dense', 10, {activation = 'softmax'}},
}
local reference_lstm = {
  {'LSTM', 50, {return_sequences = true}},
  {'LSTM', 50, {return_sequences = true}},
  {'LSTM', 50},
  {'Dense', 10, {activation = 'softmax'}},
}
for _, how in ipairs{'first_layer', 'prefix'} do
  local suffix = how == 'prefix' and '_identity_in_front' or ''
  case{name = 'reference_cnn' .. suffix, input = {28, 28, 1}, batch = 4, images = true,
       target = 'onehot', loss = 'categorical_crossentropy', optimizer = {name = 'adam'},
       layers = reference_cnn, input_grad = how, check_init = how == 'first_layer'}
  case{name = 'reference_lstm' .. suffix, input = {28, 28}, batch = 4, images = true,
       target = 'onehot', loss = 'categorical_crossentropy', optimizer = {name = 'adam'},
       layers = reference_lstm, input_grad = how, check_init = how == 'first_layer'}
end

-- ---- running a case ----

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- nn.Dense(6, {activation = 'relu'}) from {'Dense', 6, {activation = 'relu'}};
-- the first layer takes the input shape. Arguments that are tables of
-- numbers (kernel sizes) are passed on as they are.
local function make_layer(spec, input_shape)
  local args = {}
  local options
  for i = 2, #spec do
    local a = spec[i]
    if type(a) == 'table' and not is_array(a) then options = copy(a) else args[#args + 1] = a end
  end
  if input_shape then
    options = options or {}
    options.input_shape = input_shape
  end
  if options then args[#args + 1] = options end
  return nn[spec[1]](table.unpack(args))
end

-- y for a model whose output is (batch, out...)
local function make_target(kind, batch, out_shape)
  local shape = {batch, table.unpack(out_shape)}
  if kind == 'normal' then return nn.randn(table.unpack(shape)) end
  local classes = out_shape[#out_shape]
  if kind == 'binary' or kind == 'plus_minus' then
    local y = nn.rand(table.unpack(shape)):reshape(-1)
    for i = 1, y.shape[1] do
      local bit = y[i] < 0.5 and 0 or 1
      y[i] = kind == 'binary' and bit or 2 * bit - 1
    end
    return y:reshape(table.unpack(shape))
  end
  local labels_shape = {table.unpack(shape, 1, #shape - 1)}
  local labels = nn.rand(table.unpack(labels_shape)):reshape(-1)
  for i = 1, labels.shape[1] do labels[i] = math.floor(labels[i] * classes) end
  if kind == 'sparse' then return labels:reshape(table.unpack(labels_shape)) end
  assert(kind == 'onehot', 'unknown target kind ' .. kind)
  return nn.utils.to_categorical(labels, classes):reshape(table.unpack(shape))
end

-- Every file of a case is named DIR/<case>.<what>.npy (one directory, no mkdir).
local function save(t, prefix, name) t:save(prefix .. name .. '.npy') end

-- The case's layers (without the identity in front), with their index.
local function case_layers(c, m)
  local offset = c.input_grad == 'prefix' and 1 or 0
  local list = {}
  for i = 1, #c.layers do list[i] = m.layers[i + offset] end
  return list
end

local function save_weights(layers, dir, prefix, field)
  for i, layer in ipairs(layers) do
    for name, t in pairs(layer[field]) do
      if type(name) == 'string' then save(t, dir, string.format('%s.%d.%s', prefix, i, name)) end
    end
  end
end

-- The gradient of the loss with respect to x, where there is one.
local function save_input_grad(c, m, dir, step)
  local g = m.layers[c.input_grad == 'prefix' and 2 or 1].grad_input
  if g then save(g, dir, 'input_grad' .. step) end
end

local function has_dropout(c)
  for _, spec in ipairs(c.layers) do
    if spec[1] == 'Dropout' then return true end
  end
  return false
end

-- The model of case c, compiled; with weights, a copy of another's.
local function build(c, weights)
  nn.seed(20261203)
  local m = nn.Sequential()
  if c.input_grad == 'prefix' then m:add(nn.Activation('linear', {input_shape = c.input})) end
  for i, spec in ipairs(c.layers) do
    m:add(make_layer(spec, i == 1 and c.input_grad ~= 'prefix' and c.input or nil))
  end
  local compile = {loss = c.loss}
  if c.optimizer then
    local o = copy(c.optimizer)
    local name = o.name
    o.name = nil
    local class = ({sgd = 'SGD', adam = 'Adam', rmsprop = 'RMSprop'})[name]
    compile.optimizer = next(o) and nn.optimizers[class](o) or name
  end
  if c.target ~= 'normal' then compile.metrics = {'accuracy'} end
  m:compile(compile)
  if c.input_grad ~= 'none' then  -- ids have no gradient, and it says so
    m:compute_input_gradient(true)  -- dL/dx of the first layer, as x.requires_grad
  end
  for i, layer in ipairs(weights and case_layers(c, m) or {}) do
    for name, t in pairs(weights[i]) do layer[name]:copy(t) end
  end
  return m
end

-- A copy of every parameter of the case's layers: {[i] = {kernel = t, ...}}.
local function copy_weights(layers)
  local w = {}
  for i, layer in ipairs(layers) do
    w[i] = {}
    for name, t in pairs(layer.weights) do
      if type(name) == 'string' then w[i][name] = nn.tensor(t) end
    end
  end
  return w
end

-- One train_on_batch, and what it leaves: the loss and accuracy (into c),
-- the output, every gradient, the weights after, the input gradient and
-- the Dropout masks (as each Dropout's input and output).
local function train_step(c, m, layers, x, y, dir, step)
  c.losses[step], c.accuracies[step] = m:train_on_batch(x, y)
  save(layers[#layers].output, dir, 'forward' .. step)
  save_weights(layers, dir, 'grad' .. step, 'grad')
  save_weights(layers, dir, 'w' .. step, 'weights')
  save_input_grad(c, m, dir, step)
  for i, layer in ipairs(layers) do
    if layer.class == 'Dropout' then
      save(layer.input, dir, string.format('drop_in%d.%d', step, i))
      save(layer.output, dir, string.format('drop_out%d.%d', step, i))
    end
  end
end

-- The same two steps through m:fit, from the same weights w0.
local function fit_two_epochs(c, w0, x, y, dir)
  local fitted = build(c, w0)
  local history = fitted:fit(x, y, {epochs = 2, batch_size = c.batch, verbose = 0})
  c.fit_losses, c.fit_accuracies = history.loss, history.accuracy
  save_weights(case_layers(c, fitted), dir, 'fit_w2', 'weights')
end

-- "why this prediction": nn.viz.saliency's dL/dx of example 1 at w0, L =
-- -log p(the predicted class), in inference mode; softmax classifiers only
-- (saliency.npy, and saliency_class in the json)
local function save_saliency(c, m, layers, x, dir)
  local last = layers[#layers]
  if c.ids or last.activation ~= 'softmax' or #last.output_shape ~= 1 then return end
  local s = nn.viz.saliency(m, x, {example = 1})
  save(s.gradient, dir, 'saliency')
  c.saliency_class = s.class
end

local function run(c)
  local dir = out_dir .. '/' .. c.name .. '.'
  c.input_grad = c.input_grad or (c.ids and 'none' or 'prefix')
  local m = build(c)
  local layers = case_layers(c, m)
  c.layer_names = {}
  for i, layer in ipairs(layers) do c.layer_names[i] = layer.name end
  local x = c.images and nn.rand(c.batch, table.unpack(c.input))
                     or nn.randn(c.batch, table.unpack(c.input))
  if c.ids then  -- whole numbers in [0, ids), drawn as make_target's labels
    x = nn.rand(c.batch, table.unpack(c.input)):reshape(-1)
    for i = 1, x.shape[1] do x[i] = math.floor(x[i] * c.ids) end
    x = x:reshape(c.batch, table.unpack(c.input))
  end
  local y = make_target(c.target, c.batch, layers[#layers].output_shape)
  save(x, dir, 'x')
  save(y, dir, 'y')
  save_weights(layers, dir, 'w0', 'weights')
  local w0 = copy_weights(layers)
  save(m:predict(x, {batch_size = c.batch}), dir, 'predict')
  save_saliency(c, m, layers, x, dir)
  c.evaluate_loss, c.evaluate_accuracy = m:evaluate(x, y, {batch_size = c.batch})
  c.losses, c.accuracies = {}, {}
  for step = 1, 2 do train_step(c, m, layers, x, y, dir, step) end
  if c.predict_after then save(m:predict(x, {batch_size = c.batch}), dir, 'predict2') end
  if not has_dropout(c) then fit_two_epochs(c, w0, x, y, dir) end
  local f = assert(io.open(dir .. 'json', 'w'))
  f:write(json(c), '\n')
  f:close()
end

local written = {}
for _, c in ipairs(cases) do
  if not only or c.name == only then
    run(c)
    written[#written + 1] = c.name
  end
end
local f = assert(io.open(out_dir .. '/cases.txt', 'w'))
f:write(table.concat(written, '\n'), '\n')
f:close()
