/* Loads a model, generates 16 images of one class with a fixed seed and writes them as a grid PNG
 * (and, when RAW is given, the raw pixels, for comparing with other languages' bindings).
 *   ./generate [MODEL] [CLASS] [OUT.png] [RAW] */
#include "check.h"

#include <stdlib.h>

int main(int argc, char **argv) {
    int32_t label = argc > 2 ? (int32_t)atoi(argv[2]) : 7;
    const char *out = argc > 3 ? argv[3] : "generate_grid.png";

    ld_model_desc desc;
    ld_model *model = load_model(argc, argv, &desc);
    if (!model) return 1;
    printf("%s: %s codec, %dx%dx%d images, latent of %d floats, %d classes, %lld training steps\n", model_path(argc, argv),
           desc.codec_kind, desc.image_width, desc.image_height, desc.image_channels, desc.latent_size,
           desc.class_count, (long long)desc.training_steps);

    enum { COUNT = 16 };
    int32_t labels[COUNT];
    for (int i = 0; i < COUNT; i++) labels[i] = desc.class_count > 0 ? label : -1;
    ld_sample_params params;
    ld_sample_params_init(&params);
    params.seed = 42;
    params.labels = labels;
    params.guidance = desc.class_count > 0 ? 2.0f : 1.0f;

    size_t image_bytes = (size_t)desc.image_width * desc.image_height * desc.image_channels;
    uint8_t *pixels = malloc(COUNT * image_bytes);
    expect_status(ld_generate(model, &params, COUNT, pixels, COUNT * image_bytes), LD_OK, "generate");
    expect_status(ld_write_grid_png(out, pixels, COUNT, desc.image_width, desc.image_height,
                                    desc.image_channels, 4),
                  LD_OK, "write grid");

    /* The same seed gives the same pixels. */
    uint8_t *again = malloc(COUNT * image_bytes);
    expect_status(ld_generate(model, &params, COUNT, again, COUNT * image_bytes), LD_OK, "generate again");
    CHECK(memcmp(pixels, again, COUNT * image_bytes) == 0, "same seed, different pixels");

    /* The same model loaded from memory (as a host that reads files its own way would) gives the
     * same pixels. */
    FILE *file = fopen(model_path(argc, argv), "rb");
    CHECK(file != NULL, "cannot open %s", model_path(argc, argv));
    if (file) {
        fseek(file, 0, SEEK_END);
        long size = ftell(file);
        fseek(file, 0, SEEK_SET);
        void *bytes = malloc((size_t)size);
        CHECK(fread(bytes, 1, (size_t)size, file) == (size_t)size, "cannot read the model");
        fclose(file);
        ld_model *from_memory = NULL;
        expect_status(ld_model_load_from_memory(bytes, (size_t)size, &from_memory), LD_OK, "load from memory");
        free(bytes); /* the model keeps its own copy */
        /* Two images suffice (image i depends only on seed, index and label): cheap under valgrind. */
        memset(again, 0, COUNT * image_bytes);
        if (from_memory)
            expect_status(ld_generate(from_memory, &params, 2, again, COUNT * image_bytes), LD_OK, "generate (memory)");
        CHECK(memcmp(pixels, again, 2 * image_bytes) == 0, "the model from memory gives other pixels");
        ld_model_free(from_memory);
    }
    if (argc > 4) {
        FILE *raw = fopen(argv[4], "wb");
        CHECK(raw != NULL && fwrite(pixels, 1, COUNT * image_bytes, raw) == COUNT * image_bytes, "cannot write %s", argv[4]);
        if (raw) fclose(raw);
    }
    if (desc.class_count > 0)
        printf("wrote %s: %d images of class %d (seed %llu)\n", out, COUNT, label, (unsigned long long)params.seed);
    else
        printf("wrote %s: %d unconditional images (seed %llu)\n", out, COUNT, (unsigned long long)params.seed);

    free(again);
    free(pixels);
    ld_model_free(model);
    return finish("generate");
}
