/* Fuzz target: arbitrary bytes as a data set directory, checked with ld_dataset_check.
 *
 * Input layout: byte 0 chooses the data set (bit 0: 0 = MNIST, 1 = CIFAR-10) and the split
 * (bit 1: 0 = train, 1 = test); bytes 1-4 (little-endian, modulo what is left + 1) give the length
 * of the first file; the first file follows, the second file is the rest:
 *   MNIST:    first = the images file, second = the labels file (standard names of the split);
 *   CIFAR-10: first = the batch (data_batch_1.bin or test_batch.bin), second = batches.meta.txt
 *             (absent when empty).
 * Files may hold gzip data: the readers decompress whatever starts with the gzip magic. */
#include "fuzz_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 5) return 0;
    int cifar = data[0] & 1, test = (data[0] >> 1) & 1;
    uint32_t declared = (uint32_t)data[1] | (uint32_t)data[2] << 8 | (uint32_t)data[3] << 16 | (uint32_t)data[4] << 24;
    const uint8_t *first = data + 5;
    size_t rest = size - 5, length = declared % (rest + 1);
    const uint8_t *second = first + length;
    size_t secondLength = rest - length;

    char path[256];
    /* Remove the other layout's and split's files so each input stands alone. */
    const char *names[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                           "t10k-labels-idx1-ubyte", "data_batch_1.bin", "test_batch.bin", "batches.meta.txt"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) fuzz_write(names[i], NULL, 0, path, sizeof path);
    if (cifar) {
        fuzz_write(test ? "test_batch.bin" : "data_batch_1.bin", first, length, path, sizeof path);
        if (secondLength) fuzz_write("batches.meta.txt", second, secondLength, path, sizeof path);
    } else {
        fuzz_write(test ? "t10k-images-idx3-ubyte" : "train-images-idx3-ubyte", first, length, path, sizeof path);
        fuzz_write(test ? "t10k-labels-idx1-ubyte" : "train-labels-idx1-ubyte", second, secondLength, path, sizeof path);
    }
    int64_t count = -1;
    ld_status status = ld_dataset_check(fuzz_directory(), cifar ? "cifar10" : "mnist", test, &count);
    if (status != LD_OK) {
        fuzz_expect_file_error(status, "ld_dataset_check");
        if (count != -1) abort();
    } else if (count <= 0) {
        fprintf(stderr, "ld_dataset_check: OK with %lld images\n", (long long)count);
        abort();
    }
    return 0;
}
