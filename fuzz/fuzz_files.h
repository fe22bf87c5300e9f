/* What the fuzz targets share: the library reads files, so each input is written to a file in a
 * private temporary directory (one per process, made on first use) before the call under test. */
#ifndef FUZZ_FILES_H
#define FUZZ_FILES_H

#define _DEFAULT_SOURCE /* mkdtemp */
#include <latentdiff.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The process's scratch directory, e.g. /tmp/ldfuzz-XXXXXX. */
static const char *fuzz_directory(void) {
    static char directory[64] = "";
    if (!directory[0]) {
        const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(directory, sizeof directory, "%s/ldfuzz-XXXXXX", base);
        if (!mkdtemp(directory)) {
            perror("mkdtemp");
            abort();
        }
    }
    return directory;
}

/* Writes `size` bytes to `name` in the scratch directory (a NULL `data` removes the file) and
 * returns the full path in `path`. */
static void fuzz_write(const char *name, const uint8_t *data, size_t size, char *path, size_t capacity) {
    snprintf(path, capacity, "%s/%s", fuzz_directory(), name);
    unlink(path);
    if (!data) return;
    FILE *file = fopen(path, "wb");
    if (!file || (size && fwrite(data, 1, size, file) != size) || fclose(file) != 0) {
        perror(path);
        abort();
    }
}

/* A status the function under test may return for a bad file: any documented error except
 * LD_ERR_INTERNAL (a bug) and LD_ERR_INVALID_ARGUMENT (the harness passes valid arguments). */
static void fuzz_expect_file_error(ld_status status, const char *what) {
    if (status == LD_ERR_INTERNAL || status == LD_ERR_INVALID_ARGUMENT || status > 0 ||
        status < LD_ERR_NUMERIC) {
        fprintf(stderr, "%s: unexpected %s (%d): %s\n", what, ld_status_string(status), status, ld_last_error());
        abort();
    }
}

#endif
