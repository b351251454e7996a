/* tour.c: a short tour of the nnstep core, run by ./quickstart until the REPL
 * exists. It shows views sharing storage, a matrix product, and one
 * convolution done the way every Conv2D layer does it: im2col, then GEMM,
 * on a real Fashion-MNIST image when the data set is installed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "gemm.h"
#include "idx.h"
#include "im2col.h"
#include "ops.h"
#include "random.h"
#include "tensor.h"

static int check(nn_status st)
{
    if (st != NN_OK) {
        fprintf(stderr, "nnstep-tour: %s\n", nn_last_error());
        exit(1);
    }
    return 0;
}

static void print_matrix(const char *name, const nn_tensor *t)
{
    char shape[64];
    printf("%s %s\n", name, nn_shape_string(t->ndim, t->shape, shape, sizeof shape));
    for (size_t i = 0; i < t->shape[0]; i++) {
        for (size_t j = 0; j < t->shape[1]; j++) {
            nn_real v;
            check(nn_tensor_get(t, (size_t[]){i, j}, &v));
            printf(" %7.2f", (double)v);
        }
        printf("\n");
    }
}

/* An (H, W) map as characters, darkest to brightest, scaled to its range. */
static void print_map(const nn_real *map, size_t h, size_t w, size_t stride)
{
    static const char shades[] = " .:-=+*#%@";
    nn_real lo = map[0], hi = map[0];
    for (size_t i = 0; i < h * w; i++) {
        nn_real v = map[i * stride];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    for (size_t y = 0; y < h; y++) {
        for (size_t x = 0; x < w; x++) {
            double v = hi > lo ? (map[(y * w + x) * stride] - lo) / (hi - lo) : 0;
            putchar(shades[(int)(v * 9.0 + 0.5)]);
        }
        putchar('\n');
    }
    printf("range [%.3f, %.3f]\n", (double)lo, (double)hi);
}

static void tour_views(void)
{
    nn_tensor *a, *at, *row;
    check(nn_tensor_arange(&a, 0, 6, 1));
    nn_tensor *m;
    check(nn_tensor_reshape(&m, a, 2, (size_t[]){2, 3}));
    print_matrix("m = arange(6):reshape(2, 3)", m);
    check(nn_tensor_transpose(&at, m, 0, 1));
    print_matrix("m:transpose() (a view: same storage, strides swapped)", at);
    check(nn_tensor_select(&row, m, 0, 1));
    nn_tensor_fill(row, -1);
    print_matrix("after filling the view m[2] with -1, m is", m);

    nn_tensor *p;
    check(nn_tensor_matmul(&p, m, at));
    print_matrix("m x m^T", p);
    nn_tensor_free(p);
    nn_tensor_free(row);
    nn_tensor_free(at);
    nn_tensor_free(m);
    nn_tensor_free(a);
}

/* One 3x3 vertical-edge kernel over a 28x28 image: im2col then GEMM. */
static void tour_convolution(void)
{
    nn_tensor *images = NULL, *labels = NULL;
    if (nn_fashion_mnist_load("test", &images, &labels) != NN_OK) {
        printf("\n(%s)\n", nn_last_error());
        return;
    }
    nn_conv_geometry g;
    check(nn_conv_geometry_init(&g, 28, 28, 1, 3, 3, 1, 1, false));
    size_t patches = g.out_h * g.out_w, patch_len = 9;
    nn_real *columns = malloc(patches * patch_len * sizeof(nn_real));
    nn_real *feature = malloc(patches * sizeof(nn_real));
    if (!columns || !feature) {
        fprintf(stderr, "nnstep-tour: out of memory\n");
        exit(1);
    }
    static const nn_real kernel[9] = {-1, 0, 1, -2, 0, 2, -1, 0, 1}; /* Sobel x */
    const nn_real *image = nn_tensor_data(images);                 /* image 0 */
    printf("\nFashion-MNIST test image 0 (label %d), 28x28:\n",
           (int)nn_tensor_data(labels)[0]);
    print_map(image, 28, 28, 1);
    nn_im2col(&g, image, columns);                            /* (676, 9) */
    nn_gemm(false, false, patches, 1, patch_len, 1, columns, patch_len,
            kernel, 1, 0, feature, 1);                        /* (676, 1) */
    printf("\nits vertical edges: im2col (676 x 9) times a Sobel kernel (9 x 1), 26x26:\n");
    print_map(feature, g.out_h, g.out_w, 1);
    free(columns);
    free(feature);
    nn_tensor_free(images);
    nn_tensor_free(labels);
}

int main(void)
{
    printf("nnstep core tour\n================\n\n");
    tour_views();
    tour_convolution();
    return 0;
}
