/* Fuzz target: arbitrary bytes as a model file. ld_model_load must return a status, never crash;
 * a file that loads is described (ld_model_info), sampled (1 latent, 1 step) and decoded. */
#include "fuzz_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[256];
    fuzz_write("model.safetensors", data, size, path, sizeof path);
    ld_model *model = NULL;
    ld_status status = ld_model_load(path, &model);
    if (status != LD_OK) {
        fuzz_expect_file_error(status, "ld_model_load");
        if (model) abort(); /* outputs stay untouched on failure */
        return 0;
    }
    ld_model_desc desc;
    desc.struct_size = sizeof desc;
    if (ld_model_info(model, &desc) != LD_OK || desc.latent_size <= 0 || !desc.codec_kind || !desc.config_json) {
        fprintf(stderr, "ld_model_info on a loaded model: %s\n", ld_last_error());
        abort();
    }
    ld_sample_params params;
    ld_sample_params_init(&params);
    params.steps = 1;
    params.threads = 1;
    float *latents = malloc((size_t)desc.latent_size * sizeof(float));
    uint8_t *pixels = malloc((size_t)desc.image_width * (size_t)desc.image_height * (size_t)desc.image_channels);
    status = ld_sample_latents(model, &params, 1, latents);
    if (status == LD_OK) status = ld_decode(model, latents, 1, pixels);
    /* Random weights may overflow to infinity: that is LD_ERR_NUMERIC, not a crash. */
    if (status != LD_OK && status != LD_ERR_NUMERIC) {
        fprintf(stderr, "sampling a loaded model: %s: %s\n", ld_status_string(status), ld_last_error());
        abort();
    }
    free(pixels);
    free(latents);
    ld_model_free(model);
    return 0;
}
