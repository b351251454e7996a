/* help.c: help(nn.Conv2D) and :help Conv2D: each part of the API with its
 * arguments and Keras's defaults. The texts are data; the lookup finds an
 * entry by name, or by the function value itself.
 */
#include <stdio.h>
#include <string.h>

#include "layer_kinds.h"
#include "lnn.h"

typedef struct help_entry {
    const char *name;  /* as the learner types it, without "nn." */
    const char *text;
} help_entry;

/* The layer kinds' entries are their nn_layer_kind.help (layer_kinds.c);
 * these are the rest of the API. */
static const help_entry entries[] = {
    {"Sequential", "nn.Sequential() or nn.Sequential{layer, ...}\n"
                   "  A stack of layers. Methods: add, compile, fit, evaluate, predict,\n"
                   "  train_on_batch, summary, get_layer, count_params, get_weights,\n"
                   "  set_weights, compute_input_gradient; field layers (help('layer')).\n"
                   "  net(x), initialize, collect_params: see help('Trainer')."},
    {"layer", "m.layers[i] (or m:get_layer(name)): name, class, weights (kernel, bias,\n"
              "  ...), grad (their gradients), input, output, grad_output = dL/d(output),\n"
              "  grad_input = dL/d(input), input_shape, output_shape, activation; a\n"
              "  recurrent layer's state ({i, f, g, o, c, h, dh = dL/dh_t}, each (N, T,\n"
              "  units)). The first layer's grad_input is nil unless\n"
              "  asked for (help('grad_input'))."},
    {"grad_input", "layer.grad_input: dL/d(input) of the last backward pass, (N, input...).\n"
                   "  Each layer passes it to the one below. The first layer's (dL/dx, how\n"
                   "  the loss changes with each input value) feeds no layer, so training\n"
                   "  does not compute it and it reads nil; the debugger computes it, and\n"
                   "  m:compute_input_gradient(true) asks fit and train_on_batch for it.\n"
                   "  An Embedding's is always nil: its input is integer ids, which have\n"
                   "  no gradient."},
    {"compute_input_gradient", "model:compute_input_gradient(true | false)\n"
                               "  Whether training steps also compute dL/dx into\n"
                               "  m.layers[1].grad_input (off: nil). As PyTorch's\n"
                               "  x.requires_grad; the debugger always computes it.\n"
                               "  An error when the first layer is an Embedding: ids\n"
                               "  have no gradient."},
    {"gradcheck", "nn.gradcheck(model, x, y [, {loss = ...}]) or nn.gradcheck(layer, x)\n"
                  "  Checks backward against central differences: each weight (and each\n"
                  "  input) v moves by h = 1e-3 * max(1, |v|) either way, and\n"
                  "  (L(v + h) - L(v - h)) / 2h is compared with the gradient backward\n"
                  "  gave. Per tensor (r.names: 'input', 'dense_1.kernel', ...) it keeps\n"
                  "  the worst error |analytic - numeric| / max(|analytic|, |numeric|, 1e-2),\n"
                  "  its index ({3, 7}), both values there and a verdict (ok at most 1e-2):\n"
                  "  r['dense_1.kernel'].error, .index, .analytic, .numeric, .ok.\n"
                  "  r.ok is true when every tensor passes; print(r) shows the report.\n"
                  "  A model uses its compiled loss (or loss =) on y; a layer alone is\n"
                  "  checked on a copy, at its weights, with the mean squared error against\n"
                  "  a fixed random target. Runs in inference mode (no Dropout); weights\n"
                  "  are put back bit for bit. The ids an Embedding takes have no gradient:\n"
                  "  there is no 'input' entry, and r.input_note says why.\n"
                  "  A kink (ReLU's 0, a max's tie) within h fools the difference: a\n"
                  "  number over the threshold is tried again at h / 10 and, if it agrees\n"
                  "  there, counted in .kinks instead of judged (a wrong gradient fails\n"
                  "  both)."},
    {"Layer", "MyDense = nn.Layer{name = 'my_dense', build = f, call = f, backward = f}\n"
              "  A layer class written in Lua (Keras's custom Layer, Torch7's nn.Module).\n"
              "  build(self, input_shape): make weights with self:add_weight(name, shape\n"
              "    [, 'glorot_uniform' | 'he_normal' | 'zeros' | 'ones']), a real parameter\n"
              "    (trained, saved, restored by :back) whose .grad is its gradient.\n"
              "  call(self, x): the forward pass, x (B, input...) -> a tensor (B, output...);\n"
              "    one call on zeros (1, input...) at build gives the output shape. x and\n"
              "    grad_out are copies: changing them changes no other layer.\n"
              "    call(self, x, training): training is true in fit, train_on_batch,\n"
              "    the debugger and net(x), false in predict and evaluate (Keras's).\n"
              "  backward(self, x, grad_out): fill each weight's .grad (w.grad:copy(...);\n"
              "    gradients are zeroed before each batch) and return dL/dx (B, input...).\n"
              "    Without it the class runs forward only: fit refuses to train it.\n"
              "  MyDense() or MyDense{name = 'd', input_shape = {5}} makes a layer, named\n"
              "  my_dense_1, ... Check backward with nn.gradcheck(MyDense(), nn.rand(3, 5)).\n"
              "  Its class name in model files is the name: define the class again before\n"
              "  nn.load. Tensors broadcast a trailing shape: (B, 4) + (4,) adds to each row.\n"
              "  Errors name the layer, the method and your line. :explain cannot split its\n"
              "  gradient (nnstep cannot see what your Lua computes)."},
    {"compile", "model:compile{optimizer = 'rmsprop', loss = ..., metrics = {'accuracy'}}\n"
                "  optimizer: $OPTIMIZERS (Keras's defaults) or\n"
                "  $OPTIMIZER_CLASSES (help(nn.optimizers.Adam)).\n"
                "  loss: $LOSSES.\n"
                "  metrics = {'accuracy'}: fit reports the accuracy, as Keras the fraction\n"
                "  of output rows right: per example for (N, classes), per timestep for\n"
                "  (N, T, classes), per pixel for (N, H, W, classes).\n"
                "  The weights are the layers' own, made when each was added: compile keeps\n"
                "  them, so k = m.layers[1].kernel taken before compile stays the kernel\n"
                "  the model uses and trains. Compiling again starts a fresh optimizer."},
    {"fit", "model:fit(x, y, {epochs = 1, batch_size = 32, validation_data = {x, y},\n"
            "          validation_split = 0, shuffle = true, verbose = 1, callbacks = {}})\n"
            "  Trains; returns the history {loss = {...}, accuracy = {...}, val_loss, ...}\n"
            "  (accuracy with compile's metrics = {'accuracy'}), also kept in m.history.\n"
            "  A NaN or infinity stops it: the history so far comes back, with the step\n"
            "  that made it in history.stopped (on a terminal: :debug that batch?).\n"
            "  history.learning_rate: the optimizer's rate in force in each epoch;\n"
            "  history.learning_rate_changes: {{epoch =, batch =, step =, from =, to =,\n"
            "  by = 'key' | 'code'}} each change made during the run (the viz's + and -).\n"
            "  history:to_csv(path) writes it as CSV (help('to_csv')).\n"
            "  callbacks: functions(epoch, logs), or tables of Keras's methods such as\n"
            "  nn.callbacks.EarlyStopping{} (help('callbacks')); a callback setting\n"
            "  m.stop_training = true stops fit. Ctrl-C stops after the current batch;\n"
            "  the model keeps what it learned. viz = true: watch it live in the visualizer (help('viz')),\n"
            "  viz = {stay = false}: and close it at the end without waiting for q;\n"
            "  viz = {fps = 5}: frames (and key reads) a second, at most (math.huge: one\n"
            "  after every batch).\n"
            "  validation_split = s: as Keras, trains on the first floor(n * (1 - s))\n"
            "  examples and validates on the rest (10 at 0.25: 7 and 3), before shuffling."},
    {"callbacks", "fit(x, y, {callbacks = {cb, ...}}): each cb a function(epoch, logs), called\n"
                  "  at each epoch's end, or a table of Keras's methods, each optional:\n"
                  "  set_model(model), on_train_begin(logs), on_epoch_begin(epoch, logs),\n"
                  "  on_batch_end(batch, logs), on_epoch_end(epoch, logs), on_train_end(logs),\n"
                  "  called as cb.on_epoch_end(epoch, logs) (no self), epochs and batches\n"
                  "  counting from 1. logs: loss, accuracy, val_loss, val_accuracy (as fit\n"
                  "  has them) and learning_rate at an epoch's end; one table per event, so\n"
                  "  what a callback adds the next one sees. m.stop_training = true stops\n"
                  "  fit after the batch (the epoch is validated and ended) or the epoch;\n"
                  "  nn.viz.learning_rate(m[, rate]) reads or sets the rate. An error in a\n"
                  "  callback stops fit, naming it and the method. Keras 3's, in Lua\n"
                  "  (repl/lua/callbacks.lua): nn.callbacks.EarlyStopping{},\n"
                  "  ModelCheckpoint(filepath, {}), CSVLogger(filename, {}),\n"
                  "  ReduceLROnPlateau{}, LearningRateScheduler(schedule): help(each)."},
    {"EarlyStopping", "nn.callbacks.EarlyStopping{monitor = 'val_loss', min_delta = 0, patience = 0,\n"
                      "  verbose = 0, mode = 'auto', baseline = nil, restore_best_weights = false,\n"
                      "  start_from_epoch = 0}: stops fit when monitor has not improved for\n"
                      "  patience epochs. Improved: lower by more than min_delta (mode 'min';\n"
                      "  'max': higher); 'auto' is 'min' for a loss, 'max' for an accuracy.\n"
                      "  As Keras 3, each epoch: wait = wait + 1; an improvement becomes best\n"
                      "  and sets wait to 0 if it also beats baseline; otherwise, wait >=\n"
                      "  patience stops fit (never at the first epoch). The first\n"
                      "  start_from_epoch epochs are not watched. restore_best_weights puts\n"
                      "  the best epoch's weights back when fit ends, stopped early or not.\n"
                      "  Fields: wait, best, best_epoch, stopped_epoch (0: did not stop)."},
    {"ReduceLROnPlateau", "nn.callbacks.ReduceLROnPlateau{monitor = 'val_loss', factor = 0.1,\n"
                          "  patience = 10, verbose = 0, mode = 'auto', min_delta = 1e-4,\n"
                          "  cooldown = 0, min_lr = 0}: when monitor has not improved (by more\n"
                          "  than min_delta) for patience epochs, the learning rate becomes\n"
                          "  max(lr * factor, min_lr) (only while lr > min_lr), and the next\n"
                          "  cooldown epochs count nothing. As Keras 3: in cooldown, each epoch\n"
                          "  counts it down and sets wait to 0 first, so the epoch that ends\n"
                          "  it already counts. Fields: wait, best, cooldown_counter."},
    {"LearningRateScheduler", "nn.callbacks.LearningRateScheduler(schedule, {verbose = 0}):\n"
                              "  at each epoch's beginning, lr = schedule(epoch, lr), where epoch\n"
                              "  counts from 0, as in Keras, so a Keras schedule works unchanged:\n"
                              "  function(epoch, lr) if epoch < 10 then return lr end\n"
                              "    return lr * math.exp(-0.1) end\n"
                              "  history.learning_rate shows the rate each epoch used."},
    {"ModelCheckpoint", "nn.callbacks.ModelCheckpoint(filepath, {monitor = 'val_loss',\n"
                        "  save_best_only = false, mode = 'auto', initial_value_threshold = nil,\n"
                        "  verbose = 0}): saves the model (m:save, whole or not at all) at each\n"
                        "  epoch's end; with save_best_only, only when monitor is better than\n"
                        "  its best so far (kept from one fit to the next, as Keras). filepath\n"
                        "  may name the epoch (from 1) and the logs, as Python's format does:\n"
                        "  'model-{epoch:02d}-{val_loss:.2f}.nnm' (specs d, f, e, g). Load\n"
                        "  one back with nn.load(path)."},
    {"CSVLogger", "nn.callbacks.CSVLogger(filename, {separator = ',', append = false}):\n"
                  "  one line per epoch, as Keras 3 writes it: epoch (counted from 0),\n"
                  "  then the logs' values under their names sorted (without validation,\n"
                  "  Keras adds a val_ column for each, NA); numbers as Python writes them\n"
                  "  (0.25, 1e-05), lines ending in CR LF. append adds to the file (a header\n"
                  "  only if it was empty)."},
    {"evaluate", "model:evaluate(x, y, {batch_size = 32}) -> loss, accuracy"},
    {"predict", "model:predict(x, {batch_size = 32}) -> the outputs (N, ...); no compile needed"},
    {"train_on_batch", "model:train_on_batch(x, y) -> loss, accuracy (one update)"},
    {"clipnorm", "Gradient clipping, an option of every optimizer (Keras 3's three; set one):\n"
                 "  clipnorm = c         each parameter's gradient (a kernel, a bias) on its\n"
                 "                       own is scaled down to a norm of at most c\n"
                 "  global_clipnorm = c  all the gradients together, as one vector, are\n"
                 "                       scaled down to a norm of at most c\n"
                 "  clipvalue = c        each number is clipped to [-c, c]\n"
                 "  Done to the gradients before the update; c >= 0, and 0 (or nil) is off."},
    {"fashion_mnist", "Fashion-MNIST, in two forms (Debian's dataset-fashion-mnist package):\n"
                      "x_train, y_train, x_test, y_test = nn.datasets.fashion_mnist.load_data()\n"
                      "  As Keras's load_data(): x (N, 28, 28) pixels 0..255 (float tensors),\n"
                      "  y (N) class ids 0..9; 60000 to train, 10000 to test. Scale and add the\n"
                      "  channel axis yourself: x_train:reshape(60000, 28, 28, 1) / 255.\n"
                      "train, test = nn.datasets.fashion_mnist()\n"
                      "  nnstep's ready form: each has x (N, 28, 28, 1) in [0, 1] (the same\n"
                      "  pixels / 255), y (N) labels 0..9, and class_names."},
    {"load_data", "x_train, y_train, x_test, y_test = nn.datasets.fashion_mnist.load_data()\n"
                  "  As Keras's: x (N, 28, 28) pixels 0..255, y (N) class ids 0..9.\n"
                  "  help('fashion_mnist') for the ready, scaled form."},
    {"datasets", "nn.datasets: fashion_mnist (help('fashion_mnist')), idx(path) for IDX\n"
                 "  files, and toy(name, n, {noise, seed}) for the classic 2-D sets\n"
                 "  (help('toy'))."},
    {"toy", "x, y = nn.datasets.toy('circles' | 'xor' | 'spiral' | 'gaussians', n,\n"
            "                        {noise = 0, seed = from nn.seed's generator})\n"
            "  x (n, 2) points, y (n) class ids 0 and 1 as numbers (as the other\n"
            "  datasets' labels; for a sigmoid output use y:reshape(n, 1), or two\n"
            "  softmax outputs with sparse_categorical_crossentropy). n / 2 points\n"
            "  of class 0, the rest class 1, shuffled; within about [-1, 1]. noise:\n"
            "  the standard deviation of Gaussian noise added to each coordinate.\n"
            "  The same seed gives the same points. The sets:\n"
            "    circles    scikit-learn's make_circles(factor = 0.5): class 0 on radius\n"
            "               1, class 1 on radius 0.5, evenly spaced angles\n"
            "    xor        TensorFlow Playground's: uniform in the square, 0.05 off the\n"
            "               axes; class 1 where x1 and x2 have the same sign\n"
            "    spiral     Playground's two spirals: radius 0 to 1 over 1.75 turns,\n"
            "               class 1 turned by pi\n"
            "    gaussians  clouds of standard deviation 0.4 around (-0.5, -0.5) and\n"
            "               (0.5, 0.5)\n"
            "  The Playground's sets span [-6, 6] with labels -1 and 1; ours [-1, 1]\n"
            "  with 0 and 1. The boundary view draws a model trained on them."},
    {"idx", "nn.datasets.idx(path) -> a tensor with the IDX file's shape (plain or .gz)"},
    {"to_categorical", "nn.utils.to_categorical(y, classes) -> one-hot (N, classes)"},
    {"seed", "nn.seed(n): make random numbers, initial weights and shuffles repeat"},
    {"set_num_threads", "nn.set_num_threads(n): the threads the kernels use (0: one per core);\n"
                        "  nn.get_num_threads() -> n. Results are the same for any n."},
    {"cpu", "nn.cpu() -> 'avx512', 'avx2+fma' or 'plain C': the kernels that run, the\n"
            "  widest this CPU has (nnstep --version says it too). nn.cpu('plain C') runs\n"
            "  plain C from then on, to time what the vector units are worth. Only speed\n"
            "  differs (matrix products round a little differently)."},
    {"batches", "for xb, yb in nn.batches(x, y, 32, {shuffle = false}) do ... end"},
    {"Trainer", "The training loop written out, as MXNet Gluon writes it:\n"
                "  net:initialize()\n"
                "  trainer = nn.Trainer(net:collect_params(), 'sgd', {learning_rate = 0.1})\n"
                "  for xb, yb in nn.batches(x, y, 32) do\n"
                "    out = net(xb)                                      -- forward\n"
                "    loss = nn.losses.categorical_crossentropy(yb, out) -- loss.value\n"
                "    loss:backward()                                    -- every gradient\n"
                "    trainer:step(32)                                   -- the update\n"
                "  end\n"
                "nn.Trainer(net or net:collect_params(), name [, {settings}]), name one of\n"
                "  $OPTIMIZERS; or nn.Trainer(net, nn.optimizers.SGD{...}).\n"
                "  Gives the model its optimizer. The model's loss is the one the loop's\n"
                "  loss:backward() uses (m.loss, evaluate and the debugger follow it).\n"
                "trainer:step(batch_size): Gluon's numbers. Gluon's loss is one value per\n"
                "  example, its backward the gradient of their sum, and step(n) divides\n"
                "  that by n. nnstep's loss.value is the batch's mean (as Keras), backward\n"
                "  leaves the mean's gradient, and step(n) updates with it times B / n\n"
                "  (B = the batch's size): the same update as Gluon's for any n. step(B),\n"
                "  or step(), is fit's update exactly. The optimizers are Keras's, with\n"
                "  Keras's defaults (Adam's epsilon is 1e-7; Gluon's is 1e-8).\n"
                "net(x) always runs in training mode (Gluon's does only inside\n"
                "  autograd.record()): Dropout drops, BatchNormalization normalizes by the\n"
                "  batch and moves its moving statistics. To evaluate, net:predict(x).\n"
                "net:initialize(): the weights were drawn when the layers were added\n"
                "  (Keras's initializers); it says so. initialize{force_reinit = true}\n"
                "  draws them anew with the same initializers.\n"
                "net:collect_params() -> {['dense_1.kernel'] = tensor, ...}: the layers'\n"
                "  own tensors by name (Gluon's ParameterDict)."},
    {"initialize", "net:initialize() says the weights exist from add (nothing changes);\n"
                   "net:initialize{force_reinit = true} draws them anew. help('Trainer')."},
    {"collect_params", "net:collect_params() -> {['dense_1.kernel'] = tensor, ...}, the\n"
                       "  layers' own tensors (Gluon's ParameterDict); nn.Trainer takes it."},
    {"regularizers", "kernel_regularizer = nn.regularizers.l2(0.01) (a layer option; also\n"
                     "  bias_regularizer, and recurrent_regularizer on SimpleRNN, LSTM, GRU)\n"
                     "  Keras 3's weight regularizers: l1(0.01) adds l1 * sum |w| to the loss,\n"
                     "  l2(0.01) adds l2 * sum w^2 (no 1/2), l1_l2{l1 = 0, l2 = 0} both; the\n"
                     "  strings 'l1', 'l2', 'l1_l2' mean 0.01 each. The penalty joins the loss\n"
                     "  that training minimizes and that fit, train_on_batch and evaluate\n"
                     "  report, as Keras's; its gradient l1 * sign(w) + 2 * l2 * w joins the\n"
                     "  weight's in its layer's backward step. The progress line shows\n"
                     "  loss: 0.5432 (data 0.5123 + penalty 0.0309); history.penalty keeps\n"
                     "  the penalty part, m.penalty (and layer.penalty) is it now. :explain\n"
                     "  shows a weight's share; save, load, summary keep and show them."},
    {"losses", "nn.losses.<name>(y_true, y_pred) -> loss: loss.value (the batch's mean),\n"
               "  loss:backward(). Names as compile's. help('Trainer'). With regularizers\n"
               "  on the model, loss.penalty is their penalty and backward's gradients are\n"
               "  those of loss.total = value + penalty (help('regularizers'))."},
    {"get_weights", "layer:get_weights() -> {kernel, bias}; model:get_weights() -> every\n"
                    "  layer's, in order. Copies, in Keras's order and layouts: Dense kernel\n"
                    "  (in, units); Conv2D (kh, kw, channels, filters); Conv1D (k, channels,\n"
                    "  filters); Embedding (input_dim, output_dim); SimpleRNN, LSTM, GRU\n"
                    "  kernel, recurrent_kernel, bias (LSTM gates i, f, c, o in blocks of\n"
                    "  units; GRU z, r, h and bias (2, 3 * units)). A layer's buffers (state\n"
                    "  it keeps but does not train) are among them, where the layer made them:\n"
                    "  BatchNormalization's gamma, beta, moving_mean, moving_variance."},
    {"set_weights", "layer:set_weights{kernel, bias}; model:set_weights(list): the lists\n"
                    "  get_weights gives (tensors or tables). Every shape is checked first;\n"
                    "  the values are copied into the layers' own tensors."},
    {"stepper", "nn.stepper(model, x, y) -> a stepper at the first step of one batch\n"
                "  s:step(n) runs n steps (true while steps are left); s:where();\n"
                "  s:layer(i); s:on(function(event) ... end); s:finish(); s.loss."},
    {"debug", "nn.debug(model, x, y, {batch_size = all of x, epochs = 1}) -> a debugger\n"
              "  d:step(n), d:next(), d:finish(), d:continue(), d:back(n),\n"
              "  d:where() (prints, and returns the position {phase, layer, step, ...}),\n"
              "  d:print(expr) (shown as the REPL shows values; dense_1.weights[3][7] is\n"
              "  the kernel's element, as :explain reads it), d:info('layers'|...),\n"
              "  d:break_at('dense_1 backward' | 'nan' | 'loss > 2' | 'gradnorm > 10' | fn),\n"
              "  d:delete(n), d:disable(n), d:enable(n), d:watch(expr) (6 digits),\n"
              "  d:explain('dense_1.weights[3][7]'). At the REPL: :debug m, x, y and :step ..."},
    {"viz", "nn.viz.open(model[, x, y, {batch_size =, epochs =, view =, class_names =}])\n"
            "  The visualizer: full-screen views of the model, stepped with single keys\n"
            "  (s step, n next, b back, c continue, Tab and 1-8 views, arrows select,\n"
            "  [ ] an example, w why this prediction, : a command line, ? help, q back;\n"
            "  unit = n: open with unit (lstm) or channel (featuremaps) n among the first).\n"
            "  Views: model, featuremaps, lstm, loss, gradients, predictions, saliency,\n"
            "  boundary (help('saliency'), help('boundary')); nn.viz.views() lists\n"
            "  them; nn.viz.save(view, path) writes one (help('viz.save')).\n"
            "  At the REPL: :viz (the debugger's model).\n"
            "  model:fit(x, y, {viz = true}) watches training live: p (or s) stops it at\n"
            "  the next batch, to step through it (s n b, breakpoints, :), c resumes; at\n"
            "  the end the screen stays until q (viz = {stay = false}: it closes).\n"
            "  nn.viz.snapshot(view, {...}) draws a view as text; nn.viz.history(model)\n"
            "  the loss of every batch (and .gradients: the last batches' gradient\n"
            "  histograms; nn.viz.record_gradients(model) adds one);\n"
            "  nn.viz.learning_rate(model[, rate]) (a change is marked on the loss curve).\n"
            "  m.class_names = train.class_names (or nn.viz.class_names(m, names)): the\n"
            "  predictions view names the classes.\n"
            "  Every view has a key; g: feature maps and the LSTM's c on one shared scale.\n"
            "  gradients: vanishing = 4+ decades under the other layers' median (or\n"
            "  < 1e-7), exploding = 1e3 or more (or x100 in 8 batches recorded: a\n"
            "  live fit records one a frame); update/|W| is healthy in 1e-4..1e-2.\n"
            "  nn.viz.saliency(model, x[, {example =, class =}]): why this prediction.\n"},
    {"saliency", "nn.viz.saliency(model, x[, {example = 1, class = predicted}])\n"
                 "  Why the model predicts what it does for one example of x ((N, input...)\n"
                 "  or one input): {gradient = dL/dx (the input's shape, signed), predicted,\n"
                 "  class, probability = p(class), loss = -log p(class)}, with L = -log p(c)\n"
                 "  the cross-entropy with class c (the predicted one unless given) as the\n"
                 "  target. |dL/dx| is the saliency map (Simonyan et al. 2013 use the\n"
                 "  gradient of the class score; with softmax they differ by the\n"
                 "  probability-weighted mean of every class's). Run on a copy of the\n"
                 "  model in inference mode: the model and the stepper stay as they were.\n"
                 "  The view: nn.viz.open(m, {view = 'saliency', x = images, example = 3}),\n"
                 "  or w on an example selected in the predictions view."},
    {"snapshot", "nn.viz.snapshot(view, {model = current, width = 80, height = 24,\n"
                 "                 ansi = false, colors = '256' when ansi, ascii = false,\n"
                 "                 layer = name or number, channel = 1, unit = 1, example = 1,\n"
                 "                 log = false, frame = true, loss = {...}, accuracy = {...},\n"
                 "                 val_loss = {...}, learning_rate_changes = {{batch =, from =,\n"
                 "                 to =}}, shared = false, class_names = {...},\n"
                 "                 x = examples, class = k (the saliency view's)})\n"
                 "  -> the view as text, as the visualizer draws it. Without ansi, heatmaps\n"
                 "  are shades (' ░▒▓█'; signed values '=-, .+#'); loss = {...} plots a\n"
                 "  series of your own; shared: one colour scale for every map (the g key);\n"
                 "  class_names: the example's label by name. nnstep --snapshot VIEW script.lua\n"
                 "  does it from a shell."},
    {"pretrained", "nn.pretrained('fashion_cnn' | 'fashion_lstm') -> the reference model,\n"
                   "  trained on Fashion-MNIST by scripts/pretrain.lua (shipped in models/);\n"
                   "  m.class_names holds the 10 classes' names (the predictions view shows them)"},
    {"tensor", "nn.tensor{{1, 2}, {3, 4}}; nn.zeros(2, 3); nn.ones; nn.rand; nn.randn;\n"
               "nn.arange(start, stop, step); nn.full(shape, v)\n"
               "  t.shape, t[i][j], t:get(i, j), t:set(v, i, j), t:matmul(u), t:reshape(...),\n"
               "  t:view(...), t:transpose(), t:narrow(axis, start, length), t:slice(first, last),\n"
               "  t:sum([axis]), t:mean, t:max, t:argmax, t:totable(); + - * / with numbers,\n"
               "  or tensors of one shape, or (B, 4) + (4,): the smaller repeated on each row.\n"
               "  t:save('t.npy') and nn.load_npy('t.npy'): NumPy's np.load and np.save."},
    {"reshape", "t:reshape(2, 3) or t:reshape{2, -1} -> the same elements, in row-major order,\n"
                "  in a new shape (one -1 is inferred). As in PyTorch, reshape may return a\n"
                "  view or a copy: a view (sharing memory: a write shows in t) whenever the\n"
                "  strides allow it, always for a contiguous t; a copy otherwise, e.g. of a\n"
                "  transpose. t:view(...) is only ever a view, and an error where reshape\n"
                "  would copy; t:clone() is always a copy."},
    {"view", "t:view(2, 3) -> a view of t in a new shape, sharing its memory (PyTorch's\n"
             "  view); an error when t (a transpose, some narrowings) would need a copy:\n"
             "  then t:reshape(...) copies, or t:contiguous():view(...)."},
    {"format", "nn.format(v) -> a loss as the progress line writes it: '0.5321' (Keras's\n"
               "  4 decimals), or 3 significant digits below 1e-3 and from 1e5 up ('1.05e+57').\n"
               "  nn.format(v, digits) -> that many significant digits: '0.333333'."},
    {"load_npy", "nn.load_npy(path) -> the array in a NumPy .npy file, as a tensor\n"
                 "  (float32/64, int8..64, uint8..64, bool; np.save(path, a) writes one).\n"
                 "  t:save('t.npy') writes a tensor for np.load('t.npy')."},
    {"save", "m:save(path), t:save('t.npy'): written whole or not at all (a temporary\n"
             "  PATH.unfinished-save-XXXXXX, then a rename). A symbolic link is followed\n"
             "  (its file is replaced, the link stays); a directory, FIFO or device, a\n"
             "  read-only file and a file with other hard links are refused. man nnstep.\n"
             "  nn.viz.save(view, path, {...}) writes a picture so: help('viz.save')."},
    {"viz.save", "nn.viz.save(view, path, {model = current, width = 100, height = 30, ...})\n"
                 "  Writes a view (nn.viz.views() names them) to a file, by its extension:\n"
                 "  .svg a picture for a report (each cell a rect in its colour, text as\n"
                 "  <text>), .txt the plain text nn.viz.snapshot gives, .ans text with ANSI\n"
                 "  colours (colors = '256'; for cat or less -R). The view alone: frame =\n"
                 "  true adds the tabs, status line and key strip. Other options as\n"
                 "  nn.viz.snapshot's; a size below the view's least is an error. Saved\n"
                 "  whole or not at all, as m:save (help('save'))."},
    {"views", "nn.viz.views() -> {'model', 'featuremaps', ..., 'boundary'}: every view's\n"
              "  name, for nn.viz.snapshot, nn.viz.save and the visualizer's number keys."},
    {"boundary", "The decision-boundary view (TensorFlow Playground's picture), for a model\n"
                 "  with two inputs: each point of the plane coloured by the class the model\n"
                 "  predicts there (one output: class 1 where it is >= 0.5, >= 0 with the\n"
                 "  hinge loss; several: the argmax), the training points on top (a glyph\n"
                 "  and colour per true class), axes x1 across and x2 up, and how many\n"
                 "  points lie on their class's side. The points: the last fit's data, or\n"
                 "  x = and y = given to nn.viz.snapshot / nn.viz.save. Redrawn live during\n"
                 "  fit{viz = true} (key 8). Predicts with a copy of the model, so the\n"
                 "  model's own batch and outputs stay as they were. Try:\n"
                 "    x, y = nn.datasets.toy('circles', 200, {noise = 0.05})\n"
                 "    m = nn.Sequential{nn.Dense(8, {input_shape = {2}, activation = 'tanh'}),\n"
                 "                      nn.Dense(2, {activation = 'softmax'})}\n"
                 "    m:compile{loss = 'sparse_categorical_crossentropy', optimizer = 'adam'}\n"
                 "    m:fit(x, y, {epochs = 200, viz = true})   -- then press 7"},
    {"to_csv", "history:to_csv(path): fit's history (the table fit returns) into a CSV\n"
               "  file as CSVLogger writes it: epoch (from 0, as Keras) and the columns\n"
               "  it has, sorted (accuracy, learning_rate, loss, penalty, val_accuracy,\n"
               "  val_loss), Python's float repr, lines ending in CR LF; no NA columns.\n"
               "  Saved whole or not at all, as m:save."},
    {"save_text", "nn.utils.save_text(path, text): text into a file, whole or not at all\n"
                  "  (as m:save: help('save'))."},
    {"load", "nn.load(path) -> the model saved there, compiled if it was, optimizer\n"
             "  state and all. Only a regular file; a model has at most 10000 layers;\n"
             "  Ctrl-C stops a long load. A damaged file is refused, saying where."},
    {NULL, NULL},
};

/* The text for a topic: a layer kind's, an optimizer's, else an entry's;
 * NULL if none. */
static const char *find_by_name(const char *name)
{
    const char *dot = strrchr(name, '.'), *colon = strrchr(name, ':');
    const char *base = colon ? colon + 1 : dot ? dot + 1 : name;
    const nn_layer_kind *kind = nn_layer_kind_find(base);
    if (kind)
        return kind->help;
    for (int k = 0; k < NN_NUM_OPTIMIZERS; k++)
        if (strcmp(nn_optimizers[k].class_name, base) == 0)
            return nn_optimizers[k].help;
    for (const help_entry *e = entries; e->name; e++)
        if (strcmp(e->name, base) == 0)
            return e->text;
    return NULL;
}

/* ---- lists made from the core's tables, so that help names what exists ---- */

/* "mean_squared_error (mse), categorical_crossentropy, ..." */
static void loss_names(char *buf, size_t size)
{
    size_t used = 0;
    for (int k = 0; k < NN_NUM_LOSSES && used < size; k++) {
        const nn_loss_info *loss = &nn_losses[k];
        used += (size_t)snprintf(buf + used, size - used, "%s%s%s%s%s", k ? ", " : "",
                                 loss->name, loss->alias ? " (" : "",
                                 loss->alias ? loss->alias : "", loss->alias ? ")" : "");
    }
}

/* "nn.optimizers.SGD{...}, Adam{...}, RMSprop{...}" */
static void optimizer_classes(char *buf, size_t size)
{
    size_t used = 0;
    for (int k = 0; k < NN_NUM_OPTIMIZERS && used < size; k++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s{...}",
                                 k ? ", " : "nn.optimizers.", nn_optimizers[k].class_name);
}

/* text with $LOSSES, $OPTIMIZERS and $OPTIMIZER_CLASSES replaced, into out */
static void expand(const char *text, char *out, size_t size)
{
    char losses[512], optimizers[128], classes[256];
    loss_names(losses, sizeof losses);
    nn_optimizer_list(optimizers, sizeof optimizers, "'", ", ");
    optimizer_classes(classes, sizeof classes);
    const struct { const char *key, *value; } lists[] = {
        {"$LOSSES", losses}, {"$OPTIMIZER_CLASSES", classes}, {"$OPTIMIZERS", optimizers}};
    size_t used = 0;
    while (*text && used + 1 < size) {
        size_t k = 0, n = sizeof lists / sizeof lists[0];
        while (k < n && strncmp(text, lists[k].key, strlen(lists[k].key)) != 0)
            k++;
        if (k < n) {
            used += (size_t)snprintf(out + used, size - used, "%s", lists[k].value);
            text += strlen(lists[k].key);
        } else {
            out[used++] = *text++;
        }
    }
    out[used < size ? used : size - 1] = '\0';
}

/* Print text, each line longer than 79 columns broken at a space, the rest
 * indented by two, as the hand-written lines are. */
static void print_wrapped(const char *text)
{
    const int width = 79;
    while (*text) {
        const char *end = strchr(text, '\n');
        int len = end ? (int)(end - text) : (int)strlen(text);
        int cut = len;
        if (len > width) {
            cut = width;
            while (cut > 2 && text[cut] != ' ')
                cut--;
            if (cut <= 2)
                cut = len;  /* one long word: leave it whole */
        }
        printf("%.*s\n", cut, text);
        if (cut < len) {
            printf("  ");
            text += cut + 1;
            /* the rest of this line goes on as a line of its own */
            continue;
        }
        text += len + (end ? 1 : 0);
    }
}

static void print_help(const char *text)
{
    char expanded[4096];
    expand(text, expanded, sizeof expanded);
    print_wrapped(expanded);
}

/* The key under which `value` sits in table t (or a table inside it). */
static const char *find_value_name(lua_State *L, int t, int value, int depth)
{
    lua_pushnil(L);
    while (lua_next(L, t)) {
        if (lua_rawequal(L, -1, value) && lua_type(L, -2) == LUA_TSTRING) {
            const char *name = lua_tostring(L, -2);
            lua_pop(L, 2);
            return name;  /* still referenced by the table */
        }
        if (depth > 0 && lua_istable(L, -1)) {
            const char *name = find_value_name(L, lua_gettop(L), value, depth - 1);
            if (name) {
                lua_pop(L, 2);
                return name;
            }
        }
        lua_pop(L, 1);
    }
    return NULL;
}

/* After a kind's help: the regularizers it takes (read from its flags, as
 * the constructor reads them; help('regularizers')). */
static void print_regularizer_options(const char *name)
{
    const nn_layer_kind *kind = nn_layer_kind_find(name);
    if (!kind || !(kind->takes_initializer || kind->takes_bias || kind->recurrent))
        return;
    char line[160];
    snprintf(line, sizeof line, "  Also %s%s%s = nil: help('regularizers').",
             kind->takes_initializer ? "kernel_regularizer, " : "",
             kind->recurrent ? "recurrent_regularizer, " : "",
             kind->takes_bias ? "bias_regularizer" : "");
    print_wrapped(line);
}

/* help(nn.Conv2D), help('Conv2D'), help('fit'), help() */
/* A layer class made by nn.Layer (l_custom_layer.c)? */
static bool is_layer_class(lua_State *L, int i)
{
    if (!lua_istable(L, i) || luaL_getmetafield(L, i, "__name") == LUA_TNIL)
        return false;
    bool yes = strcmp(lua_tostring(L, -1), "nnstep.custom_class") == 0;
    lua_pop(L, 1);
    return yes;
}

static int l_help(lua_State *L)
{
    const char *name = NULL;
    if (lua_type(L, 1) == LUA_TSTRING) {
        name = lua_tostring(L, 1);
    } else if (is_layer_class(L, 1)) {  /* help(MyDense): how classes work */
        name = "Layer";
    } else if (!lua_isnoneornil(L, 1)) {
        lua_getglobal(L, "nn");
        if (lua_istable(L, -1))
            name = find_value_name(L, lua_gettop(L), 1, 1);
    }
    const char *text = name ? find_by_name(name) : NULL;
    if (text) {
        print_help(text);
        print_regularizer_options(name);
    } else if (lua_isnoneornil(L, 1)) {
        printf("help(x) describes part of the nn API, e.g. help(nn.Conv2D), help('fit').\n"
               "Topics:");
        for (int k = 0; nn_layer_kinds[k]; k++)
            printf("%s %s", k ? "," : "", nn_layer_kinds[k]->class_name);
        for (const help_entry *h = entries; h->name; h++)
            printf(", %s", h->name);
        for (int k = 0; k < NN_NUM_OPTIMIZERS; k++)
            printf(", %s", nn_optimizers[k].class_name);
        printf("\n");
    } else {
        printf("no help for %s; type help() for the topics\n",
               name ? name : luaL_tolstring(L, 1, NULL));
    }
    fflush(stdout);
    return 0;
}

void lnn_open_help(lua_State *L)
{
    lua_pushcfunction(L, l_help);
    lua_setglobal(L, "help");
}
