/* help.c: help(nn.Conv2D) and :help Conv2D: each part of the API with its
 * arguments and Keras's defaults. The texts are data; the lookup finds an
 * entry by name, or by the function value itself.
 */
#include <stdio.h>
#include <string.h>

#include "lnn.h"

typedef struct help_entry {
    const char *name;  /* as the learner types it, without "nn." */
    const char *text;
} help_entry;

static const help_entry entries[] = {
    {"Dense", "nn.Dense(units, {activation = 'linear', use_bias = true,\n"
              "         kernel_initializer = 'glorot_uniform', input_shape = nil, name = nil})\n"
              "  A fully connected layer: output = activation(input . kernel + bias).\n"
              "  kernel (in, units), bias (units). Acts on the last axis of its input."},
    {"Conv2D", "nn.Conv2D(filters, kernel_size, {strides = {1, 1}, padding = 'valid',\n"
               "          activation = 'linear', use_bias = true,\n"
               "          kernel_initializer = 'glorot_uniform', input_shape = nil, name = nil})\n"
               "  2-D convolution over (height, width, channels) images (channels-last).\n"
               "  kernel_size and strides: a number or {h, w}; padding 'valid' or 'same'.\n"
               "  kernel (kh, kw, channels, filters), bias (filters)."},
    {"MaxPooling2D", "nn.MaxPooling2D(pool_size = {2, 2}, {strides = pool_size,\n"
                     "                padding = 'valid', name = nil})\n"
                     "  The largest value of each window, per channel. No parameters."},
    {"AveragePooling2D", "nn.AveragePooling2D(pool_size = {2, 2}, {strides = pool_size,\n"
                         "                    padding = 'valid', name = nil})\n"
                         "  The mean of each window, per channel. No parameters."},
    {"Flatten", "nn.Flatten({name = nil})\n"
                "  (d1, d2, ...) -> (d1 * d2 * ...): images to vectors for Dense."},
    {"Activation", "nn.Activation(activation, {name = nil})\n"
                   "  An activation on its own: linear, relu, sigmoid, tanh, softmax,\n"
                   "  leaky_relu (alpha 0.3), elu (alpha 1)."},
    {"Dropout", "nn.Dropout(rate, {name = nil})\n"
                "  While training, zeroes each input with probability rate and scales the\n"
                "  rest by 1 / (1 - rate); at inference it passes inputs through."},
    {"SimpleRNN", "nn.SimpleRNN(units, {return_sequences = false, activation = 'tanh',\n"
                  "             use_bias = true, input_shape = nil, name = nil})\n"
                  "  h_t = activation(x_t W + h_(t-1) U + b) over (timesteps, features)."},
    {"LSTM", "nn.LSTM(units, {return_sequences = false, activation = 'tanh',\n"
             "        recurrent_activation = 'sigmoid', use_bias = true,\n"
             "        input_shape = nil, name = nil})\n"
             "  Long short-term memory over (timesteps, features). Gates i, f, g, o:\n"
             "  c_t = f * c_(t-1) + i * g;  h_t = o * tanh(c_t). Forget-gate bias starts at 1."},
    {"GRU", "nn.GRU(units, {return_sequences = false, activation = 'tanh',\n"
            "       recurrent_activation = 'sigmoid', use_bias = true,\n"
            "       input_shape = nil, name = nil})\n"
            "  Gated recurrent unit (Keras 2's reset_after = true): gates z, r, candidate h."},
    {"Sequential", "nn.Sequential() or nn.Sequential{layer, ...}\n"
                   "  A stack of layers. Methods: add, compile, fit, evaluate, predict,\n"
                   "  train_on_batch, summary, get_layer, count_params; field layers."},
    {"compile", "model:compile{optimizer = 'rmsprop', loss = ..., metrics = {'accuracy'}}\n"
                "  optimizer: 'sgd', 'adam', 'rmsprop' or nn.optimizers.Adam{...}.\n"
                "  loss: mean_squared_error (mse), categorical_crossentropy,\n"
                "  sparse_categorical_crossentropy, binary_crossentropy, hinge,\n"
                "  categorical_hinge. metrics = {'accuracy'}: fit reports the accuracy."},
    {"fit", "model:fit(x, y, {epochs = 1, batch_size = 32, validation_data = {x, y},\n"
            "          validation_split = 0, shuffle = true, verbose = 1, callbacks = {}})\n"
            "  Trains; returns the history {loss = {...}, accuracy = {...}, val_loss, ...}\n"
            "  (accuracy with compile's metrics = {'accuracy'}), also kept in m.history.\n"
            "  A NaN or infinity stops it: the history so far comes back, with the step\n"
            "  that made it in history.stopped (on a terminal: :debug that batch?).\n"
            "  A callback is a function(epoch, logs) or a table with on_epoch_end and\n"
            "  on_batch_end. Ctrl-C stops after the current batch; the model keeps what\n"
            "  it learned. viz = true: watch it live in the visualizer (help('viz'))."},
    {"evaluate", "model:evaluate(x, y, {batch_size = 32}) -> loss, accuracy"},
    {"predict", "model:predict(x, {batch_size = 32}) -> the outputs (N, ...); no compile needed"},
    {"train_on_batch", "model:train_on_batch(x, y) -> loss, accuracy (one update)"},
    {"Adam", "nn.optimizers.Adam{learning_rate = 0.001, beta_1 = 0.9, beta_2 = 0.999,\n"
             "                   epsilon = 1e-7, clipnorm = nil, clipvalue = nil}"},
    {"SGD", "nn.optimizers.SGD{learning_rate = 0.01, momentum = 0, nesterov = false,\n"
            "                  clipnorm = nil, clipvalue = nil}"},
    {"RMSprop", "nn.optimizers.RMSprop{learning_rate = 0.001, rho = 0.9, epsilon = 1e-7}"},
    {"fashion_mnist", "nn.datasets.fashion_mnist() -> train, test\n"
                      "  Each has x (N, 28, 28, 1) in [0, 1], y (N) labels 0..9, class_names.\n"
                      "  Needs Debian's dataset-fashion-mnist package."},
    {"idx", "nn.datasets.idx(path) -> a tensor with the IDX file's shape (plain or .gz)"},
    {"to_categorical", "nn.utils.to_categorical(y, classes) -> one-hot (N, classes)"},
    {"seed", "nn.seed(n): make random numbers, initial weights and shuffles repeat"},
    {"set_num_threads", "nn.set_num_threads(n): the threads the kernels use (0: one per core);\n"
                        "  nn.get_num_threads() -> n. Results are the same for any n."},
    {"batches", "for xb, yb in nn.batches(x, y, 32, {shuffle = false}) do ... end"},
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
    {"viz", "nn.viz.open(model[, x, y, {batch_size =, epochs =, view = 'model'}])\n"
            "  The visualizer: full-screen views of the model, stepped with single keys\n"
            "  (s step, n next, b back, c continue, Tab and 1-6 views, arrows select,\n"
            "  : a command line, ? help, q back). Views: model, featuremaps, lstm, loss,\n"
            "  gradients, predictions. At the REPL: :viz (the debugger's model).\n"
            "  model:fit(x, y, {viz = true}) watches training live (p pauses).\n"
            "  nn.viz.snapshot(view, {...}) draws a view as text; nn.viz.history(model)\n"
            "  the loss of every batch; nn.viz.learning_rate(model[, rate])."},
    {"snapshot", "nn.viz.snapshot(view, {model = current, width = 80, height = 24,\n"
                 "                 ansi = false, colors = '256' when ansi, ascii = false,\n"
                 "                 layer = name or number, channel = 1, unit = 1, example = 1,\n"
                 "                 log = false, frame = true, loss = {...}, accuracy = {...}})\n"
                 "  -> the view as text, as the visualizer draws it. Without ansi, heatmaps\n"
                 "  are shades (' ░▒▓█'; signed values '=-, .+#'); loss = {...} plots a\n"
                 "  series of your own. nnstep --snapshot VIEW script.lua does it from a shell."},
    {"pretrained", "nn.pretrained('fashion_cnn' | 'fashion_lstm') -> the reference model,\n"
                   "  trained on Fashion-MNIST by scripts/pretrain.lua (shipped in models/)"},
    {"tensor", "nn.tensor{{1, 2}, {3, 4}}; nn.zeros(2, 3); nn.ones; nn.rand; nn.randn;\n"
               "nn.arange(start, stop, step); nn.full(shape, v)\n"
               "  t.shape, t[i][j], t:get(i, j), t:set(v, i, j), t:matmul(u), t:reshape(...),\n"
               "  t:view(...), t:transpose(), t:narrow(axis, start, length), t:slice(first, last),\n"
               "  t:sum([axis]), t:mean, t:max, t:argmax, t:totable(); + - * / with numbers.\n"
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
    {NULL, NULL},
};

static const help_entry *find_by_name(const char *name)
{
    const char *dot = strrchr(name, '.'), *colon = strrchr(name, ':');
    const char *base = colon ? colon + 1 : dot ? dot + 1 : name;
    for (const help_entry *e = entries; e->name; e++)
        if (strcmp(e->name, base) == 0)
            return e;
    return NULL;
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

/* help(nn.Conv2D), help('Conv2D'), help('fit'), help() */
static int l_help(lua_State *L)
{
    const char *name = NULL;
    if (lua_type(L, 1) == LUA_TSTRING) {
        name = lua_tostring(L, 1);
    } else if (!lua_isnoneornil(L, 1)) {
        lua_getglobal(L, "nn");
        if (lua_istable(L, -1))
            name = find_value_name(L, lua_gettop(L), 1, 1);
    }
    const help_entry *e = name ? find_by_name(name) : NULL;
    if (e) {
        printf("%s\n", e->text);
    } else if (lua_isnoneornil(L, 1)) {
        printf("help(x) describes part of the nn API, e.g. help(nn.Conv2D), help('fit').\n"
               "Topics:");
        for (const help_entry *h = entries; h->name; h++)
            printf("%s %s", h == entries ? "" : ",", h->name);
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
