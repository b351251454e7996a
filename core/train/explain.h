/* explain.h: one weight's gradient as the chain rule, with the numbers.
 * (With a regularizer, the penalty's share is added to the products' sum.)
 *
 * For a weight w of a kernel, connecting input i to output unit (or filter,
 * or gate unit) j, every example that used w adds one product to its
 * gradient, and so does every output position of a convolution and every
 * timestep of a recurrent layer:
 *
 *     dL/dw = sum over rows r of  dL/dz[r][j]  *  dz[r][j]/dw
 *                                 (from above)    (= the input x[r][i])
 *
 * nn_explain_weight lays those products out, adds them up in double, and
 * sets the engine's own gradient beside the sum: they agree.
 */
#ifndef NN_EXPLAIN_H
#define NN_EXPLAIN_H

#include "layer.h"

#define NN_EXPLAIN_TERMS 8

typedef struct nn_explain_term {
    size_t row;       /* which example (times position, for a convolution) */
    double upstream;  /* dL/dz: how the loss changes with this unit's sum */
    double local;     /* dz/dw: the input the weight multiplied (1 for a bias) */
} nn_explain_term;

typedef struct nn_explanation {
    size_t input, output;   /* the weight joins input `input` to unit `output` (0-based) */
    bool bias;
    size_t rows;            /* products in the sum */
    size_t examples;        /* the batch size */
    size_t rows_per_example;  /* 1; positions (Conv2D); timesteps (recurrent) */
    double sum;             /* the sum of all products, in double */
    double engine;          /* the gradient the engine computed: sum + penalty */
    /* The weight's regularizer (regularizer.h) adds its own share to the
     * gradient, l1 * sign(w) + 2 * l2 * w; 0 without one. */
    double weight, l1, l2, penalty;
    size_t shown;           /* terms below: every row if few, else the largest */
    nn_explain_term term[NN_EXPLAIN_TERMS];
} nn_explanation;

/* param: the parameter's index (0 kernel, 1 bias); index: 0-based flat
 * position in it. Needs the layer's backward to have run this batch. */
nn_status nn_explain_weight(const nn_layer *layer, int param, size_t index,
                            nn_explanation *out);

#endif
