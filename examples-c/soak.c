/* Loads, samples (generates one image) and frees a model CYCLES times in one process; memory use
 * must stay flat: the resident set size (from /proc/self/statm) after the last cycle may exceed
 * that after the first by at most 4 MiB, and every cycle must give the same pixels.
 * Under AddressSanitizer freed memory waits in its quarantine, so the RSS is shown, not checked.
 *   ./soak [MODEL] [CYCLES]   (default: the fixture model, 1000 cycles) */
#include "check.h"

#include <stdlib.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* Resident set size in KiB; 0 if /proc is not there. */
static long resident_kib(void) {
    long size = 0, resident = 0;
    FILE *file = fopen("/proc/self/statm", "r");
    if (!file) return 0;
    if (fscanf(file, "%ld %ld", &size, &resident) != 2) resident = 0;
    fclose(file);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* One load -> info -> generate -> free cycle into `pixels` (NULL: just the size into *bytes). */
static ld_status cycle(const char *path, uint8_t *pixels, size_t *bytes) {
    ld_model *model = NULL;
    ld_status status = ld_model_load(path, &model);
    if (status != LD_OK) return status;
    ld_model_desc desc;
    status = ld_model_info(model, &desc);
    *bytes = (size_t)desc.image_width * (size_t)desc.image_height * (size_t)desc.image_channels;
    if (status == LD_OK && pixels) {
        int32_t label = desc.class_count > 0 ? 4 : -1;
        ld_sample_params params;
        ld_sample_params_init(&params);
        params.steps = 4;
        params.seed = 99;
        params.labels = &label;
        params.threads = 2;
        status = ld_generate(model, &params, 1, pixels, *bytes);
    }
    ld_model_free(model);
    return status;
}

int main(int argc, char **argv) {
    const char *path = model_path(argc, argv);
    long cycles = argc > 2 ? atol(argv[2]) : 1000;
    size_t bytes = 0;
    long before = resident_kib();
    if (cycle(path, NULL, &bytes) != LD_OK || cycles < 1) {
        fprintf(stderr, "cannot load %s: %s\n", path, ld_last_error());
        return 1;
    }
    uint8_t *first = malloc(bytes), *pixels = malloc(bytes);
    long start = 0;
    for (long i = 0; i < cycles; i++) {
        ld_status status = cycle(path, i == 0 ? first : pixels, &bytes);
        if (status != LD_OK) {
            CHECK(0, "cycle %ld: %s: %s", i, ld_status_string(status), ld_last_error());
            break;
        }
        if (i == 0) start = resident_kib();
        else CHECK(memcmp(first, pixels, bytes) == 0, "cycle %ld made different pixels", i);
        if ((i + 1) % (cycles >= 5 ? cycles / 5 : 1) == 0) printf("  after %4ld cycles: RSS %ld KiB\n", i + 1, resident_kib());
    }
    long end = resident_kib();
    printf("RSS before loading %ld KiB, after the first cycle %ld KiB, after %ld cycles %ld KiB (%+ld KiB)\n",
           before, start, cycles, end, end - start);
#ifndef UNDER_ASAN
    CHECK(end - start <= 4096, "memory grew by %ld KiB over %ld cycles", end - start, cycles);
#endif
    free(first);
    free(pixels);
    return finish("soak");
}
