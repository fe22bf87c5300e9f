/* Fuzz target: arbitrary bytes as a model file, loaded both ways: from memory
 * (ld_model_load_from_memory) and from a file (ld_model_load). Each must return a status, never
 * crash, and the two must agree (they share one parser); a model that loads is described
 * (ld_model_info), sampled (1 latent, 1 step) and decoded. */
#include "fuzz_files.h"

static void exercise(ld_model *model) {
    ld_model_desc desc;
    if (ld_model_info(model, &desc) != LD_OK || desc.latent_size <= 0 || !desc.codec_kind || !desc.config_json ||
        desc.image_bytes != desc.image_width * desc.image_height * desc.image_channels) {
        fprintf(stderr, "ld_model_info on a loaded model: %s\n", ld_last_error());
        abort();
    }
    ld_sample_params params;
    ld_sample_params_init(&params);
    params.steps = 1;
    params.threads = 1;
    ld_codec_params codec;
    ld_codec_params_init(&codec);
    codec.threads = 1;
    size_t latent_bytes = (size_t)desc.latent_size * sizeof(float), pixel_bytes = (size_t)desc.image_bytes;
    float *latents = malloc(latent_bytes);
    uint8_t *pixels = malloc(pixel_bytes);
    ld_status status = ld_sample_latents(model, &params, 1, latents, latent_bytes);
    if (status == LD_OK) status = ld_decode(model, &codec, latents, 1, pixels, pixel_bytes);
    /* Random weights may overflow to infinity: that is LD_ERR_NUMERIC, not a crash. */
    if (status != LD_OK && status != LD_ERR_NUMERIC) {
        fprintf(stderr, "sampling a loaded model: %s: %s\n", ld_status_string(status), ld_last_error());
        abort();
    }
    free(pixels);
    free(latents);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* From memory: a copy of exactly `size` bytes, so AddressSanitizer sees any read past it. */
    uint8_t *copy = malloc(size ? size : 1);
    if (size) memcpy(copy, data, size);
    ld_model *from_memory = NULL;
    ld_status memory_status = ld_model_load_from_memory(copy, size, &from_memory);
    free(copy); /* the model keeps nothing of the caller's buffer */
    if (memory_status != LD_OK) {
        fuzz_expect_file_error(memory_status, "ld_model_load_from_memory");
        if (from_memory) abort(); /* outputs stay untouched on failure */
    }

    char path[256];
    fuzz_write("model.safetensors", data, size, path, sizeof path);
    ld_model *model = NULL;
    ld_status status = ld_model_load(path, &model);
    if (status != memory_status) {
        fprintf(stderr, "ld_model_load gave %s, ld_model_load_from_memory %s (%s)\n", ld_status_string(status),
                ld_status_string(memory_status), ld_last_error());
        abort();
    }
    if (status != LD_OK) {
        fuzz_expect_file_error(status, "ld_model_load");
        if (model) abort();
        return 0;
    }
    exercise(from_memory);
    exercise(model);
    ld_model_free(from_memory);
    ld_model_free(model);
    return 0;
}
