/* Image to image (SDEdit): starts from an image, re-noises it by `strength` and denoises it.
 * Reads INPUT.png (its size must be the model's; converted to the model's channels) or, without
 * one, makes the input with the model. Writes a strip: the input, then 4 variations at strength
 * 0.5. Checks that strength 1 is plain generation bit for bit and strength 0 the input re-decoded
 * (ld_encode then ld_decode).
 *   ./img2img [MODEL] [INPUT.png] [OUT.png] */
#include "check.h"

#include <stdlib.h>

enum { COUNT = 4 };

int main(int argc, char **argv) {
    const char *out = argc > 3 ? argv[3] : "img2img_strip.png";
    ld_model_desc desc;
    ld_model *model = load_model(argc, argv, &desc);
    if (!model) return 1;
    size_t image_bytes = (size_t)desc.image_bytes;
    uint8_t *input = malloc(COUNT * image_bytes);

    ld_sample_params params;
    ld_sample_params_init(&params);
    params.steps = 8;
    params.threads = 1;
    if (argc > 2) {
        uint8_t *read = NULL;
        int32_t width = 0, height = 0;
        expect_status(ld_read_png(argv[2], desc.image_channels, &read, &width, &height, NULL), LD_OK, "read input");
        if (!read || width != desc.image_width || height != desc.image_height) {
            fprintf(stderr, "%s: need a %dx%d PNG\n", argv[2], desc.image_width, desc.image_height);
            ld_free_pixels(read);
            free(input);
            ld_model_free(model);
            return 1;
        }
        memcpy(input, read, image_bytes);
        ld_free_pixels(read);
    } else {
        params.seed = 1;
        expect_status(ld_generate(model, &params, 1, input, image_bytes), LD_OK, "make the input");
    }
    /* The same input for every sample: each variation is keyed by its own index. */
    for (int i = 1; i < COUNT; i++) memcpy(input + i * image_bytes, input, image_bytes);

    uint8_t *strip = malloc((COUNT + 1) * image_bytes);
    memcpy(strip, input, image_bytes);
    params.seed = 7;
    params.init_image = input;
    params.strength = 0.5f;
    expect_status(ld_generate(model, &params, COUNT, strip + image_bytes, COUNT * image_bytes), LD_OK, "strength 0.5");
    CHECK(memcmp(strip + image_bytes, strip + 2 * image_bytes, image_bytes) != 0, "two variations are the same");
    expect_status(ld_write_grid_png(out, strip, COUNT + 1, desc.image_width, desc.image_height, desc.image_channels,
                                    COUNT + 1),
                  LD_OK, "write strip");

    /* Strength 1 ignores the image: plain generation, bit for bit. */
    uint8_t *edited = malloc(COUNT * image_bytes), *plain = malloc(COUNT * image_bytes);
    params.strength = 1.0f;
    expect_status(ld_generate(model, &params, COUNT, edited, COUNT * image_bytes), LD_OK, "strength 1");
    params.init_image = NULL;
    expect_status(ld_generate(model, &params, COUNT, plain, COUNT * image_bytes), LD_OK, "plain");
    CHECK(memcmp(edited, plain, COUNT * image_bytes) == 0, "strength 1 differs from plain generation");

    /* Strength 0 runs no step: the input encoded and decoded. */
    float *latents = malloc((size_t)desc.latent_size * sizeof(float));
    params.init_image = input;
    params.strength = 0.0f;
    expect_status(ld_generate(model, &params, 1, edited, image_bytes), LD_OK, "strength 0");
    expect_status(ld_encode(model, NULL, input, 1, latents, (size_t)desc.latent_size * sizeof(float)), LD_OK, "encode");
    expect_status(ld_decode(model, NULL, latents, 1, plain, image_bytes), LD_OK, "decode");
    CHECK(memcmp(edited, plain, image_bytes) == 0, "strength 0 is not the input re-decoded");

    /* Strength outside [0, 1], or other than 1 without an image, is refused. */
    params.strength = 1.5f;
    expect_status(ld_generate(model, &params, 1, edited, image_bytes), LD_ERR_INVALID_ARGUMENT, "strength 1.5");
    params.init_image = NULL;
    params.strength = 0.5f;
    expect_status(ld_generate(model, &params, 1, edited, image_bytes), LD_ERR_INVALID_ARGUMENT, "strength, no image");
    printf("wrote %s: the input and %d variations at strength 0.5\n", out, COUNT);

    free(latents);
    free(plain);
    free(edited);
    free(strip);
    free(input);
    ld_model_free(model);
    return finish("img2img");
}
