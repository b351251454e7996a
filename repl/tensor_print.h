/* tensor_print.h: a tensor as text, the way Torch 7 printed tensors.
 *
 *    1  2  3
 *    4  5  6
 *   [nn.Tensor of size 2x3]
 *
 * One number format for the whole tensor (integers without decimals, else 4
 * decimals, else a common scale factor or scientific notation), a 1-D tensor
 * as a column, a 2-D tensor as rows, more dimensions as (i,j,.,.) slices, and
 * a footer with the shape. Big tensors are elided with "...", so the text
 * stays within about 40 lines whatever the size.
 *
 * Plain C: no Lua here, so the formatting can be tested on its own.
 */
#ifndef LNN_TENSOR_PRINT_H
#define LNN_TENSOR_PRINT_H

#include "tensor.h"

/* The text for t, ending without a newline; type_name goes in the footer
 * ("nn.Tensor"). Returns a malloc'd string the caller frees, or NULL when
 * memory runs out. */
char *lnn_tensor_to_string(const nn_tensor *t, const char *type_name);

#endif
