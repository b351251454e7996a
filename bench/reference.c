/* reference.c: the benchmark: train one of the two reference models on
 * Fashion-MNIST and report what ../shared/bench/peer_torch.py reports for
 * PyTorch, in the same format, so the two can be compared line by line.
 *
 *   bench/reference cnn  [--epochs E] [--batch B] [--limit N] [--threads T]
 *   bench/reference lstm [--epochs E] [--batch B] [--limit N] [--threads T]
 *   bench/reference gemm [--size N] [--threads T]
 *   bench/reference peak
 *
 * --threads: how many threads the kernels use (default: OpenMP's, one per
 * core). gemm times C = A B for square float matrices of size N (default
 * 1024) and reports GFLOP/s, the best of several runs. peak measures what
 * one core can do at most: fused multiply-adds on AVX2 registers with no
 * memory traffic, the ceiling any sgemm on one thread stays under; beside
 * it the clock (dependent adds) and their quotient, flops per cycle, which
 * is 32 on a core with two AVX2 FMA pipes.
 *
 * cnn:  Conv2D 32 3x3 relu, MaxPool 2, Conv2D 64 3x3 relu, MaxPool 2,
 *       Flatten, Dense 64 relu, Dense 10 softmax; Adam; categorical
 *       cross-entropy.
 * lstm: LSTM 50 (sequences), LSTM 50 (sequences), LSTM 50, Dense 10 softmax,
 *       reading each image as 28 rows of 28 pixels.
 * Training time counts the training loop only; inference is timed over the
 * 10,000 test images in batches of 1000, as the peer does.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gemm.h"
#include "idx.h"
#include "layers.h"
#include "model.h"
#include "threads.h"

typedef struct bench_args {
    const char *model;
    size_t epochs, batch, limit, size;
    int threads;  /* 0: the default */
} bench_args;

static void die(const char *what)
{
    fprintf(stderr, "reference: %s: %s\n", what, nn_last_error());
    exit(1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double peak_rss_mb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kb = NAN;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = atof(line + 6);
    if (f)
        fclose(f);
    return kb / 1024;
}

/* `layer` is read after `st` is computed: the call that made it has run. */
static void add(nn_model *m, nn_status st, nn_layer **layer)
{
    if (st != NN_OK || nn_model_add(m, *layer) != NN_OK)
        die("building the model");
}

static nn_model *build(const char *which)
{
    nn_model *m;
    nn_layer *l = NULL;
    if (nn_model_new(&m, 0) != NN_OK)
        die("model");
    nn_layer_options relu = {.activation = "relu"}, softmax = {.activation = "softmax"};
    if (strcmp(which, "cnn") == 0) {
        nn_layer_options first = {.activation = "relu", .input_ndim = 3,
                                  .input_shape = {28, 28, 1}};
        add(m, nn_conv2d_new(&l, 32, 3, 3, 1, 1, false, &first), &l);
        add(m, nn_max_pooling2d_new(&l, 2, 2, 0, 0, false, NULL), &l);
        add(m, nn_conv2d_new(&l, 64, 3, 3, 1, 1, false, &relu), &l);
        add(m, nn_max_pooling2d_new(&l, 2, 2, 0, 0, false, NULL), &l);
        add(m, nn_flatten_new(&l, NULL), &l);
        add(m, nn_dense_new(&l, 64, &relu), &l);
    } else {
        nn_layer_options first = {.input_ndim = 2, .input_shape = {28, 28}};
        add(m, nn_lstm_new(&l, 50, true, &first), &l);
        add(m, nn_lstm_new(&l, 50, true, NULL), &l);
        add(m, nn_lstm_new(&l, 50, false, NULL), &l);
    }
    add(m, nn_dense_new(&l, 10, &softmax), &l);
    nn_optimizer *opt;
    if (nn_optimizer_new(&opt, "adam") != NN_OK ||
        nn_model_compile(m, opt, NN_LOSS_CATEGORICAL_CROSSENTROPY) != NN_OK)
        die("compile");
    return m;
}

/* Labels (N,) -> one-hot (N, 10), as Keras's to_categorical. */
static nn_tensor *one_hot(const nn_tensor *labels)
{
    size_t n = labels->shape[0];
    nn_tensor *y;
    if (nn_tensor_zeros(&y, 2, (size_t[]){n, 10}) != NN_OK)
        die("labels");
    for (size_t i = 0; i < n; i++)
        nn_tensor_data(y)[i * 10 + (size_t)nn_tensor_data(labels)[i]] = 1;
    return y;
}

/* Images (N, 28, 28, 1) as the model wants them: the LSTM reads (N, 28, 28). */
static nn_tensor *shaped(nn_tensor *images, const char *which, size_t limit)
{
    size_t n = images->shape[0] < limit ? images->shape[0] : limit;
    nn_tensor *part, *out;
    if (nn_tensor_narrow(&part, images, 0, 0, n) != NN_OK)
        die("images");
    nn_status st = strcmp(which, "cnn") == 0
                       ? nn_tensor_view(&out, part)
                       : nn_tensor_reshape(&out, part, 3, (size_t[]){n, 28, 28});
    if (st != NN_OK)
        die("images");
    nn_tensor_free(part);
    return out;
}

static bool progress(const nn_fit_report *r, void *userdata)
{
    (void)userdata;
    if (r->epoch_end || r->batch % 200 == 0)
        fprintf(stderr, "\repoch %zu/%zu  batch %zu/%zu  loss %.4f  accuracy %.4f ",
                r->epoch + 1, r->epochs, r->epoch_end ? r->batches : r->batch + 1, r->batches,
                r->loss, r->accuracy);
    if (r->epoch_end)
        fputc('\n', stderr);
    return true;
}

static bench_args parse(int argc, char **argv)
{
    bench_args a = {.model = NULL, .epochs = 1, .batch = 32, .limit = 60000, .size = 1024};
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--threads") == 0)
            a.threads = atoi(argv[++i]);
        else if (i + 1 < argc && strcmp(argv[i], "--size") == 0)
            a.size = strtoul(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--epochs") == 0)
            a.epochs = strtoul(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--batch") == 0)
            a.batch = strtoul(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--limit") == 0)
            a.limit = strtoul(argv[++i], NULL, 10);
        else if (!a.model && (strcmp(argv[i], "cnn") == 0 || strcmp(argv[i], "lstm") == 0 ||
                              strcmp(argv[i], "gemm") == 0 || strcmp(argv[i], "peak") == 0))
            a.model = argv[i];
        else
            a.model = NULL, i = argc;
    }
    if (!a.model || !a.epochs || !a.batch || !a.limit || !a.size || a.threads < 0) {
        fprintf(stderr, "usage: reference cnn|lstm [--epochs E] [--batch B] [--limit N] "
                        "[--threads T]\n       reference gemm [--size N] [--threads T]\n"
                        "       reference peak\n");
        exit(2);
    }
    return a;
}

/* C = A B for (n, n) matrices: the best GFLOP/s of a few timed runs, each
 * long enough (about 0.2 s) for the clock. */
static void bench_gemm(size_t n)
{
    nn_real *a = malloc(n * n * sizeof *a), *b = malloc(n * n * sizeof *b);
    nn_real *c = malloc(n * n * sizeof *c);
    if (!a || !b || !c) {
        fprintf(stderr, "reference: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n * n; i++) {
        a[i] = (nn_real)((i % 7) * 0.1);
        b[i] = (nn_real)((i % 5) * 0.1);
    }
    double flops = 2.0 * (double)n * (double)n * (double)n, best = 0;
    size_t reps = (size_t)(4e8 / flops) + 1;
    nn_gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n);  /* warm up */
    for (int run = 0; run < 5; run++) {
        double start = now();
        for (size_t r = 0; r < reps; r++)
            nn_gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n);
        double gflops = flops * (double)reps / (now() - start) * 1e-9;
        best = gflops > best ? gflops : best;
    }
    printf("nnstep gemm n=%zu threads=%d gflops=%.1f\n", n, nn_get_threads(), best);
    free(a);
    free(b);
    free(c);
}

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>

/* One core's float multiply-add rate: 12 independent chains of 8-float FMAs.
 * An FMA's result is ready 4-5 cycles after it starts and a core starts at
 * most 2 a cycle (two FMA pipes), so 8-10 chains already keep both pipes
 * busy: 12 leave a margin (4 chains measure half the rate, 8-14 the same). */
__attribute__((target("avx2,fma")))
static double fma_peak_gflops(void)
{
    __m256 acc[12], mul = _mm256_set1_ps(0.999999f), add = _mm256_set1_ps(1e-6f);
    for (int i = 0; i < 12; i++)
        acc[i] = _mm256_set1_ps((float)i);
    const long steps = 200000;  /* ~0.5 ms: inside one slice of a busy core's time */
    double best = 0;
    for (int run = 0; run < 3; run++) {
        double start = now();
        for (long s = 0; s < steps; s++)
#pragma GCC unroll 12
            for (int i = 0; i < 12; i++)
                acc[i] = _mm256_fmadd_ps(acc[i], mul, add);
        double gflops = (double)steps * 12 * 8 * 2 / (now() - start) * 1e-9;
        best = gflops > best ? gflops : best;
    }
    float sink[8];  /* use the sums, so the loop is not thrown away */
    __m256 total = acc[0];
    for (int i = 1; i < 12; i++)
        total = _mm256_add_ps(total, acc[i]);
    _mm256_storeu_ps(sink, total);
    return best + (sink[0] == 12345.0f);
}

/* The core's clock while it runs, measured, not read from a table: a chain
 * of dependent integer adds retires one add per cycle on every x86-64, so
 * adds per second are cycles per second. With it the peak checks itself:
 * two FMA pipes x 8 floats x 2 flops is 32 flops a cycle. */
static double clock_ghz(void)
{
    const long steps = 200000;  /* ~0.5 ms */
    double best = 0;
    for (int run = 0; run < 3; run++) {
        long x = 0;
        double start = now();
        for (long s = 0; s < steps; s++)
            __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
                             "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0"
                             : "+r"(x));
        double ghz = (double)steps * 8 / (now() - start) * 1e-9;
        best = ghz > best ? ghz : best;
    }
    return best;
}

static void bench_peak(void)
{
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
        printf("nnstep peak threads=1 gflops=0 (no AVX2/FMA)\n");
        return;
    }
    /* short runs of each in turn, the best of each: on a busy machine a
     * run that shared its core counts neither */
    double ghz = 0, gflops = 0;
    for (int round = 0; round < 300; round++) {
        double c = clock_ghz(), g = fma_peak_gflops();
        ghz = c > ghz ? c : ghz;
        gflops = g > gflops ? g : gflops;
    }
    printf("nnstep peak threads=1 gflops=%.1f ghz=%.2f flops_per_cycle=%.1f\n", gflops, ghz,
           gflops / ghz);
}
#else
static void bench_peak(void) { printf("nnstep peak threads=1 gflops=0 (not x86-64)\n"); }
#endif

int main(int argc, char **argv)
{
    bench_args a = parse(argc, argv);
    nn_set_threads(a.threads);
    if (strcmp(a.model, "gemm") == 0) {
        bench_gemm(a.size);
        return 0;
    }
    if (strcmp(a.model, "peak") == 0) {
        bench_peak();
        return 0;
    }
    nn_tensor *train_images, *train_labels, *test_images, *test_labels;
    if (nn_fashion_mnist_load("train", &train_images, &train_labels) != NN_OK ||
        nn_fashion_mnist_load("test", &test_images, &test_labels) != NN_OK)
        die("data");
    nn_tensor *x = shaped(train_images, a.model, a.limit);
    nn_tensor *labels = shaped(train_labels, "cnn", a.limit), *y = one_hot(labels);
    nn_tensor *tx = shaped(test_images, a.model, 10000), *ty = one_hot(test_labels);
    nn_model *m = build(a.model);

    nn_fit_options opts = {.epochs = a.epochs, .batch_size = a.batch, .callback = progress};
    nn_history h;
    double start = now();
    if (nn_model_fit(m, x, y, &opts, &h) != NN_OK)
        die("fit");
    double train_seconds = now() - start;
    nn_tensor *pred;
    start = now();
    if (nn_model_predict(m, tx, 1000, &pred) != NN_OK)
        die("predict");
    double infer_seconds = now() - start;
    double accuracy = (double)nn_accuracy_count(pred, ty) / 10000;

    printf("nnstep model=%s threads=%d batch=%zu train_img_per_s=%.1f infer_img_per_s=%.1f "
           "test_acc=%.4f epochs=%zu train_images=%zu peak_rss_mb=%.0f\n",
           a.model, nn_get_threads(), a.batch, (double)(x->shape[0] * a.epochs) / train_seconds,
           10000 / infer_seconds, accuracy, a.epochs, x->shape[0], peak_rss_mb());
    nn_history_free(&h);
    nn_tensor_free(pred);
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_tensor_free(labels);
    nn_tensor_free(tx);
    nn_tensor_free(ty);
    nn_tensor_free(train_images);
    nn_tensor_free(train_labels);
    nn_tensor_free(test_images);
    nn_tensor_free(test_labels);
    nn_model_free(m);
    return 0;
}
