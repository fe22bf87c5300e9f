/* Samples latents, prints their mean and standard deviation, decodes them, encodes the images back
 * and reports the round-trip error of the latents.   ./latents [MODEL] */
#include "check.h"

#include <math.h>
#include <stdlib.h>

static void moments(const float *x, size_t n, double *mean, double *std) {
    double sum = 0, squares = 0;
    for (size_t i = 0; i < n; i++) {
        sum += x[i];
        squares += (double)x[i] * x[i];
    }
    *mean = sum / n;
    *std = sqrt(fmax(0, squares / n - *mean * *mean));
}

int main(int argc, char **argv) {
    ld_model_desc desc;
    ld_model *model = load_model(argc, argv, &desc);
    if (!model) return 1;

    enum { COUNT = 8 };
    size_t latent_floats = (size_t)COUNT * desc.latent_size;
    size_t pixel_bytes = (size_t)COUNT * desc.image_width * desc.image_height * desc.image_channels;
    float *latents = malloc(latent_floats * sizeof *latents);
    float *encoded = malloc(latent_floats * sizeof *encoded);
    uint8_t *pixels = malloc(pixel_bytes);

    ld_sample_params params;
    ld_sample_params_init(&params);
    params.seed = 7;
    params.steps = 10;
    expect_status(ld_sample_latents(model, &params, COUNT, latents, latent_floats * sizeof *latents), LD_OK, "sample latents");
    double mean, std;
    moments(latents, latent_floats, &mean, &std);
    printf("%d latents of %d floats: mean %.4f, std %.4f\n", COUNT, desc.latent_size, mean, std);
    CHECK(isfinite(mean) && isfinite(std) && std > 0, "latents are not finite or constant");

    expect_status(ld_decode(model, NULL, latents, COUNT, pixels, pixel_bytes), LD_OK, "decode");
    expect_status(ld_encode(model, NULL, pixels, COUNT, encoded, latent_floats * sizeof *encoded), LD_OK, "encode");
    double error = 0;
    for (size_t i = 0; i < latent_floats; i++) error += fabs((double)latents[i] - encoded[i]);
    error /= latent_floats;
    printf("latent -> image -> latent: mean absolute error %.4f (latent std %.4f)\n", error, std);
    CHECK(isfinite(error), "round-trip error is not finite");

    /* Sampling latents then decoding equals ld_generate with the same parameters. */
    uint8_t *generated = malloc(pixel_bytes);
    expect_status(ld_generate(model, &params, COUNT, generated, pixel_bytes), LD_OK, "generate");
    CHECK(memcmp(generated, pixels, pixel_bytes) == 0, "sample + decode differs from generate");

    free(generated);
    free(pixels);
    free(encoded);
    free(latents);
    ld_model_free(model);
    return finish("latents");
}
