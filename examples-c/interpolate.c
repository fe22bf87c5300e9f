/* Interpolation between samples. Seeds: the x_T of two seeds (ld_sample_noise) joined by
 * spherical interpolation, slerp(a, b, t) = sin((1 - t) theta) / sin(theta) a + sin(t theta) /
 * sin(theta) b with cos(theta) = a.b / (|a| |b|), each frame sampled from its noise (init_noise)
 * with the deterministic DPM-Solver++: the ends are the two seeds' plain samples, bit for bit.
 * Classes (class-conditional models): one x_T, class A with guidance going 2 -> 0, then class B
 * with guidance 0 -> 2; at guidance 0 both are the unconditional sample, so the path is
 * continuous. Writes both strips.
 *   ./interpolate [MODEL] [SEEDS.png] [CLASSES.png] */
#include "check.h"

#include <math.h>
#include <stdlib.h>

enum { FRAMES = 7 };

static void slerp(const float *a, const float *b, int32_t n, double t, float *out) {
    double dot = 0, na = 0, nb = 0;
    for (int32_t i = 0; i < n; i++) {
        dot += (double)a[i] * b[i];
        na += (double)a[i] * a[i];
        nb += (double)b[i] * b[i];
    }
    double theta = acos(fmax(-1.0, fmin(1.0, dot / sqrt(na * nb))));
    double wa = sin((1 - t) * theta) / sin(theta), wb = sin(t * theta) / sin(theta);
    for (int32_t i = 0; i < n; i++) out[i] = (float)(wa * a[i] + wb * b[i]);
}

int main(int argc, char **argv) {
    const char *seeds_out = argc > 2 ? argv[2] : "interpolate_seeds.png";
    const char *classes_out = argc > 3 ? argv[3] : "interpolate_classes.png";
    ld_model_desc desc;
    ld_model *model = load_model(argc, argv, &desc);
    if (!model) return 1;
    int32_t n = desc.latent_size;
    size_t image_bytes = (size_t)desc.image_bytes, latent_bytes = (size_t)n * sizeof(float);

    ld_sample_params params;
    ld_sample_params_init(&params);
    params.steps = 8;
    params.threads = 1;
    float *a = malloc(latent_bytes), *b = malloc(latent_bytes), *noise = malloc(FRAMES * latent_bytes);
    expect_status(ld_sample_noise(model, 100, 0, 1, a, latent_bytes), LD_OK, "noise of seed 100");
    expect_status(ld_sample_noise(model, 200, 0, 1, b, latent_bytes), LD_OK, "noise of seed 200");
    for (int f = 0; f < FRAMES; f++) slerp(a, b, n, (double)f / (FRAMES - 1), noise + (size_t)f * n);

    uint8_t *strip = malloc(FRAMES * image_bytes), *plain = malloc(image_bytes);
    params.init_noise = noise;
    expect_status(ld_generate(model, &params, FRAMES, strip, FRAMES * image_bytes), LD_OK, "seed frames");
    params.init_noise = NULL;
    params.seed = 100;
    expect_status(ld_generate(model, &params, 1, plain, image_bytes), LD_OK, "seed 100");
    CHECK(memcmp(plain, strip, image_bytes) == 0, "the first frame is not seed 100's sample");
    params.seed = 200;
    expect_status(ld_generate(model, &params, 1, plain, image_bytes), LD_OK, "seed 200");
    CHECK(memcmp(plain, strip + (FRAMES - 1) * image_bytes, image_bytes) == 0, "the last frame is not seed 200's sample");
    expect_status(ld_write_grid_png(seeds_out, strip, FRAMES, desc.image_width, desc.image_height, desc.image_channels,
                                    FRAMES),
                  LD_OK, "write seeds strip");
    printf("wrote %s: %d frames from seed 100 to seed 200\n", seeds_out, FRAMES);

    if (desc.class_count >= 2) {
        /* Frames 0..3: class 1 at guidance 2, 4/3, 2/3, 0; frames 3..6: class 7 at 0, 2/3, 4/3, 2. */
        int32_t classes[2] = {1, desc.class_count > 7 ? 7 : desc.class_count - 1};
        uint8_t *middle = malloc(image_bytes);
        params.seed = 100;
        for (int f = 0; f < FRAMES; f++) {
            int half = FRAMES / 2;
            params.labels = &classes[f < half ? 0 : 1];
            params.guidance = 2.0f * (float)abs(f - half) / (float)half;
            expect_status(ld_generate(model, &params, 1, strip + (size_t)f * image_bytes, image_bytes), LD_OK, "class frame");
        }
        params.labels = &classes[0];
        params.guidance = 0.0f;
        expect_status(ld_generate(model, &params, 1, middle, image_bytes), LD_OK, "class A at guidance 0");
        CHECK(memcmp(middle, strip + (FRAMES / 2) * image_bytes, image_bytes) == 0,
              "at guidance 0 the two classes give different images");
        expect_status(ld_write_grid_png(classes_out, strip, FRAMES, desc.image_width, desc.image_height,
                                        desc.image_channels, FRAMES),
                      LD_OK, "write classes strip");
        printf("wrote %s: class %d to class %d through the unconditional sample\n", classes_out, classes[0], classes[1]);
        free(middle);
    }

    /* NaN noise is refused. */
    noise[0] = NAN;
    params.init_noise = noise;
    params.labels = NULL;
    expect_status(ld_generate(model, &params, 1, plain, image_bytes), LD_ERR_INVALID_ARGUMENT, "NaN noise");

    free(plain);
    free(strip);
    free(noise);
    free(b);
    free(a);
    ld_model_free(model);
    return finish("interpolate");
}
