/* Inpainting: redraws a masked square of an image and keeps the rest. Makes the input with the
 * model, masks a square (255 = redraw), and checks that every pixel outside the square is the
 * input's within 1/255 (the edge is feathered inside the mask), and that the square is redrawn. Writes a
 * strip: the input, the mask, 3 inpaintings. A vector codec (pca2d) refuses masks.
 *   ./inpaint [MODEL] [OUT.png] */
#include "check.h"

#include <stdlib.h>

enum { COUNT = 3 };

int main(int argc, char **argv) {
    const char *out = argc > 2 ? argv[2] : "inpaint_strip.png";
    ld_model_desc desc;
    ld_model *model = load_model(argc, argv, &desc);
    if (!model) return 1;
    int32_t w = desc.image_width, h = desc.image_height, c = desc.image_channels;
    size_t image_bytes = (size_t)desc.image_bytes, plane = (size_t)w * h;

    ld_sample_params params;
    ld_sample_params_init(&params);
    params.steps = 8;
    params.threads = 1;
    params.seed = 3;
    uint8_t *input = malloc(COUNT * image_bytes), *mask = malloc(COUNT * plane);
    expect_status(ld_generate(model, &params, 1, input, image_bytes), LD_OK, "make the input");
    /* The square: rows and columns [x0, x1). */
    int32_t x0 = w / 4, x1 = w - w / 4, y0 = h / 4, y1 = h - h / 4;
    for (int32_t y = 0; y < h; y++)
        for (int32_t x = 0; x < w; x++) mask[y * w + x] = (y >= y0 && y < y1 && x >= x0 && x < x1) ? 255 : 0;
    for (int i = 1; i < COUNT; i++) {
        memcpy(input + i * image_bytes, input, image_bytes);
        memcpy(mask + i * plane, mask, plane);
    }

    uint8_t *strip = malloc((COUNT + 2) * image_bytes);
    memcpy(strip, input, image_bytes);
    for (size_t p = 0; p < plane; p++)
        for (int32_t k = 0; k < c; k++) strip[image_bytes + p * c + k] = mask[p];
    uint8_t *result = strip + 2 * image_bytes;
    params.seed = 11;
    params.init_image = input;
    params.mask = mask;
    expect_status(ld_generate(model, &params, COUNT, result, COUNT * image_bytes), LD_OK, "inpaint");

    int kept_bad = 0, redrawn = 0;
    for (int i = 0; i < COUNT; i++)
        for (int32_t y = 0; y < h; y++)
            for (int32_t x = 0; x < w; x++)
                for (int32_t k = 0; k < c; k++) {
                    size_t at = i * image_bytes + ((size_t)y * w + x) * c + k;
                    int far = y < y0 || y >= y1 || x < x0 || x >= x1; /* kept: mask 0 */
                    int diff = abs((int)result[at] - (int)input[at]);
                    if (far && diff > 1) kept_bad++;
                    if (!far && mask[(size_t)y * w + x] && diff > 0) redrawn++;
                }
    CHECK(kept_bad == 0, "%d kept pixels differ from the input by more than 1/255", kept_bad);
    CHECK(redrawn > (int)(COUNT * (y1 - y0) * (x1 - x0) * c) / 4, "only %d masked pixels redrawn", redrawn);
    CHECK(memcmp(result, result + image_bytes, image_bytes) != 0, "two inpaintings are the same");
    expect_status(ld_write_grid_png(out, strip, COUNT + 2, w, h, c, COUNT + 2), LD_OK, "write strip");

    /* A mask needs an init image. */
    params.init_image = NULL;
    expect_status(ld_generate(model, &params, 1, result, image_bytes), LD_ERR_INVALID_ARGUMENT, "mask, no image");
    printf("wrote %s: input, mask, %d inpaintings (%d masked pixels redrawn)\n", out, COUNT, redrawn);

    /* A vector codec has no spatial latent to mask. */
    ld_model *pca = NULL;
    if (ld_model_load("../../models/pca2d.safetensors", &pca) == LD_OK) {
        ld_model_desc pca_desc;
        expect_status(ld_model_info(pca, &pca_desc), LD_OK, "pca info");
        if (pca_desc.image_bytes == desc.image_bytes && pca_desc.image_width == w) {
            params.init_image = input;
            expect_status(ld_generate(pca, &params, 1, result, image_bytes), LD_ERR_UNSUPPORTED, "mask, vector codec");
        }
        ld_model_free(pca);
    }

    free(strip);
    free(mask);
    free(input);
    ld_model_free(model);
    return finish("inpaint");
}
