/* tensor_print.h: a tensor as text, the way Torch 7 printed tensors.
 *
 *    1  2  3
 *    4  5  6
 *   [nn.Tensor of size 2x3]
 *
 * One number format for the whole tensor (integers without decimals, else 4
 * decimals, else a common scale factor or scientific notation), a 1-D tensor
 * as a row (NumPy's and PyTorch's way; Torch 7 printed a column), a 2-D
 * tensor as rows, more dimensions as (i,j,.,.) slices, and
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

/* Single numbers as a learner reads them: the one rule for the progress
 * line, the views, the debugger and the lessons (Lua: nn.format).
 *
 * lnn_format_metric: a loss or an accuracy as Keras's progress bar shows it,
 *   4 decimals ("0.5321", "0.0000"), except where 4 decimals would mislead:
 *   below 1e-3 or from 1e5 up, 3 significant digits in scientific notation
 *   ("1.05e+57", not 58 digits; "2.5e-05", not "0.0000"); "nan", "inf".
 * lnn_format_value: `digits` significant digits (1..17), as %g writes them:
 *   "0.299854", "-1.5e+08", "12".
 * Both write into buf and return it. */
char *lnn_format_metric(double v, char *buf, size_t size);
char *lnn_format_value(double v, int digits, char *buf, size_t size);

#endif
