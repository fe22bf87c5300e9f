/* Small checking helpers shared by the examples: CHECK counts failures, expect_status compares a
 * status with the expected one and prints the library's message for errors. */
#ifndef EXAMPLES_CHECK_H
#define EXAMPLES_CHECK_H

#include <latentdiff.h>

#include <stdio.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);            \
            fprintf(stderr, __VA_ARGS__);                                  \
            fprintf(stderr, "\n");                                         \
            failures++;                                                    \
        }                                                                  \
    } while (0)

/* Expects `status` to equal `expected`; for an error, also a non-empty ld_last_error(). */
static inline void expect_status(ld_status status, ld_status expected, const char *what) {
    CHECK(status == expected, "%s: got %s, expected %s (%s)", what, ld_status_string(status),
          ld_status_string(expected), ld_last_error());
    if (expected != LD_OK) {
        CHECK(strlen(ld_last_error()) > 0, "%s: no error message", what);
        printf("  %-44s -> %s: %s\n", what, ld_status_string(status), ld_last_error());
    }
}

/* Whether all `n` bytes at `p` are `value` (a buffer or guard a call must not have written). */
static inline int all_bytes(const void *p, size_t n, uint8_t value) {
    const uint8_t *bytes = p;
    for (size_t i = 0; i < n; i++)
        if (bytes[i] != value) return 0;
    return 1;
}

/* Prints the result and returns the process exit status. */
static inline int finish(const char *name) {
    if (failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}

/* The model the examples load: argv[1], or the tiny fixture model of the repository. */
static inline const char *model_path(int argc, char **argv) {
    return argc > 1 ? argv[1] : "../../Tests/Fixtures/models/tiny-mnist.safetensors";
}

/* Loads the model of model_path() and fills *desc; prints the reason and returns NULL on failure. */
static inline ld_model *load_model(int argc, char **argv, ld_model_desc *desc) {
    ld_model *model = NULL;
    if (ld_model_load(model_path(argc, argv), &model) != LD_OK) {
        fprintf(stderr, "cannot load %s: %s\n", model_path(argc, argv), ld_last_error());
        return NULL;
    }
    expect_status(ld_model_info(model, desc), LD_OK, "info");
    return model;
}

#endif
