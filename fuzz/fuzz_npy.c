/* fuzz_npy.c: libFuzzer target for the .npy reader (core/io/npy.h).
 *
 * Any bytes must give a tensor or an error message: never a crash, a read
 * out of bounds, a leak or undefined behaviour. On success every element
 * is read (so ASan sees any element the loader failed to allocate). Built
 * and run by fuzz/run, with the dictionary fuzz/npy.dict (the header's
 * keywords) to help the fuzzer past the header; seeds in fuzz/corpus/npy.
 */
#include "fuzz_input.h"

#include "npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nn_tensor *t = NULL;
    if (nn_npy_load(&t, fuzz_input_path(data, size)) == NN_OK) {
        if (!t || !nn_tensor_is_contiguous(t) || t->ndim > NN_MAX_DIMS)
            abort();
        const nn_real *values = nn_tensor_data(t);
        volatile nn_real sum = 0;
        for (size_t i = 0, n = nn_tensor_numel(t); i < n; i++)
            sum += values[i];
        (void)sum;
    } else if (t) {
        abort();  /* a failed load must leave no tensor */
    }
    nn_tensor_free(t);
    return 0;
}
