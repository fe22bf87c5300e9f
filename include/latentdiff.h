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
 * damaged (a header announcing more pixels than the file could hold is refused before anything
 * is allocated); LD_ERR_OUT_OF_MEMORY for an image over 1 GiB of pixels. On failure *out_pixels
 * is not written. */
ld_status ld_read_png(const char *path, int32_t channels, uint8_t **out_pixels, int32_t *out_width,
                      int32_t *out_height, int32_t *out_channels);

/* Frees a buffer returned by ld_read_png. NULL is a no-op. */
void ld_free_pixels(uint8_t *pixels);

/* Writes `count` images of width x height x channels, stored one after another in `pixels`
 * (count * height * width * channels bytes, each image (H, W, C)), as one grid PNG with `columns`
 * images a row (0 picks a near-square grid) and a 2-pixel gap between images. Atomic like
 * ld_write_png. Returns LD_OK; LD_ERR_INVALID_ARGUMENT for NULL pointers or sizes out of range;
 * LD_ERR_IO if the file cannot be written. */
ld_status ld_write_grid_png(const char *path, const uint8_t *pixels, int32_t count, int32_t width,
                            int32_t height, int32_t channels, int32_t columns);

/* ---- Data sets ----------------------------------------------------------------------------- */

enum {
    LD_SPLIT_TRAIN = 0, /* MNIST train-*, CIFAR-10 data_batch_1..5 */
    LD_SPLIT_TEST = 1   /* MNIST t10k-*, CIFAR-10 test_batch */
};

/* Reads one split of a data set from `directory` and validates every byte of it, as training would
 * read it, then releases it: a check to run before a long training job, or on files from elsewhere.
 * `kind` is "mnist" (the IDX files {train,t10k}-images-idx3-ubyte and {train,t10k}-labels-idx1-ubyte)
 * or "cifar10" (data_batch_1.bin .. data_batch_5.bin, whichever exist, or test_batch.bin, and an
 * optional batches.meta.txt naming the ten classes); each file plain or gzip-compressed (`name` or
 * `name.gz`). On success *out_count (if not NULL) is the number of images in the split.
 * Returns LD_OK; LD_ERR_INVALID_ARGUMENT for a NULL directory or kind, an unknown kind or a split
 * other than LD_SPLIT_*; LD_ERR_IO if the directory or a file is missing or unreadable;
 * LD_ERR_FORMAT if a file is truncated, damaged, holds a label out of range or more than 1 GiB of
 * pixels (the message names the file). On failure *out_count is not written. */
ld_status ld_dataset_check(const char *directory, const char *kind, int32_t split, int64_t *out_count);

/* ---- Models -------------------------------------------------------------------------------- */

/* A trained model: codec (image <-> latent), denoiser, noise schedule and configuration, loaded from
 * one .safetensors file. Opaque. A loaded model is read-only: any number of threads may call the
 * functions below on the same model at once; only ld_model_free must not race with them. */
typedef struct ld_model ld_model;

/* Loads the model file `path`. The header is checked against the file's size before the tensors
 * are read, so a damaged or hostile file costs no more memory than it holds. On success
 * *out_model owns the new model; free it with ld_model_free. Returns LD_OK;
 * LD_ERR_INVALID_ARGUMENT for NULL arguments; LD_ERR_IO if the file cannot be read;
 * LD_ERR_FORMAT if it is not a LatentDiff model (truncated, damaged, wrong tensors, a training
 * checkpoint, or a configuration this version does not understand); LD_ERR_UNSUPPORTED for a
 * tensor type it does not read; LD_ERR_OUT_OF_MEMORY for more than 2 GiB of tensors. On failure
 * *out_model is not written. */
ld_status ld_model_load(const char *path, ld_model **out_model);

/* Frees a model from ld_model_load and everything it owns (including strings from ld_model_info).
 * Freeing the last loaded model also returns the library's cache of scratch buffers to the system.
 * NULL is a no-op. */
void ld_model_free(ld_model *model);

/* What a model makes and how it is built. Strings belong to the model: valid until ld_model_free. */
typedef struct {
    size_t struct_size;          /* set by the caller to sizeof(ld_model_desc) */
    int32_t image_width;         /* pixels of one generated image */
    int32_t image_height;
    int32_t image_channels;      /* 1 (gray) or 3 (RGB) */
    int32_t latent_rank;         /* dimensions of one latent: 1 (vector) or 3 (C, H, W) */
    int32_t latent_shape[4];     /* the first latent_rank entries are used */
    int32_t latent_size;         /* floats in one latent: the product of latent_shape */
    int32_t class_count;         /* classes for conditional sampling; 0 for an unconditional model */
    const char *codec_kind;      /* "identity", "pca", "vae-mlp" or "vae-cnn" */
    const char *dataset;         /* "mnist" or "cifar10" */
    int64_t training_steps;      /* denoiser updates the model was trained for */
    const char *config_json;     /* the full configuration as stored in the file (JSON) */
} ld_model_desc;

/* Fills *out_desc for `model`. Set out_desc->struct_size = sizeof(ld_model_desc) first: the
 * library fills only the fields that fit, so older callers keep working as fields are appended.
 * Returns LD_OK; LD_ERR_INVALID_ARGUMENT for NULL arguments or a struct_size smaller than the
 * first version of the struct. */
ld_status ld_model_info(const ld_model *model, ld_model_desc *out_desc);

/* ---- Sampling ------------------------------------------------------------------------------ */

/* Called after every sampling step on the thread that called the sampling function, with the steps
 * done and the total. Return 0 to continue, nonzero to cancel: the call then returns
 * LD_ERR_CANCELLED and leaves its output buffer untouched. */
typedef int32_t (*ld_progress_fn)(int32_t step, int32_t total, void *user_data);

enum {
    LD_SAMPLER_DPM_SOLVER = 0, /* DPM-Solver++(2M), good at 10-25 steps (the default) */
    LD_SAMPLER_DDIM = 1,       /* DDIM, with stochasticity eta */
    LD_SAMPLER_DDPM = 2,       /* ancestral DDPM on a respaced schedule */
    LD_SAMPLER_EULER = 3,      /* Euler on the probability-flow ODE, Karras et al.'s step spacing */
    LD_SAMPLER_EULER_ANCESTRAL = 4, /* Euler with fresh noise each step, Karras spacing */
    LD_SAMPLER_HEUN = 5,       /* Heun's 2nd-order method, Karras spacing: 2 model calls a step */
    LD_SAMPLER_DPM_SOLVER_3M = 6 /* DPM-Solver++(3M), 3rd-order multistep: pays from ~15 steps */
};

typedef struct {
    size_t struct_size;        /* sizeof(ld_sample_params); set by ld_sample_params_init */
    int32_t sampler;           /* LD_SAMPLER_*; default LD_SAMPLER_DPM_SOLVER */
    int32_t steps;             /* denoising steps, 1..T (T = 1000 usually); default 20 */
    float eta;                 /* DDIM stochasticity in [0, 1]; default 0 */
    float guidance;            /* classifier-free guidance scale in [0, 100]: output =
                                  u + guidance * (c - u); 1 = conditional only; default 1 */
    uint64_t seed;             /* the noise of sample i is keyed by (seed, first_index + i) */
    const int32_t *labels;     /* NULL = unconditional, or `count` class labels in
                                  0..class_count-1 (-1 = no class for that sample); only read
                                  during the call */
    int32_t threads;           /* worker threads; 0 = one per CPU core; default 0 */
    ld_progress_fn progress;   /* NULL = no progress reports */
    void *user_data;           /* passed to progress */
    int64_t first_index;       /* index of the first sample (for splitting a run); default 0 */
} ld_sample_params;

/* Fills *params with the defaults above and struct_size. NULL is a no-op. */
void ld_sample_params_init(ld_sample_params *params);

/* Samples `count` latents into `out_latents` (count * latent_size floats, caller-owned), in the
 * model's latent units (what ld_decode takes and ld_encode returns). The same model, parameters and
 * seed give the same bits whatever `count`, `threads` or the machine's load: sample i depends only
 * on (seed, first_index + i, labels[i]). Returns LD_OK; LD_ERR_INVALID_ARGUMENT for NULL pointers,
 * count outside 1..65536, params with a struct_size the library does not know, a bad sampler,
 * steps, eta, guidance or label; LD_ERR_CANCELLED if the progress callback cancelled (out_latents
 * untouched); LD_ERR_NUMERIC if the model produced NaN or infinity. */
ld_status ld_sample_latents(const ld_model *model, const ld_sample_params *params, int32_t count,
                            float *out_latents);

/* Decodes `count` latents (count * latent_size floats) into 8-bit images written to `out_pixels`
 * (count * image_height * image_width * image_channels bytes, caller-owned, each image (H, W, C)).
 * Returns LD_OK; LD_ERR_INVALID_ARGUMENT for NULL pointers or count outside 1..65536;
 * LD_ERR_NUMERIC if a latent holds NaN or infinity. */
ld_status ld_decode(const ld_model *model, const float *latents, int32_t count, uint8_t *out_pixels);

/* Encodes `count` 8-bit images (same layout as ld_decode's output) into latents written to
 * `out_latents` (count * latent_size floats, caller-owned); a VAE codec returns its posterior mean.
 * Returns LD_OK; LD_ERR_INVALID_ARGUMENT for NULL pointers or count outside 1..65536. */
ld_status ld_encode(const ld_model *model, const uint8_t *pixels, int32_t count, float *out_latents);

/* ld_sample_latents then ld_decode in one call: `count` images into `out_pixels` (count *
 * image_height * image_width * image_channels bytes, caller-owned). Same returns as both. */
ld_status ld_generate(const ld_model *model, const ld_sample_params *params, int32_t count,
                      uint8_t *out_pixels);

#ifdef __cplusplus
}
#endif

#endif /* LATENTDIFF_H */
