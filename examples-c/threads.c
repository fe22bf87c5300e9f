/* Four pthreads sample from one model at once; each result must equal, bit for bit, the result
 * of the same request made alone on one thread.   ./threads [MODEL] */
#include "check.h"

#include <pthread.h>
#include <stdlib.h>

enum { THREADS = 4, COUNT = 6 };

typedef struct {
    const ld_model *model;
    uint64_t seed;
    int32_t workers;
    float *out;
    ld_status status;
} job;

static size_t latent_size;

static void *run(void *argument) {
    job *j = argument;
    int32_t labels[COUNT];
    for (int i = 0; i < COUNT; i++) labels[i] = (int32_t)((j->seed + i) % 10);
    ld_sample_params params;
    ld_sample_params_init(&params);
    params.seed = j->seed;
    params.steps = 8;
    params.guidance = 1.5f;
    params.labels = labels;
    params.threads = j->workers;
    j->status = ld_sample_latents(j->model, &params, COUNT, j->out, COUNT * latent_size * sizeof(float));
    return NULL;
}

int main(int argc, char **argv) {
    ld_model_desc desc;
    ld_model *model = load_model(argc, argv, &desc);
    if (!model) return 1;
    latent_size = (size_t)desc.latent_size;

    job alone[THREADS], together[THREADS];
    for (int t = 0; t < THREADS; t++) {
        alone[t] = (job){model, 100 + (uint64_t)t, 1, malloc(COUNT * latent_size * sizeof(float)), LD_OK};
        together[t] = (job){model, 100 + (uint64_t)t, 2, malloc(COUNT * latent_size * sizeof(float)), LD_OK};
        run(&alone[t]);
        expect_status(alone[t].status, LD_OK, "single-threaded sample");
    }
    pthread_t threads[THREADS];
    for (int t = 0; t < THREADS; t++) pthread_create(&threads[t], NULL, run, &together[t]);
    for (int t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);
    for (int t = 0; t < THREADS; t++) {
        expect_status(together[t].status, LD_OK, "concurrent sample");
        CHECK(memcmp(alone[t].out, together[t].out, COUNT * latent_size * sizeof(float)) == 0,
              "thread %d: concurrent result differs from the single-threaded one", t);
        free(alone[t].out);
        free(together[t].out);
    }
    printf("%d threads x %d samples: every result equals the single-threaded one bit for bit\n", THREADS, COUNT);
    ld_model_free(model);
    return finish("threads");
}
