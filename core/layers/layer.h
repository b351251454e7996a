/* layer.h: what every layer kind provides, and what every layer holds.
 *
 * A layer kind is a small table of functions (a vtable), as Torch's nn
 * modules are: build (from the input shape, work out the output shape and
 * create the parameters), forward, backward. One file per kind implements it.
 *
 * Buffers. The model sizes every layer for a batch size once
 * (nn_layer_resize); forward and backward then never allocate. For a batch of
 * B examples:
 *     input        (B, in_shape...)   not owned: the batch, or the previous layer's output
 *     output       (B, out_shape...)  owned
 *     grad_output  (B, out_shape...)  not owned: dL/d(output), from the layer above or the loss
 *     grad_input   (B, in_shape...)   owned: dL/d(input), passed to the layer below
 * Parameter gradients are accumulated (+=) into params[i].grad, as llm.c and
 * Torch do; the model zeroes them before each batch.
 *
 * Steps. forward and backward take a step number, so that the stepper can
 * stop between them. Most layers take 1 step. A recurrent layer over a
 * sequence of T timesteps takes T: forward is called for t = 0 .. T-1 and
 * backward for t = T-1 .. 0 (backpropagation through time), always in order.
 */
#ifndef NN_LAYER_H
#define NN_LAYER_H

#include <stdbool.h>
#include <stddef.h>

#include "activation.h"
#include "random.h"
#include "regularizer.h"
#include "tensor.h"

#define NN_MAX_PARAMS 4
#define NN_NAME_SIZE 48

/* A tensor a layer keeps, and its gradient (same shape). Most are
 * trainable parameters (kernel, bias); a buffer is state that is not
 * trained (Keras's non-trainable weights: running statistics, counters).
 * Both are in params[], so everything that saves, restores or shows the
 * weights (model files, snapshots for :back, get_weights) covers buffers
 * with no code of their own; only the optimizer skips them. */
typedef struct nn_param {
    const char *name;   /* Keras's name: "kernel", "bias", "recurrent_kernel" */
    nn_tensor *value;
    nn_tensor *grad;    /* a buffer's stays zero: nothing trains it */
    bool trainable;     /* false for a buffer (nn_layer_add_buffer) */
    /* Its penalty, added to the loss (regularizer.h): the layer's
     * kernel_regularizer for "kernel", bias_ for "bias", recurrent_ for
     * "recurrent_kernel"; none for the others. Set when it is created. */
    nn_regularizer regularizer;
} nn_param;

typedef struct nn_layer nn_layer;

/* A kernel's gradient is a sum of products over "rows" r (examples; times
 * output positions in a convolution, or timesteps in a recurrent layer):
 *     dL/dkernel[i][j] = sum over r of  input(r)[i] * dz(r)[j]
 * and a bias's the same with input 1. Row r's input vector starts at
 *     inputs + (r / group) * group_stride + (r % group) * in
 * (group = rows when all rows lie evenly spaced), and its dz = dL/dz at
 *     dz + r * out.                                              */
typedef struct nn_gradient_factors {
    const nn_real *inputs;   /* NULL for a bias */
    size_t in, group, group_stride;
    const nn_real *dz;
    const nn_real *dz_second; /* GRU's bias has two rows: the second row's dz */
    size_t out;              /* the width of dz: the kernel's second dimension */
    size_t rows;
    size_t rows_per_example; /* 1, positions (Conv2D) or timesteps (recurrent) */
} nn_gradient_factors;
typedef struct nn_layer_config nn_layer_config;  /* layer_config.h */

/* Settings many kinds take, as Keras names them. A zeroed struct means all
 * of Keras's defaults. */
typedef struct nn_layer_options {
    const char *name;                 /* NULL: automatic, e.g. "dense_1" */
    const char *activation;           /* NULL: the kind's default (linear; tanh for recurrent) */
    const char *recurrent_activation; /* NULL: sigmoid (recurrent layers) */
    bool no_bias;                     /* Keras's use_bias=False */
    const char *kernel_initializer;   /* NULL: "glorot_uniform"; or "he_normal" */
    /* {0, 0}: none. kernel_ for kinds that take kernel_initializer, bias_
     * for those with a bias, recurrent_ for recurrent ones (regularizer.h). */
    nn_regularizer kernel_regularizer, bias_regularizer, recurrent_regularizer;
    int input_ndim;                   /* Keras's input_shape; 0 = not given */
    size_t input_shape[NN_MAX_DIMS];
} nn_layer_options;

typedef enum nn_kernel_init { NN_INIT_GLOROT_UNIFORM, NN_INIT_HE_NORMAL } nn_kernel_init;

/* The arguments particular to one kind (units, kernel_size, rate, ...), as
 * data: a kind lists them, by Keras's names and in its constructor's order,
 * and a config (layer_config.h) holds their values in the same order. The
 * model file saves them by name, so a kind can gain one without changing
 * the format. */
typedef enum nn_setting_type {
    NN_SETTING_SIZE,     /* a positive whole number: units, filters */
    NN_SETTING_PAIR,     /* two whole numbers {h, w}: kernel_size, pool_size, strides */
    NN_SETTING_PADDING,  /* 'valid' or 'same', held as a flag: true = 'same' */
    NN_SETTING_NUMBER,   /* a real number: rate */
    NN_SETTING_FLAG,     /* true or false: return_sequences */
} nn_setting_type;

typedef union nn_setting_value {
    size_t size;         /* NN_SETTING_SIZE */
    size_t pair[2];      /* NN_SETTING_PAIR */
    double number;       /* NN_SETTING_NUMBER */
    bool flag;           /* NN_SETTING_PADDING, NN_SETTING_FLAG */
} nn_setting_value;

typedef struct nn_setting {
    const char *name;    /* NULL ends a kind's list */
    nn_setting_type type;
    /* How the Lua constructor takes it: by position (units), or in the
     * options table (strides = 2) with Keras's default `fallback`. A
     * positional one may be left out, for fallback, if optional. */
    bool keyword, optional;
    nn_setting_value fallback;
} nn_setting;

#define NN_MAX_SETTINGS 4

/* Everything about one kind: what it computes (the functions), and the
 * facts the rest of the program reads instead of repeating them (its
 * arguments, help, whether it is recurrent, its gates, a sample). The kinds
 * are listed once, in layer_kinds.c. */
typedef struct nn_layer_kind {
    const char *class_name;   /* "Dense", as Keras spells it */
    const char *name_prefix;  /* "dense": layers are named dense_1, dense_2, ... */
    /* The constructor's arguments beyond nn_layer_options, in order; NULL
     * for none. */
    const nn_setting *settings;
    /* Which of nn_layer_options it takes beside name and input_shape; or
     * activation_first: the activation is its first argument (Activation).
     * They also say which regularizers it takes (regularizer.h):
     * takes_initializer kernel_regularizer (for its parameter "kernel"),
     * takes_bias bias_regularizer ("bias"), recurrent
     * recurrent_regularizer ("recurrent_kernel"). */
    bool takes_activation, takes_recurrent_activation, takes_bias, takes_initializer;
    bool activation_first;
    /* A new, unbuilt layer from cfg's settings (by calling the constructor,
     * so they are checked as typed ones are). */
    nn_status (*make)(const nn_layer_config *cfg, const nn_layer_options *opts,
                      nn_layer **out);
    /* help(nn.Dense): the call with Keras's defaults, and what it computes. */
    const char *help;
    /* Recurrent: takes one step per timestep (recurrent.h). */
    bool recurrent;
    /* Optional: the inference forward (training false) of examples first
     * .. first+count-1 alone, from those rows of layer->input into the same
     * rows of layer->output. Output row b comes from input row b alone and
     * this writes nothing else, so threads may run different rows at once;
     * it runs on the calling thread. An inference pass runs the leading
     * layers that have it a slice of rows at a time (slices.h), after
     * infer_rows_start (if any) for each: forget what a training forward
     * kept for backward, as an inference forward would. */
    nn_status (*infer_rows)(const nn_layer *layer, size_t first, size_t count);
    void (*infer_rows_start)(nn_layer *layer);
    /* What one output channel is called when :explain names it ("filter");
     * NULL: "unit". */
    const char *output_unit;
    /* The gates side by side in its kernels, in order ("i", "f", "g", "o"),
     * NULL-terminated; NULL for none. */
    const char *const *gate_names;
    /* A small configuration (with its input_shape) that the tests build,
     * gradient-check and save for every kind. */
    const nn_layer_config *sample;
    /* From layer->in_shape, set out_shape and create the parameters,
     * initialized from rng (Keras's initializers). */
    nn_status (*build)(nn_layer *layer, nn_rng *rng);
    /* Optional: size the kind's own work buffers for layer->batch. */
    nn_status (*resize)(nn_layer *layer);
    /* Optional: the number of forward (and backward) steps; 1 if NULL. */
    size_t (*steps)(const nn_layer *layer);
    void (*forward)(nn_layer *layer, size_t step);
    void (*backward)(nn_layer *layer, size_t step);
    /* Optional: all the steps at once, with the same numbers as calling
     * forward (backward) for each step in order, for a phase run whole
     * (fit, predict) rather than stepped: a recurrent layer then splits
     * its batch between threads (recurrent.h). */
    void (*forward_all)(nn_layer *layer);
    void (*backward_all)(nn_layer *layer);
    /* Optional: free the kind's private data and work buffers. */
    void (*destroy)(nn_layer *layer);
    /* Optional, for :explain: where the products that make up the gradient
     * of params[param] are (see nn_gradient_factors). Valid after a
     * backward pass. */
    void (*gradient_factors)(const nn_layer *layer, int param,
                             struct nn_gradient_factors *f);
    /* Optional: a one-line description of the settings, for summary/help. */
    void (*describe)(const nn_layer *layer, char *buf, size_t size);
    /* Optional, but a kind without it cannot be saved: fill in the settings
     * particular to this kind (units, kernel size, rate, ...), the ones its
     * constructor takes as arguments. nn_layer_get_config (layer_config.h)
     * has already filled in the settings every kind shares. */
    void (*config)(const nn_layer *layer, nn_layer_config *cfg);
    /* Optional: the input is not real numbers but integer ids, whole
     * numbers in [0, input_ids(layer)) held as floats (Embedding). The
     * model's data check rejects any other value, naming it and its place
     * (nn_layer_check_ids), so forward never sees one; and such an input has
     * no gradient: its grad_input stays zero, and whatever asks for dL/dx
     * says so. NULL for every kind that takes real numbers. */
    size_t (*input_ids)(const nn_layer *layer);
} nn_layer_kind;

struct nn_layer {
    const nn_layer_kind *kind;
    char name[NN_NAME_SIZE];

    /* Shapes of one example (without the batch dimension). The constructor
     * may set declared_in_shape (Keras's input_shape) for a first layer. */
    int declared_in_ndim;
    size_t declared_in_shape[NN_MAX_DIMS];
    int in_ndim, out_ndim;
    size_t in_shape[NN_MAX_DIMS], out_shape[NN_MAX_DIMS];
    bool built;

    /* settings common to many kinds (from nn_layer_options) */
    nn_activation activation;
    nn_activation recurrent_activation;
    bool use_bias;
    nn_kernel_init kernel_init;
    nn_regularizer kernel_regularizer, bias_regularizer, recurrent_regularizer;

    nn_param params[NN_MAX_PARAMS];
    int num_params;

    size_t batch;                   /* what the buffers are sized for; 0 = none */
    const nn_tensor *input;
    nn_tensor *output;
    const nn_tensor *grad_output;
    nn_tensor *grad_input;
    bool need_grad_input;   /* false for the first layer: nobody reads it */

    bool training;          /* Dropout drops only while training */
    nn_rng *rng;            /* the model's generator (Dropout's masks) */
    /* Set by the model when this layer ends in softmax and the loss is
     * categorical cross-entropy: the loss then hands back dL/dz = p - y
     * directly (exact and stable), and the layer must not apply softmax's
     * derivative again. */
    bool grad_output_is_logit_grad;
    /* If limit_params, build refuses (NN_ERR_FORMAT) to create more than
     * param_limit parameter values: a model file's loader sets it, so that
     * a damaged size cannot make it allocate and initialize a huge layer. */
    bool limit_params;
    size_t param_limit;
    /* A custom layer's last forward or backward failed (custom.h): the
     * step runner stops with this status and nn_last_error's message, and
     * clears it. Built-in kinds never set it. */
    nn_status status;

    void *impl;             /* the kind's own settings and work buffers */
};

/* ---- used by layer kinds ---- */

/* A new, unbuilt layer of `kind` owning `impl` (one malloc'd block, or
 * NULL), with name, input_shape, activation (default_activation when not
 * given), recurrent_activation, use_bias and kernel_initializer taken from
 * opts (which may be NULL) and checked. On failure impl is freed too. */
nn_status nn_layer_new(nn_layer **out, const nn_layer_kind *kind, void *impl,
                       const nn_layer_options *opts, const char *default_activation);
/* Initialize a kernel by the layer's kernel_initializer. */
void nn_layer_init_kernel(const nn_layer *layer, nn_tensor *kernel, nn_rng *rng);
/* Create parameter `name` of one example's shape, values zero, grad zero;
 * "kernel", "recurrent_kernel" and "bias" take the layer's regularizers. */
nn_status nn_layer_add_param(nn_layer *layer, const char *name, int ndim,
                             const size_t *shape, nn_tensor **value);
/* The same for a buffer: saved and restored with the parameters, never
 * changed by the optimizer (the layer itself updates it, e.g. in forward). */
nn_status nn_layer_add_buffer(nn_layer *layer, const char *name, int ndim,
                              const size_t *shape, nn_tensor **value);
/* The output shape: set by build. */
void nn_layer_set_output_shape(nn_layer *layer, int ndim, const size_t *shape);

/* ---- used by the model and the tests ---- */

/* For a kind that takes ids (kind->input_ids): every value of x (N, ...)
 * must be a whole number in [0, input_ids); else an error from fn naming
 * the first bad value and its place, x[i][j] counted from 1. NN_OK for
 * other kinds. */
nn_status nn_layer_check_ids(const nn_layer *layer, const char *fn, const nn_tensor *x);

/* Build for an input shape (of one example). */
nn_status nn_layer_build(nn_layer *layer, int in_ndim, const size_t *in_shape,
                         nn_rng *rng);
/* (Re)allocate output and grad_input (and the kind's buffers) for batch. */
nn_status nn_layer_resize(nn_layer *layer, size_t batch);
size_t nn_layer_steps(const nn_layer *layer);
size_t nn_layer_param_count(const nn_layer *layer);  /* buffers included */
size_t nn_layer_trainable_count(const nn_layer *layer);
void nn_layer_zero_grads(nn_layer *layer);
void nn_layer_free(nn_layer *layer);

/* For a convolution computed as im2col + GEMM (Conv2D, Conv1D): the factors
 * of dL/dkernel = columns^T . dz, columns (rows, K) and dz (rows, F) as
 * its forward and backward left them; param 0 is the kernel, 1 the bias. */
void nn_layer_im2col_factors(const nn_layer *layer, int param, const nn_tensor *columns,
                             const nn_tensor *dz, nn_gradient_factors *f);

/* For kinds whose output goes through an activation: dz = f'(z) dy on
 * (rows, n), except that a fused softmax passes dy through unchanged. */
void nn_layer_activation_grad(const nn_layer *layer, nn_activation act,
                              const nn_real *z, const nn_real *y,
                              const nn_real *dy, nn_real *dz, size_t rows,
                              size_t n);

#endif
