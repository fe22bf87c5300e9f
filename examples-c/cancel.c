/* Cancelling from the progress callback: the call returns LD_ERR_CANCELLED and leaves the output
 * buffer untouched; a callback that never cancels sees every step.   ./cancel [MODEL] */
#include "check.h"

#include <stdlib.h>

typedef struct {
    int32_t calls;
    int32_t last_step;
    int32_t total;
    int32_t cancel_at; /* 0 = never */
} progress_state;

static int32_t on_progress(int32_t step, int32_t total, void *user_data) {
    progress_state *state = user_data;
    state->calls++;
    state->last_step = step;
    state->total = total;
    return state->cancel_at != 0 && step >= state->cancel_at;
}

int main(int argc, char **argv) {
    ld_model_desc desc;
    ld_model *model = load_model(argc, argv, &desc);
    if (!model) return 1;
    enum { COUNT = 4 };
    size_t bytes = (size_t)COUNT * desc.image_width * desc.image_height * desc.image_channels;
    uint8_t *pixels = malloc(bytes);

    ld_sample_params params;
    ld_sample_params_init(&params);
    params.sampler = LD_SAMPLER_DDIM;
    params.steps = 10;
    params.progress = on_progress;

    progress_state full = {0, 0, 0, 0};
    params.user_data = &full;
    expect_status(ld_generate(model, &params, COUNT, pixels, bytes), LD_OK, "generate with progress");
    CHECK(full.calls == 10 && full.last_step == 10 && full.total == 10, "saw %d calls, last step %d of %d",
          full.calls, full.last_step, full.total);

    progress_state cancel = {0, 0, 0, 3};
    params.user_data = &cancel;
    memset(pixels, 0xAB, bytes);
    expect_status(ld_generate(model, &params, COUNT, pixels, bytes), LD_ERR_CANCELLED, "generate, cancelled at step 3");
    CHECK(cancel.calls == 3, "the callback was called %d times after cancelling at 3", cancel.calls);
    int untouched = 1;
    for (size_t i = 0; i < bytes; i++) untouched &= pixels[i] == 0xAB;
    CHECK(untouched, "a cancelled call wrote to the output buffer");

    float *latents = malloc((size_t)COUNT * desc.latent_size * sizeof *latents);
    cancel = (progress_state){0, 0, 0, 1};
    size_t latent_bytes = (size_t)COUNT * desc.latent_size * sizeof *latents;
    expect_status(ld_sample_latents(model, &params, COUNT, latents, latent_bytes), LD_ERR_CANCELLED,
                  "sample latents, cancelled at 1");
    printf("cancel: full run saw %d steps; cancelled runs stopped at steps 3 and 1\n", full.calls);

    /* Decoding and encoding report images done, and cancel too. */
    params.user_data = &full;
    expect_status(ld_sample_latents(model, &params, COUNT, latents, latent_bytes), LD_OK, "sample latents");
    ld_codec_params codec;
    ld_codec_params_init(&codec);
    codec.progress = on_progress;
    full = (progress_state){0, 0, 0, 0};
    codec.user_data = &full;
    expect_status(ld_decode(model, &codec, latents, COUNT, pixels, bytes), LD_OK, "decode with progress");
    CHECK(full.calls >= 1 && full.last_step == COUNT && full.total == COUNT, "decode: %d calls, last %d of %d",
          full.calls, full.last_step, full.total);
    cancel = (progress_state){0, 0, 0, 1};
    codec.user_data = &cancel;
    memset(latents, 0xAB, latent_bytes);
    expect_status(ld_encode(model, &codec, pixels, COUNT, latents, latent_bytes), LD_ERR_CANCELLED, "encode, cancelled");
    const uint8_t *raw = (const uint8_t *)latents;
    untouched = 1;
    for (size_t i = 0; i < latent_bytes; i++) untouched &= raw[i] == 0xAB;
    CHECK(untouched, "a cancelled encode wrote to the output buffer");

    free(latents);
    free(pixels);
    ld_model_free(model);
    return finish("cancel");
}
