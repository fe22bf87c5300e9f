/*
 * latentdiff.h — the C interface of LatentDiff, a small latent-diffusion engine.
 *
 * Link with -lLatentDiff (or `pkg-config --cflags --libs latentdiff` against a dist/ build).
 *
 * Conventions, true of every function below:
 *   - Functions that can fail return an ld_status: LD_OK (0) on success, a negative LD_ERR_* code
 *     otherwise. On failure, ld_last_error() returns a human-readable reason on the calling thread
 *     and every output argument is left untouched.
 *   - No function aborts or traps the host process, whatever its arguments: NULL pointers, bad sizes
 *     and bad files are reported as status codes.
 *   - Every buffer the library allocates for the caller says which function frees it. Buffers the
 *     caller passes in are only read (const) or written, never kept after the call returns.
 *   - Enum values and struct fields are only ever appended; existing ones never change.
 */
#ifndef LATENTDIFF_H
#define LATENTDIFF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Version ------------------------------------------------------------------------------- */

#define LD_VERSION_MAJOR 0
#define LD_VERSION_MINOR 1
#define LD_VERSION_PATCH 0
#define LD_VERSION_STRING "0.1.0"

/* The library's version as "MAJOR.MINOR.PATCH" (compare with LD_VERSION_STRING to detect a header
 * and library mismatch). Returns a static string: never NULL, never to be freed. Thread-safe. */
const char *ld_version(void);

/* ---- Status codes -------------------------------------------------------------------------- */

typedef int32_t ld_status;
enum {
    LD_OK = 0,
    LD_ERR_INVALID_ARGUMENT = -1, /* a NULL pointer, a size or count out of range, a bad parameter */
    LD_ERR_IO = -2,               /* a file could not be opened, read, written or renamed */
    LD_ERR_FORMAT = -3,           /* a file is not what it claims: not a PNG, a damaged model ... */
    LD_ERR_OUT_OF_MEMORY = -4,    /* an allocation failed or would exceed the library's limits */
    LD_ERR_UNSUPPORTED = -5,      /* valid input the library does not handle (yet) */
    LD_ERR_CANCELLED = -6,        /* a progress callback returned nonzero */
    LD_ERR_INTERNAL = -7,         /* a bug in LatentDiff: please report it with ld_last_error() */
    LD_ERR_NUMERIC = -8           /* a computation produced NaN or infinity */
};

/* The name of a status code ("LD_OK", "LD_ERR_IO", ...), or "LD_ERR_UNKNOWN" for a value not in
 * the list. Returns a static string: never NULL, never to be freed. Thread-safe. */
const char *ld_status_string(ld_status status);

/* The reason for the most recent failure of an ld_* call on the calling thread, or "" if none has
 * failed on this thread. The string belongs to the library and stays valid until the next failing
 * ld_* call on the same thread; copy it to keep it. Never NULL. Thread-safe (one text per thread). */
const char *ld_last_error(void);

/* ---- PNG images ---------------------------------------------------------------------------- */
/* Pixels are 8-bit, rows top to bottom, channels interleaved (H, W, C): channels 1 = gray,
 * 2 = gray + alpha, 3 = RGB, 4 = RGBA. */

/* Writes a width x height image with `channels` channels from `pixels` (width * height * channels
 * bytes) to the PNG file `path`. The file is written to a temporary name beside it and renamed, so
 * `path` holds the old content or the whole new image, never a part.
 * Returns LD_OK; LD_ERR_INVALID_ARGUMENT for NULL pointers, channels outside 1..4 or a size outside
 * 1..1048576 per side; LD_ERR_IO if the file cannot be written (the message names the path). */
ld_status ld_write_png(const char *path, const uint8_t *pixels, int32_t width, int32_t height,
                       int32_t channels);

/* Reads the PNG file `path` into a new buffer of width * height * channels bytes (H, W, C).
 * `channels` 1..4 converts to that many channels; 0 keeps the file's own layout. On success,
 * *out_pixels owns the buffer (free it with ld_free_pixels) and *out_width, *out_height and
 * *out_channels describe it; any of the three size pointers may be NULL if not wanted.
 * Returns LD_OK; LD_ERR_INVALID_ARGUMENT for NULL path/out_pixels or channels outside 0..4;
 * LD_ERR_IO if the file cannot be opened; LD_ERR_FORMAT if it is not a PNG or is truncated or
 * damaged. On failure *out_pixels is not written. */
ld_status ld_read_png(const char *path, int32_t channels, uint8_t **out_pixels, int32_t *out_width,
                      int32_t *out_height, int32_t *out_channels);

/* Frees a buffer returned by ld_read_png. NULL is a no-op. */
void ld_free_pixels(uint8_t *pixels);

#ifdef __cplusplus
}
#endif

#endif /* LATENTDIFF_H */
