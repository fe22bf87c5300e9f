/* Writes a gradient image to PNG, reads it back, compares the pixels, and checks that bad calls
 * return their documented status codes with a message instead of crashing. */
#include "check.h"

#include <stdlib.h>

static void roundtrip(int32_t width, int32_t height, int32_t channels) {
    size_t size = (size_t)width * (size_t)height * (size_t)channels;
    uint8_t *pixels = malloc(size);
    for (int32_t y = 0; y < height; y++)
        for (int32_t x = 0; x < width; x++)
            for (int32_t c = 0; c < channels; c++)
                pixels[((size_t)y * width + x) * channels + c] =
                    (uint8_t)((x * 255 / (width - 1) + y * 255 / (height - 1) * (c + 1)) & 255);

    char path[64];
    snprintf(path, sizeof path, "gradient_%d.png", channels);
    expect_status(ld_write_png(path, pixels, width, height, channels), LD_OK, "write");

    uint8_t *back = NULL;
    int32_t w = 0, h = 0, c = 0;
    expect_status(ld_read_png(path, 0, &back, &w, &h, &c), LD_OK, "read");
    CHECK(w == width && h == height && c == channels, "size %dx%dx%d, expected %dx%dx%d", w, h, c,
          width, height, channels);
    CHECK(back != NULL && memcmp(back, pixels, size) == 0, "pixels differ after the round trip");
    printf("  %dx%d with %d channel(s): identical after write + read (%s)\n", width, height, channels,
           path);
    ld_free_pixels(back);
    free(pixels);
}

static void error_paths(void) {
    uint8_t pixel[4] = {0, 0, 0, 0};
    uint8_t *out = NULL;

    expect_status(ld_write_png(NULL, pixel, 1, 1, 1), LD_ERR_INVALID_ARGUMENT, "write: NULL path");
    expect_status(ld_write_png("x.png", NULL, 1, 1, 1), LD_ERR_INVALID_ARGUMENT, "write: NULL pixels");
    expect_status(ld_write_png("x.png", pixel, 0, 1, 1), LD_ERR_INVALID_ARGUMENT, "write: zero width");
    expect_status(ld_write_png("x.png", pixel, 1, -3, 1), LD_ERR_INVALID_ARGUMENT, "write: negative height");
    expect_status(ld_write_png("x.png", pixel, 1, 1, 5), LD_ERR_INVALID_ARGUMENT, "write: 5 channels");
    expect_status(ld_write_png("no/such/dir/x.png", pixel, 1, 1, 1), LD_ERR_IO, "write: missing directory");
    CHECK(strstr(ld_last_error(), "no/such/dir/x.png") != NULL, "the I/O message names the path");

    expect_status(ld_read_png(NULL, 0, &out, NULL, NULL, NULL), LD_ERR_INVALID_ARGUMENT, "read: NULL path");
    expect_status(ld_read_png("gradient_3.png", 0, NULL, NULL, NULL, NULL), LD_ERR_INVALID_ARGUMENT,
                  "read: NULL out_pixels");
    expect_status(ld_read_png("gradient_3.png", 9, &out, NULL, NULL, NULL), LD_ERR_INVALID_ARGUMENT,
                  "read: 9 channels");
    expect_status(ld_read_png("missing.png", 0, &out, NULL, NULL, NULL), LD_ERR_IO, "read: missing file");

    FILE *text = fopen("not_a.png", "wb");
    fputs("plain text, not a PNG\n", text);
    fclose(text);
    expect_status(ld_read_png("not_a.png", 0, &out, NULL, NULL, NULL), LD_ERR_FORMAT, "read: text file");

    /* The first half of a valid PNG. */
    FILE *full = fopen("gradient_3.png", "rb");
    char buffer[1 << 16];
    size_t size = fread(buffer, 1, sizeof buffer, full);
    fclose(full);
    FILE *half = fopen("truncated.png", "wb");
    fwrite(buffer, 1, size / 2, half);
    fclose(half);
    expect_status(ld_read_png("truncated.png", 0, &out, NULL, NULL, NULL), LD_ERR_FORMAT, "read: truncated");
    CHECK(out == NULL, "out_pixels stays untouched on failure");

    CHECK(strcmp(ld_status_string(12345), "LD_ERR_UNKNOWN") == 0, "unknown status name");
    ld_free_pixels(NULL);
}

int main(void) {
    printf("LatentDiff %s (header %s)\n", ld_version(), LD_VERSION_STRING);
    CHECK(strcmp(ld_version(), LD_VERSION_STRING) == 0, "library and header versions differ");
    CHECK(strcmp(ld_last_error(), "") == 0, "no error before any failure");
    roundtrip(64, 48, 1);
    roundtrip(64, 48, 2);
    roundtrip(31, 17, 3);
    roundtrip(64, 48, 4);
    error_paths();
    return finish("png_roundtrip");
}
