/* Fuzz target: arbitrary bytes as the one image of an image folder, checked with
 * ld_dataset_check(kind "folder"): the JPEG (TurboJPEG) or PNG (libpng, from memory) decode, the
 * header pass that picks the default size, the 64 Mpx and bytes-per-pixel limits, the crop and
 * box resize, alpha compositing and the split.
 *
 * Input layout: bit 0 of byte 0 names the file (0: image.jpg, 1: image.png); the rest is the file.
 * An image that decodes gives one image in one of the two splits; any other gives a format error. */
#include "fuzz_files.h"

#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    char folder[256], path[512];
    snprintf(folder, sizeof folder, "%s/folder", fuzz_directory());
    mkdir(folder, 0755);
    const char *names[] = {"folder/image.jpg", "folder/image.png"};
    fuzz_write(names[0], NULL, 0, path, sizeof path);
    fuzz_write(names[1], NULL, 0, path, sizeof path);
    fuzz_write(names[data[0] & 1], data + 1, size - 1, path, sizeof path);

    int64_t total = 0;
    ld_status first = LD_OK;
    for (int split = 0; split < 2; split++) {
        int64_t count = -1;
        ld_status status = ld_dataset_check(folder, "folder", split, &count);
        if (split == 0) first = status;
        if (status != first) {
            fprintf(stderr, "ld_dataset_check: split %d gave %d, split 0 gave %d\n", split, status, first);
            abort();
        }
        if (status != LD_OK) {
            fuzz_expect_file_error(status, "ld_dataset_check");
            if (count != -1) abort();
        } else {
            total += count;
        }
    }
    if (first == LD_OK && total != 1) {
        fprintf(stderr, "ld_dataset_check: OK with %lld images in all, not 1\n", (long long)total);
        abort();
    }
    return 0;
}
