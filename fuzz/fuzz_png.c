/* Fuzz target: arbitrary bytes as a PNG file, read as stored and converted to each channel count. */
#include "fuzz_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[256];
    fuzz_write("image.png", data, size, path, sizeof path);
    /* The last byte picks the conversion, so one input covers several. */
    int32_t channels = size ? data[size - 1] % 5 : 0;
    uint8_t *pixels = NULL;
    int32_t width = 0, height = 0, stored = 0;
    ld_status status = ld_read_png(path, channels, &pixels, &width, &height, &stored);
    if (status != LD_OK) {
        fuzz_expect_file_error(status, "ld_read_png");
        if (pixels) abort();
        return 0;
    }
    if (width <= 0 || height <= 0 || stored < 1 || stored > 4 || (channels && stored != channels)) {
        fprintf(stderr, "ld_read_png: bad size %dx%dx%d\n", width, height, stored);
        abort();
    }
    /* Touch every byte so that a short buffer shows up under AddressSanitizer. */
    size_t bytes = (size_t)width * (size_t)height * (size_t)stored;
    volatile uint8_t sum = 0;
    for (size_t i = 0; i < bytes; i++) sum += pixels[i];
    ld_free_pixels(pixels);
    return 0;
}
