/* What a host needs to store generated images its own way: the model's recommended settings
 * (ld_sample_params_init_for_model) and class names, the settings as JSON
 * (ld_sample_params_json), and a PNG encoded to memory with that JSON as a text chunk
 * (ld_encode_png), written with fwrite, read back with ld_read_png and compared.
 *   ./png_memory [MODEL] */
#include "check.h"

#include <stdlib.h>

static void encode_errors(void) {
    uint8_t pixel[4] = {0, 0, 0, 0};
    uint8_t *png = NULL;
    size_t size = 0;
    const char *keys[1] = {"Comment"}, *values[1] = {"x"}, *bad_keys[1] = {""}, *null_keys[1] = {NULL};
    expect_status(ld_encode_png(NULL, 1, 1, 1, NULL, NULL, 0, &png, &size), LD_ERR_INVALID_ARGUMENT, "encode: NULL pixels");
    expect_status(ld_encode_png(pixel, 1, 1, 1, NULL, NULL, 0, NULL, &size), LD_ERR_INVALID_ARGUMENT, "encode: NULL out_png");
    expect_status(ld_encode_png(pixel, 1, 1, 1, NULL, NULL, 0, &png, NULL), LD_ERR_INVALID_ARGUMENT, "encode: NULL out_png_size");
    expect_status(ld_encode_png(pixel, 0, 1, 1, NULL, NULL, 0, &png, &size), LD_ERR_INVALID_ARGUMENT, "encode: zero width");
    expect_status(ld_encode_png(pixel, 1, 1, 5, NULL, NULL, 0, &png, &size), LD_ERR_INVALID_ARGUMENT, "encode: 5 channels");
    expect_status(ld_encode_png(pixel, 1, 1, 1, NULL, values, 1, &png, &size), LD_ERR_INVALID_ARGUMENT, "encode: NULL text_keys");
    expect_status(ld_encode_png(pixel, 1, 1, 1, keys, values, -1, &png, &size), LD_ERR_INVALID_ARGUMENT, "encode: text_count -1");
    expect_status(ld_encode_png(pixel, 1, 1, 1, bad_keys, values, 1, &png, &size), LD_ERR_INVALID_ARGUMENT, "encode: empty keyword");
    expect_status(ld_encode_png(pixel, 1, 1, 1, null_keys, values, 1, &png, &size), LD_ERR_INVALID_ARGUMENT, "encode: NULL keyword");
    CHECK(png == NULL && size == 0, "a failed call wrote its outputs");
    ld_free_buffer(NULL);
}

int main(int argc, char **argv) {
    encode_errors();
    ld_model_desc desc;
    ld_model *model = load_model(argc, argv, &desc);
    if (!model) return 1;

    printf("%s: %d classes; recommended: %s, %d steps, guidance %g\n", model_path(argc, argv), desc.class_count,
           ld_sampler_name((ld_sampler)desc.default_sampler), desc.default_steps, (double)desc.default_guidance);
    CHECK((desc.class_count == 0) == (desc.class_names == NULL), "class_names is NULL iff class_count is 0");
    for (int32_t i = 0; i < desc.class_count; i++) {
        CHECK(desc.class_names[i] != NULL && desc.class_names[i][0] != '\0', "class %d has no name", i);
        printf("  class %d: %s\n", i, desc.class_names[i]);
    }

    ld_sample_params params;
    expect_status(ld_sample_params_init_for_model(model, &params), LD_OK, "params init for model");
    CHECK(params.struct_size == sizeof params, "struct_size %zu", params.struct_size);
    CHECK(params.sampler == desc.default_sampler && params.steps == desc.default_steps &&
              params.guidance == desc.default_guidance,
          "params (%d, %d, %g) are not the model's defaults", params.sampler, params.steps, (double)params.guidance);
    CHECK(params.seed == 0 && params.eta == 0 && params.labels == NULL && params.first_index == 0, "other defaults");
    expect_status(ld_sample_params_init_for_model(NULL, &params), LD_ERR_INVALID_ARGUMENT, "params init: NULL model");
    expect_status(ld_sample_params_init_for_model_sized(model, &params, 8), LD_ERR_INVALID_ARGUMENT,
                  "params init: 8 bytes");

    enum { COUNT = 2 };
    int32_t labels[COUNT] = {desc.class_count > 0 ? desc.class_count - 1 : -1, -1};
    params.seed = 7;
    params.steps = 4;
    params.labels = desc.class_count > 0 ? labels : NULL;
    uint8_t *pixels = malloc(COUNT * (size_t)desc.image_bytes);
    expect_status(ld_generate(model, &params, COUNT, pixels, COUNT * (size_t)desc.image_bytes), LD_OK, "generate");

    char *json = NULL;
    expect_status(ld_sample_params_json(model, &params, COUNT, &json), LD_OK, "settings JSON");
    if (json) {
        printf("  settings: %s\n", json);
        CHECK(strstr(json, "\"seed\":7,") != NULL && strstr(json, "\"steps\":4,") != NULL, "JSON lacks the settings");
        if (desc.class_count > 0)
            CHECK(strstr(json, desc.class_names[desc.class_count - 1]) != NULL, "JSON lacks the class name");
    }
    char *unused = NULL;
    expect_status(ld_sample_params_json(model, &params, 0, &unused), LD_ERR_INVALID_ARGUMENT, "settings JSON: count 0");
    expect_status(ld_sample_params_json(model, &params, COUNT, NULL), LD_ERR_INVALID_ARGUMENT, "settings JSON: NULL out");
    CHECK(unused == NULL, "a failed call wrote *out_json");

    /* The first image, encoded to memory with the settings as a text chunk, written with fwrite. */
    const char *keys[2] = {"Software", "parameters"}, *values[2] = {"LatentDiff", json ? json : ""};
    uint8_t *png = NULL;
    size_t size = 0;
    expect_status(ld_encode_png(pixels, desc.image_width, desc.image_height, desc.image_channels, keys, values, 2,
                                &png, &size),
                  LD_OK, "encode PNG to memory");
    if (png) {
        CHECK(size > 8 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0, "not a PNG signature");
        int found = 0;
        for (size_t i = 0; json && i + strlen(json) <= size && !found; i++) found = memcmp(png + i, json, strlen(json)) == 0;
        CHECK(found, "the settings are not in the PNG's bytes");
        FILE *file = fopen("png_memory.png", "wb");
        CHECK(file != NULL && fwrite(png, 1, size, file) == size, "cannot write png_memory.png");
        if (file) fclose(file);
        uint8_t *back = NULL;
        int32_t w = 0, h = 0, c = 0;
        expect_status(ld_read_png("png_memory.png", 0, &back, &w, &h, &c), LD_OK, "read back");
        CHECK(w == desc.image_width && h == desc.image_height && c == desc.image_channels, "size %dx%dx%d", w, h, c);
        CHECK(back != NULL && memcmp(back, pixels, (size_t)desc.image_bytes) == 0, "pixels differ after the round trip");
        printf("  %zu PNG bytes from memory: identical pixels after fwrite + ld_read_png\n", size);
        ld_free_pixels(back);
    }
    ld_free_buffer(png);
    ld_free_buffer(json);
    free(pixels);
    ld_model_free(model);
    return finish("png_memory");
}
