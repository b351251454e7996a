/* fuzz_model_file.c: libFuzzer target for the model-file loader
 * (core/io/model_file.h).
 *
 * A model file ends with a CRC-32 of everything before it, and says its own
 * length, so almost every mutation of a good file is caught by those two
 * checks before the parser sees it. To fuzz the parser too, each input is
 * loaded twice: as it is (the envelope checks), then "resealed": its length
 * field and checksum rewritten to fit, so the contents get past the
 * envelope and reach the layer, compile and weight readers. Either way the
 * result must be a model or an error message: never a crash, a read out of
 * bounds, a leak or undefined behaviour. A model that loads must also work:
 * its summary is made and it predicts on one example of zeros (when that
 * example is small), so layer settings that only a damaged file could hold
 * meet the forward passes too. Seeds in fuzz/corpus/model_file.
 */
#include "fuzz_input.h"

#include <string.h>
#include <zlib.h>

#include "model_file.h"

#define SIZE_FIELD 12   /* where the file's length is (model_file.h) */
#define HEADER_BYTES 20 /* magic, version, length */
#define CRC_BYTES 4
#define MAX_EXAMPLE 4096 /* values in the one example predicted on */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void store_le(uint8_t *p, uint64_t value, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(value >> (8 * i));
}

/* Summary, and a prediction on a batch of one example of zeros. Errors are
 * fine (a model of only a Flatten, say); crashes are not. */
static void use_model(nn_model *m)
{
    char *text = NULL;
    if (nn_model_summary(m, &text) == NN_OK)
        free(text);
    if (m->num_layers == 0)
        return;
    const nn_layer *first = m->layers[0];
    size_t shape[NN_MAX_DIMS] = {1}, values = 1;
    for (int d = 0; d < first->in_ndim; d++) {
        shape[d + 1] = first->in_shape[d];
        values *= first->in_shape[d] ? first->in_shape[d] : 1;
        if (values > MAX_EXAMPLE)
            return;
    }
    nn_tensor *x = NULL, *y = NULL;
    if (nn_tensor_zeros(&x, first->in_ndim + 1, shape) == NN_OK &&
        nn_model_predict(m, x, 1, &y) == NN_OK)
        nn_tensor_free(y);
    nn_tensor_free(x);
}

static void load_and_free(const uint8_t *data, size_t size)
{
    nn_model *m = NULL;
    if (nn_model_load(&m, fuzz_input_path(data, size)) == NN_OK) {
        if (!m)
            abort();
        use_model(m);
        nn_model_free(m);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load_and_free(data, size);
    if (size < HEADER_BYTES + CRC_BYTES)
        return 0;
    uint8_t *sealed = malloc(size);
    if (!sealed)
        return 0;
    memcpy(sealed, data, size);
    store_le(sealed + SIZE_FIELD, size, 8);
    store_le(sealed + size - CRC_BYTES, crc32(0L, sealed, (uInt)(size - CRC_BYTES)), 4);
    load_and_free(sealed, size);
    free(sealed);
    return 0;
}
