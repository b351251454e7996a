/* layers.h: constructors for every layer kind, with Keras's names,
 * arguments and defaults. Shapes are channels-last, as Keras: images are
 * (height, width, channels), sequences (timesteps, features).
 *
 * Settings every kind may take go in nn_layer_options (a zeroed struct means
 * all Keras defaults); the arguments particular to a kind are parameters of
 * its constructor. Each constructor returns an unbuilt layer; the model
 * builds it when it is added (layer.h).
 */
#ifndef NN_LAYERS_H
#define NN_LAYERS_H

#include <stdbool.h>

#include "layer.h"

/* Dense(units): output = activation(input . kernel + bias) on the last axis.
 * kernel (in, units), bias (units). */
nn_status nn_dense_new(nn_layer **out, size_t units, const nn_layer_options *opts);

/* Conv2D(filters, kernel_size, strides, padding): kernel (kh, kw, c, filters),
 * bias (filters); padding "valid" (same_padding false) or "same". */
nn_status nn_conv2d_new(nn_layer **out, size_t filters, size_t kernel_h,
                        size_t kernel_w, size_t stride_h, size_t stride_w,
                        bool same_padding, const nn_layer_options *opts);

/* MaxPooling2D / AveragePooling2D(pool_size, strides, padding); strides 0
 * means "the pool size", as Keras's strides=None. */
nn_status nn_max_pooling2d_new(nn_layer **out, size_t pool_h, size_t pool_w,
                               size_t stride_h, size_t stride_w,
                               bool same_padding, const nn_layer_options *opts);
nn_status nn_average_pooling2d_new(nn_layer **out, size_t pool_h, size_t pool_w,
                                   size_t stride_h, size_t stride_w,
                                   bool same_padding,
                                   const nn_layer_options *opts);

/* Flatten: (d1, d2, ...) -> (d1*d2*...). */
nn_status nn_flatten_new(nn_layer **out, const nn_layer_options *opts);

/* Activation(activation): the activation on its own, as a layer. */
nn_status nn_activation_layer_new(nn_layer **out, const char *activation,
                                  const nn_layer_options *opts);

/* Dropout(rate): while training, zero each input with probability rate and
 * scale the rest by 1/(1-rate); at inference, the identity. */
nn_status nn_dropout_new(nn_layer **out, double rate, const nn_layer_options *opts);

/* BatchNormalization(momentum, epsilon, center, scale) on the last axis:
 * y = gamma * (x - mean) / sqrt(var + epsilon) + beta per channel, with the
 * batch's statistics while training and the moving ones at inference.
 * gamma (C) if scale, beta (C) if center; buffers moving_mean, moving_variance (C). */
nn_status nn_batch_normalization_new(nn_layer **out, double momentum, double epsilon,
                                     bool center, bool scale, const nn_layer_options *opts);

/* Recurrent layers over (timesteps, features). return_sequences: output
 * every hidden state (timesteps, units), else only the last (units).
 * SimpleRNN: h_t = activation(x_t W + h_{t-1} U + b).
 * LSTM: gates in Keras's order i, f, c (called g here), o; kernel
 *   (features, 4*units), recurrent_kernel (units, 4*units), bias (4*units)
 *   with the forget gate's bias 1 (unit_forget_bias).
 * GRU: Keras 2's default reset_after=True; gates z, r, h; bias (2, 3*units). */
nn_status nn_simple_rnn_new(nn_layer **out, size_t units, bool return_sequences,
                            const nn_layer_options *opts);
nn_status nn_lstm_new(nn_layer **out, size_t units, bool return_sequences,
                      const nn_layer_options *opts);
nn_status nn_gru_new(nn_layer **out, size_t units, bool return_sequences,
                     const nn_layer_options *opts);


/* Conv1D(filters, kernel_size, strides, padding) over (steps, channels):
 * kernel (kernel_size, channels, filters), bias (filters). */
nn_status nn_conv1d_new(nn_layer **out, size_t filters, size_t kernel_size, size_t strides,
                        bool same_padding, const nn_layer_options *opts);

/* GlobalAveragePooling2D / GlobalMaxPooling2D(keepdims): (H, W, C) -> (C),
 * or (1, 1, C) with keepdims; the mean or max of each channel. */
nn_status nn_global_average_pooling2d_new(nn_layer **out, bool keepdims,
                                          const nn_layer_options *opts);
nn_status nn_global_max_pooling2d_new(nn_layer **out, bool keepdims,
                                      const nn_layer_options *opts);

/* Embedding(input_dim, output_dim): integer ids in [0, input_dim) ->
 * rows of embeddings (input_dim, output_dim); (T) -> (T, output_dim). */
nn_status nn_embedding_new(nn_layer **out, size_t input_dim, size_t output_dim,
                           const nn_layer_options *opts);

#endif
