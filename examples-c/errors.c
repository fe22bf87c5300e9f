/* Every function with bad arguments and bad files: each returns its documented status with a
 * message, and nothing crashes.   ./errors [MODEL] */
#include "check.h"

#include <stdlib.h>

static void write_file(const char *path, const void *bytes, size_t size) {
    FILE *file = fopen(path, "wb");
    if (!file) return;
    fwrite(bytes, 1, size, file);
    fclose(file);
}

static void bad_files(const char *path) {
    ld_model *model = (ld_model *)0x1; /* must stay untouched on failure */
    expect_status(ld_model_load(NULL, &model), LD_ERR_INVALID_ARGUMENT, "load: NULL path");
    expect_status(ld_model_load(path, NULL), LD_ERR_INVALID_ARGUMENT, "load: NULL out_model");
    expect_status(ld_model_load("no/such/model.safetensors", &model), LD_ERR_IO, "load: missing file");

    const char *text = "just some text, renamed to look like a model\n";
    write_file("text.safetensors", text, strlen(text));
    expect_status(ld_model_load("text.safetensors", &model), LD_ERR_FORMAT, "load: text file");

    /* The first 1000 bytes of the real model. */
    FILE *file = fopen(path, "rb");
    char buffer[1000];
    size_t size = file ? fread(buffer, 1, sizeof buffer, file) : 0;
    if (file) fclose(file);
    write_file("truncated.safetensors", buffer, size);
    expect_status(ld_model_load("truncated.safetensors", &model), LD_ERR_FORMAT, "load: truncated model");

    uint8_t header[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, '{', '}'};
    write_file("huge_header.safetensors", header, sizeof header);
    expect_status(ld_model_load("huge_header.safetensors", &model), LD_ERR_FORMAT, "load: header length past the end");
    CHECK(model == (ld_model *)0x1, "out_model was written on failure");
    ld_model_free(NULL);
}

static void bad_calls(const ld_model *model, const ld_model_desc *desc) {
    float latents[4096] = {0};
    uint8_t pixels[4096] = {0};
    ld_sample_params params;
    ld_sample_params_init(&params);
    ld_sample_params_init(NULL);

    ld_model_desc small;
    expect_status(ld_model_info(NULL, &small), LD_ERR_INVALID_ARGUMENT, "info: NULL model");
    expect_status(ld_model_info_sized(model, NULL, sizeof small), LD_ERR_INVALID_ARGUMENT, "info: NULL out_desc");
    expect_status(ld_model_info_sized(model, &small, 8), LD_ERR_INVALID_ARGUMENT, "info: struct size 8");

    expect_status(ld_sample_latents(NULL, &params, 1, latents, sizeof latents), LD_ERR_INVALID_ARGUMENT, "sample: NULL model");
    expect_status(ld_sample_latents(model, NULL, 1, latents, sizeof latents), LD_ERR_INVALID_ARGUMENT, "sample: NULL params");
    expect_status(ld_sample_latents(model, &params, 1, NULL, sizeof latents), LD_ERR_INVALID_ARGUMENT, "sample: NULL output");
    expect_status(ld_sample_latents(model, &params, 0, latents, sizeof latents), LD_ERR_INVALID_ARGUMENT, "sample: count 0");
    expect_status(ld_sample_latents(model, &params, -5, latents, sizeof latents), LD_ERR_INVALID_ARGUMENT, "sample: count -5");
    expect_status(ld_sample_latents(model, &params, 1000000, latents, sizeof latents), LD_ERR_INVALID_ARGUMENT, "sample: count 1000000");

    ld_sample_params bad = params;
    bad.struct_size = 4;
    expect_status(ld_sample_latents(model, &bad, 1, latents, sizeof latents), LD_ERR_INVALID_ARGUMENT, "sample: struct_size 4");
    bad = params;
    bad.sampler = 99;
    expect_status(ld_sample_latents(model, &bad, 1, latents, sizeof latents), LD_ERR_INVALID_ARGUMENT, "sample: sampler 99");
    bad = params;
    bad.steps = 0;
    expect_status(ld_sample_latents(model, &bad, 1, latents, sizeof latents), LD_ERR_INVALID_ARGUMENT, "sample: 0 steps");
    bad.steps = 100000;
    expect_status(ld_sample_latents(model, &bad, 1, latents, sizeof latents), LD_ERR_INVALID_ARGUMENT, "sample: 100000 steps");
    bad = params;
    bad.eta = -1;
    expect_status(ld_sample_latents(model, &bad, 1, latents, sizeof latents), LD_ERR_INVALID_ARGUMENT, "sample: eta -1");
    bad = params;
    bad.guidance = 1e9f;
    expect_status(ld_sample_latents(model, &bad, 1, latents, sizeof latents), LD_ERR_INVALID_ARGUMENT, "sample: guidance 1e9");
    bad = params;
    bad.threads = -2;
    expect_status(ld_sample_latents(model, &bad, 1, latents, sizeof latents), LD_ERR_INVALID_ARGUMENT, "sample: threads -2");
    bad = params;
    int32_t label = desc->class_count + 3;
    bad.labels = &label;
    expect_status(ld_sample_latents(model, &bad, 1, latents, sizeof latents), LD_ERR_INVALID_ARGUMENT, "sample: label out of range");
    bad.first_index = -1;
    label = 0;
    expect_status(ld_sample_latents(model, &bad, 1, latents, sizeof latents), LD_ERR_INVALID_ARGUMENT, "sample: first_index -1");

    expect_status(ld_decode(NULL, NULL, latents, 1, pixels, sizeof pixels), LD_ERR_INVALID_ARGUMENT, "decode: NULL model");
    expect_status(ld_decode(model, NULL, NULL, 1, pixels, sizeof pixels), LD_ERR_INVALID_ARGUMENT, "decode: NULL latents");
    expect_status(ld_decode(model, NULL, latents, 1, NULL, sizeof pixels), LD_ERR_INVALID_ARGUMENT, "decode: NULL output");
    expect_status(ld_decode(model, NULL, latents, 0, pixels, sizeof pixels), LD_ERR_INVALID_ARGUMENT, "decode: count 0");
    for (int i = 0; i < desc->latent_size; i++) latents[i] = 0.0f / 0.0f;
    expect_status(ld_decode(model, NULL, latents, 1, pixels, sizeof pixels), LD_ERR_NUMERIC, "decode: NaN latent");

    expect_status(ld_encode(NULL, NULL, pixels, 1, latents, sizeof latents), LD_ERR_INVALID_ARGUMENT, "encode: NULL model");
    expect_status(ld_encode(model, NULL, NULL, 1, latents, sizeof latents), LD_ERR_INVALID_ARGUMENT, "encode: NULL pixels");
    expect_status(ld_encode(model, NULL, pixels, 1, NULL, sizeof latents), LD_ERR_INVALID_ARGUMENT, "encode: NULL output");
    expect_status(ld_encode(model, NULL, pixels, -1, latents, sizeof latents), LD_ERR_INVALID_ARGUMENT, "encode: count -1");

    expect_status(ld_generate(NULL, &params, 1, pixels, sizeof pixels), LD_ERR_INVALID_ARGUMENT, "generate: NULL model");
    expect_status(ld_generate(model, NULL, 1, pixels, sizeof pixels), LD_ERR_INVALID_ARGUMENT, "generate: NULL params");
    expect_status(ld_generate(model, &params, 1, NULL, sizeof pixels), LD_ERR_INVALID_ARGUMENT, "generate: NULL output");
    expect_status(ld_generate(model, &params, 0, pixels, sizeof pixels), LD_ERR_INVALID_ARGUMENT, "generate: count 0");

    ld_codec_params codec;
    ld_codec_params_init(&codec);
    codec.threads = 5000;
    expect_status(ld_decode(model, &codec, latents, 1, pixels, sizeof pixels), LD_ERR_INVALID_ARGUMENT, "decode: threads 5000");
    expect_status(ld_codec_params_init_sized(&codec, 4), LD_ERR_INVALID_ARGUMENT, "codec params: size 4");
    expect_status(ld_set_max_threads(-1), LD_ERR_INVALID_ARGUMENT, "max threads -1");
    ld_sampler sampler = LD_SAMPLER_HEUN;
    expect_status(ld_sampler_from_name("dpm", &sampler), LD_ERR_INVALID_ARGUMENT, "sampler name 'dpm'");
    CHECK(sampler == LD_SAMPLER_HEUN, "out_sampler written on failure");
    CHECK(ld_sampler_name((ld_sampler)7) == NULL, "a name for sampler 7");

    expect_status(ld_write_grid_png(NULL, pixels, 1, 2, 2, 1, 0), LD_ERR_INVALID_ARGUMENT, "grid: NULL path");
    expect_status(ld_write_grid_png("g.png", NULL, 1, 2, 2, 1, 0), LD_ERR_INVALID_ARGUMENT, "grid: NULL pixels");
    expect_status(ld_write_grid_png("g.png", pixels, 0, 2, 2, 1, 0), LD_ERR_INVALID_ARGUMENT, "grid: count 0");
    expect_status(ld_write_grid_png("g.png", pixels, 1, 2, 2, 9, 0), LD_ERR_INVALID_ARGUMENT, "grid: 9 channels");
    expect_status(ld_write_grid_png("g.png", pixels, 2, 2, 2, 1, -1), LD_ERR_INVALID_ARGUMENT, "grid: -1 columns");
    expect_status(ld_write_grid_png("no/dir/g.png", pixels, 1, 2, 2, 1, 0), LD_ERR_IO, "grid: missing directory");
}

int main(int argc, char **argv) {
    const char *path = model_path(argc, argv);
    bad_files(path);
    ld_model *model = NULL;
    expect_status(ld_model_load(path, &model), LD_OK, "load the real model");
    if (model) {
        ld_model_desc desc;
        desc.struct_size = sizeof desc;
        expect_status(ld_model_info(model, &desc), LD_OK, "info");
        bad_calls(model, &desc);
        ld_model_free(model);
    }
    CHECK(strcmp(ld_status_string(LD_ERR_CANCELLED), "LD_ERR_CANCELLED") == 0, "status names");
    return finish("errors");
}
