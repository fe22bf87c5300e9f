/* Eight threads sample from one shared model while two more load, use and free their own models,
 * all at once, ROUNDS times each; every result must equal, bit for bit, the same request made
 * alone on one thread before the threads start.   ./stress [MODEL] [ROUNDS]  (default 20) */
#include "check.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

enum { SAMPLERS = 8, LOADERS = 2, COUNT = 3 };

typedef struct {
    const ld_model *model;
    int index;
    float *expected; /* the single-threaded result */
    long rounds;
    long mismatches;
} sampler_job;

static const char *path;
static size_t latent_size, image_bytes;
static atomic_int samplers_running = SAMPLERS;
static uint8_t loader_expected[COUNT * 28 * 28 * 3];

/* Request `index`: a different sampler, seed, labels and worker count for each thread. */
static ld_status sample(const ld_model *model, int index, int32_t threads, float *out) {
    static const int32_t samplers[] = {LD_SAMPLER_DPM_SOLVER, LD_SAMPLER_DDIM, LD_SAMPLER_DDPM, LD_SAMPLER_EULER,
                                       LD_SAMPLER_EULER_ANCESTRAL, LD_SAMPLER_HEUN, LD_SAMPLER_DPM_SOLVER_3M};
    int32_t labels[COUNT];
    for (int i = 0; i < COUNT; i++) labels[i] = (index + i) % 11 - 1; /* -1 = no class */
    ld_sample_params params;
    ld_sample_params_init(&params);
    params.sampler = samplers[index % (int)(sizeof samplers / sizeof samplers[0])];
    params.eta = 0.5f;
    params.steps = 5 + index % 3;
    params.guidance = 1.5f;
    params.seed = 1000 + (uint64_t)index;
    params.labels = labels;
    params.threads = threads;
    return ld_sample_latents(model, &params, COUNT, out, COUNT * latent_size * sizeof(float));
}

static void *run_sampler(void *argument) {
    sampler_job *job = argument;
    float *out = malloc(COUNT * latent_size * sizeof(float));
    for (long r = 0; r < job->rounds; r++) {
        ld_status status = sample(job->model, job->index, 1 + (int32_t)(r % 2), out);
        if (status != LD_OK || memcmp(out, job->expected, COUNT * latent_size * sizeof(float)) != 0) job->mismatches++;
    }
    free(out);
    atomic_fetch_sub(&samplers_running, 1);
    return NULL;
}

/* Loads, generates and frees models until the samplers are done; counts loads and mismatches. */
static void *run_loader(void *argument) {
    long *counts = argument; /* [loads, mismatches] */
    uint8_t *pixels = malloc(COUNT * image_bytes);
    while (atomic_load(&samplers_running) > 0) {
        ld_model *model = NULL;
        ld_sample_params params;
        ld_sample_params_init(&params);
        params.steps = 3;
        params.seed = 7;
        params.threads = 1;
        if (ld_model_load(path, &model) != LD_OK || ld_generate(model, &params, COUNT, pixels, COUNT * image_bytes) != LD_OK ||
            memcmp(pixels, loader_expected, COUNT * image_bytes) != 0)
            counts[1]++;
        ld_model_free(model);
        counts[0]++;
    }
    free(pixels);
    return NULL;
}

int main(int argc, char **argv) {
    path = model_path(argc, argv);
    long rounds = argc > 2 ? atol(argv[2]) : 20;
    ld_model_desc desc;
    ld_model *model = load_model(argc, argv, &desc);
    if (!model) return 1;
    latent_size = (size_t)desc.latent_size;
    image_bytes = (size_t)desc.image_width * (size_t)desc.image_height * (size_t)desc.image_channels;
    if (COUNT * image_bytes > sizeof loader_expected) {
        fprintf(stderr, "images of %zu bytes are too big for this test\n", image_bytes);
        return 1;
    }

    /* The expected results, one request at a time on this thread. */
    sampler_job jobs[SAMPLERS];
    for (int t = 0; t < SAMPLERS; t++) {
        jobs[t] = (sampler_job){model, t, malloc(COUNT * latent_size * sizeof(float)), rounds, 0};
        expect_status(sample(model, t, 1, jobs[t].expected), LD_OK, "single-threaded sample");
    }
    ld_sample_params params;
    ld_sample_params_init(&params);
    params.steps = 3;
    params.seed = 7;
    params.threads = 1;
    expect_status(ld_generate(model, &params, COUNT, loader_expected, COUNT * image_bytes), LD_OK, "single-threaded generate");

    pthread_t threads[SAMPLERS + LOADERS];
    long loader_counts[LOADERS][2] = {{0, 0}};
    for (int t = 0; t < SAMPLERS; t++) pthread_create(&threads[t], NULL, run_sampler, &jobs[t]);
    for (int t = 0; t < LOADERS; t++) pthread_create(&threads[SAMPLERS + t], NULL, run_loader, loader_counts[t]);
    for (int t = 0; t < SAMPLERS + LOADERS; t++) pthread_join(threads[t], NULL);

    long mismatches = 0, loads = 0;
    for (int t = 0; t < SAMPLERS; t++) {
        mismatches += jobs[t].mismatches;
        free(jobs[t].expected);
    }
    for (int t = 0; t < LOADERS; t++) {
        loads += loader_counts[t][0];
        mismatches += loader_counts[t][1];
    }
    printf("%d sampling threads x %ld rounds and %d loading threads (%ld loads, generate, free): %ld results "
           "differ from the single-threaded ones\n", SAMPLERS, rounds, LOADERS, loads, mismatches);
    CHECK(mismatches == 0, "%ld results differ or failed", mismatches);
    ld_model_free(model);
    return finish("stress");
}
