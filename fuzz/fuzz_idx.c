/* fuzz_idx.c: libFuzzer target for the IDX loader (core/io/idx.h).
 *
 * Any bytes, plain or gzip'd, must give a tensor or an error message:
 * never a crash, a read out of bounds, a leak or undefined behaviour
 * (fuzz/run builds this with AddressSanitizer and UBSan). On success the
 * tensor must have as many elements as its shape says. Built and run by
 * fuzz/run; seeds in fuzz/corpus/idx.
 */
#include "fuzz_input.h"

#include "idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nn_tensor *t = NULL;
    if (nn_idx_load(&t, fuzz_input_path(data, size)) == NN_OK) {
        if (!t || !nn_tensor_is_contiguous(t))
            abort();  /* a loaded tensor is a fresh contiguous array */
        const nn_real *values = nn_tensor_data(t);
        volatile nn_real sum = 0;  /* touch every element: ASan checks each read */
        for (size_t i = 0, n = nn_tensor_numel(t); i < n; i++)
            sum += values[i];
        (void)sum;
    } else if (t) {
        abort();  /* a failed load must leave no tensor */
    }
    nn_tensor_free(t);
    return 0;
}
