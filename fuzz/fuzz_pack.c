/* Fuzz target: arbitrary bytes as a packed image cache (.ldpack, `latentdiff data pack`), read as
 * a data set with ld_dataset_check(kind "pack"): the header's magic, version, JSON fields, the
 * label and split tables and the lengths that must add up to the file's size, then the mapped
 * pixels. Byte 0 chooses the split (bit 0); the rest is the file. */
#include "fuzz_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    char path[256];
    fuzz_write("data.ldpack", data + 1, size - 1, path, sizeof path);
    int64_t count = -1;
    ld_status status = ld_dataset_check(path, "pack", data[0] & 1, &count);
    if (status != LD_OK) {
        fuzz_expect_file_error(status, "ld_dataset_check");
        if (count != -1) abort();
    } else if (count < 0) {
        fprintf(stderr, "ld_dataset_check: OK with %lld images\n", (long long)count);
        abort();
    }
    return 0;
}
