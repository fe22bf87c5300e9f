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
 *   - Versioned structs (ld_sample_params, ld_codec_params, ld_model_desc) start with
 *     `size_t struct_size` and travel with the caller's sizeof, passed by the static inline
 *     wrappers below (ld_sample_params_init, ld_codec_params_init, ld_model_info) to the exported
 *     *_sized functions. The library reads and writes exactly min(caller's size, its own) bytes:
 *       - a caller struct smaller than the library's (built against an older header) gets the
 *         defaults for the fields it lacks; one smaller than the first version of the struct is
 *         refused with LD_ERR_INVALID_ARGUMENT;
 *       - an input struct larger than the library's (built against a newer header) is accepted
 *         only if every byte past the library's size is zero (a newer field left at its default),
 *         else refused with LD_ERR_UNSUPPORTED and a message naming the offset of the first
 *         non-zero byte; an output struct's bytes past the library's size are set to zero.
 *     Sizes over 65536 bytes are refused with LD_ERR_INVALID_ARGUMENT.
 *   - Every function that writes into a caller's buffer takes its capacity as `size_t out_size`,
 *     in BYTES (for float buffers too: count * latent_size * sizeof(float)), and refuses a buffer
 *     smaller than the request needs with LD_ERR_INVALID_ARGUMENT and a message giving the bytes
 *     needed, before writing anything. A larger buffer is fine: bytes past the result are untouched.
 *   - Enum types name the values; struct fields stay fixed-width int32_t and say which enum they
 *     hold.
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
#define LD_VERSION_MINOR 2
#define LD_VERSION_PATCH 0
#define LD_VERSION_STRING "0.2.0"

/* The ABI generation this header describes. 1 is the ABI of 0.2.0, the first with versioned
 * struct sizes and buffer capacities (0.1.x, the unversioned `libLatentDiff.so`, counts as 0).
 * The library's SONAME is libLatentDiff.so.<LD_ABI_VERSION - 1>, so ABI 1 is libLatentDiff.so.0:
 * releases that only append functions, enum values or struct fields keep both numbers; a break
 * would raise both. */
#define LD_ABI_VERSION 1

/* The library's version as "MAJOR.MINOR.PATCH" (compare with LD_VERSION_STRING to detect a header
 * and library mismatch). Returns a static string: never NULL, never to be freed. Thread-safe. */
const char *ld_version(void);

/* The library's LD_ABI_VERSION. A program may check ld_abi_version() == LD_ABI_VERSION at start-up
 * (the dynamic loader already refuses a library of another SONAME). Never fails. Thread-safe. */
int32_t ld_abi_version(void);

/* ---- Status codes -------------------------------------------------------------------------- */

typedef enum {
    LD_OK = 0,
    LD_ERR_INVALID_ARGUMENT = -1, /* a NULL pointer, a size or count out of range, a bad parameter */
    LD_ERR_IO = -2,               /* a file could not be opened, read, written or renamed */
    LD_ERR_FORMAT = -3,           /* a file is not what it claims: not a PNG, a damaged model ... */
    LD_ERR_OUT_OF_MEMORY = -4,    /* an allocation failed or would exceed the library's limits */
    LD_ERR_UNSUPPORTED = -5,      /* valid input the library does not handle (yet) */
    LD_ERR_CANCELLED = -6,        /* a progress callback returned nonzero */
    LD_ERR_INTERNAL = -7,         /* a bug in LatentDiff: please report it with ld_last_error() */
    LD_ERR_NUMERIC = -8           /* a computation produced NaN or infinity */
} ld_status;

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

/* Frees a buffer the library allocated for the caller and says so (ld_encode_png,
 * ld_sample_params_json). NULL is a no-op. */
void ld_free_buffer(void *buffer);

/* Writes `count` images of width x height x channels, stored one after another in `pixels`
 * (count * height * width * channels bytes, each image (H, W, C)), as one grid PNG with `columns`
 * images a row (0 picks a near-square grid) and a 2-pixel gap between images. Atomic like
 * ld_write_png. Returns LD_OK; LD_ERR_INVALID_ARGUMENT for NULL pointers or sizes out of range;
 * LD_ERR_IO if the file cannot be written. */
ld_status ld_write_grid_png(const char *path, const uint8_t *pixels, int32_t count, int32_t width,
                            int32_t height, int32_t channels, int32_t columns);

/* Encodes a width x height image with `channels` channels from `pixels` (width * height * channels
 * bytes, (H, W, C)) as PNG into a new buffer: the bytes ld_write_png would write, for a host that
 * stores or sends images its own way. `text_count` text chunks go after the header, chunk i
 * holding text_keys[i] (1-79 printable ASCII characters) and text_values[i] (UTF-8): a tEXt chunk
 * when every character is in Latin-1, else an uncompressed iTXt chunk keeping the UTF-8 text,
 * e.g. "parameters" -> ld_sample_params_json's JSON; text_keys and
 * text_values may be NULL when text_count is 0. On success *out_png owns the *out_png_size bytes
 * (free them with ld_free_buffer). Returns LD_OK; LD_ERR_INVALID_ARGUMENT for NULL pixels,
 * out_png or out_png_size, channels outside 1..4, a size outside 1..1048576 per side, a negative
 * text_count or over 1024, NULL keys or values with text_count > 0, or a NULL or bad keyword;
 * LD_ERR_OUT_OF_MEMORY if the buffer cannot be allocated. On failure the outputs are not written. */
ld_status ld_encode_png(const uint8_t *pixels, int32_t width, int32_t height, int32_t channels,
                        const char *const *text_keys, const char *const *text_values, int32_t text_count,
                        uint8_t **out_png, size_t *out_png_size);

/* ---- Data sets ----------------------------------------------------------------------------- */

typedef enum {
    LD_SPLIT_TRAIN = 0, /* MNIST train-*, CIFAR-10 data_batch_1..5, a folder's other 90% */
    LD_SPLIT_TEST = 1   /* MNIST t10k-*, CIFAR-10 test_batch, a folder's images whose relative path
                           hashes (FNV-1a 64) to 0 mod 10; a pack stores each image's split */
} ld_split;

/* Reads one split of a data set from `directory` and validates every byte of it, as training would
 * read it, then releases it: a check to run before a long training job, or on files from elsewhere.
 * `kind` is "mnist" (the IDX files {train,t10k}-images-idx3-ubyte and {train,t10k}-labels-idx1-ubyte)
 * or "cifar10" (data_batch_1.bin .. data_batch_5.bin, whichever exist, or test_batch.bin, and an
 * optional batches.meta.txt naming the ten classes), each file plain or gzip-compressed (`name` or
 * `name.gz`); "folder": a folder of PNG and JPEG images of any size, read recursively, labelled by
 * sub-folder when its images sit in sub-folders (broken images are skipped; an image over 64
 * megapixels is refused from its header); or "pack": `directory` is then the path of a packed
 * image cache (.ldpack, `latentdiff data pack`). On success *out_count (if not NULL) is the number
 * of images in the split.
 * Returns LD_OK; LD_ERR_INVALID_ARGUMENT for a NULL directory or kind, an unknown kind or a split
 * other than an ld_split value; LD_ERR_IO if the directory or a file is missing or unreadable;
 * LD_ERR_FORMAT if a file is truncated, damaged, holds a label out of range or more than 1 GiB of
 * pixels, if a folder holds no readable image, or a pack is damaged (the message names the file).
 * On failure *out_count is not written. */
ld_status ld_dataset_check(const char *directory, const char *kind, ld_split split, int64_t *out_count);

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

/* Loads a model from the `size` bytes at `data` (the contents of a .safetensors model file), with
 * the same parser and the same checks as ld_model_load: a host may read files its own way, from
 * an archive or the network. `data` is only read during the call; the model keeps its own copy of
 * the tensors, so the caller may free `data` as soon as the call returns. On success *out_model
 * owns the new model; free it with ld_model_free. Returns LD_OK; LD_ERR_INVALID_ARGUMENT for NULL
 * data or out_model; LD_ERR_FORMAT, LD_ERR_UNSUPPORTED and LD_ERR_OUT_OF_MEMORY as ld_model_load
 * (the message calls the buffer "<memory>"). On failure *out_model is not written. */
ld_status ld_model_load_from_memory(const void *data, size_t size, ld_model **out_model);

/* Frees a model from ld_model_load or ld_model_load_from_memory and everything it owns (including strings from ld_model_info).
 * Freeing the last loaded model also returns the library's cache of scratch buffers to the system.
 * NULL is a no-op. */
void ld_model_free(ld_model *model);

/* What a model makes and how it is built. Strings belong to the model: valid until ld_model_free. */
typedef struct {
    size_t struct_size;          /* written by the library: the bytes it filled,
                                    min(sizeof(ld_model_desc) of the caller, of the library) */
    int32_t image_width;         /* pixels of one generated image */
    int32_t image_height;
    int32_t image_channels;      /* 1 (gray) or 3 (RGB) */
    int32_t latent_rank;         /* dimensions of one latent: 1 (vector) or 3 (C, H, W) */
    int32_t latent_shape[4];     /* the first latent_rank entries are used */
    int32_t latent_size;         /* floats in one latent: the product of latent_shape */
    int32_t class_count;         /* classes for conditional sampling; 0 for an unconditional model */
    const char *codec_kind;      /* "identity", "pca", "vae-mlp" or "vae-cnn" */
    const char *dataset;         /* the data set's name, free text (e.g. "mnist", "folder") */
    int64_t training_steps;      /* denoiser updates the model was trained for */
    const char *config_json;     /* the full configuration as stored in the file (JSON) */
    /* 0.2.0 */
    int32_t timesteps;           /* T of the noise schedule: ld_sample_params.steps is 1..T */
    int32_t image_bytes;         /* bytes of one decoded image: image_height * image_width *
                                    image_channels (the out_size of ld_decode is count times this) */
    /* Appended after 0.2.0: the sampling settings the model recommends, stored in its file
     * (`latentdiff model-defaults` sets them); ld_sample_params_init_for_model copies them. A file
     * without them gives 1, 20 and LD_SAMPLER_DPM_SOLVER. */
    float default_guidance;      /* classifier-free guidance scale; 1 for unconditional models */
    int32_t default_steps;       /* denoising steps, 1..timesteps */
    int32_t default_sampler;     /* an ld_sampler */
    const char *const *class_names; /* class_count names, class_names[label] the name of class
                                    label (UTF-8, e.g. "0".."9" for MNIST, "airplane".. for
                                    CIFAR-10, an image folder's sub-folder names); NULL when
                                    class_count is 0. Array and strings belong to the model. */
    /* Appended with ld_sample_params' spacing and guidance refinements: the rest of the stored
     * sampling settings, as ld_sample_params_init_for_model copies them (0 each when the file
     * stores none). */
    int32_t default_spacing;     /* an ld_spacing; LD_SPACING_DEFAULT: the sampler's own */
    float default_guidance_interval_low;  /* the band [low, high] of noise levels sigma/alpha */
    float default_guidance_interval_high; /* guided (ld_sample_params.guidance_interval_low);
                                             0 and 0: guidance at every step */
    float default_guidance_rescale; /* phi in [0, 1]; 0: off */
    /* Appended with ld_sample_params' autoguidance: the file's guide denoiser and weight. */
    float default_autoguidance;  /* the stored autoguidance weight w >= 0 (ld_sample_params.
                                    autoguidance); 0: off, and always 0 when has_guide is 0 */
    int32_t has_guide;           /* 1 when the file holds a guide denoiser (`latentdiff
                                    attach-guide`), so that autoguidance may be nonzero; else 0 */
} ld_model_desc;

/* Fills the first `desc_size` bytes of *out_desc for `model` (call it through ld_model_info, which
 * passes sizeof *out_desc). A desc_size smaller than the library's struct fills the fields that
 * fit (a struct of 0.1.0 gets every 0.1.0 field); a larger one has its bytes past the library's
 * struct set to zero. Returns LD_OK; LD_ERR_INVALID_ARGUMENT for NULL arguments, or a desc_size
 * smaller than the 0.1.0 struct (up to config_json) or over 65536. On failure *out_desc is not
 * written. */
ld_status ld_model_info_sized(const ld_model *model, ld_model_desc *out_desc, size_t desc_size);

static inline ld_status ld_model_info(const ld_model *model, ld_model_desc *out_desc) {
    return ld_model_info_sized(model, out_desc, sizeof *out_desc);
}

/* ---- Threads ------------------------------------------------------------------------------- */

/* Sets the process-wide cap on the threads one call of this library uses: 1..1024, or 0 for one
 * per online CPU core (the default). Every call's `threads` setting (0 = the cap) is then
 * min(requested, cap), and every operation inside the call (matrix products, convolutions,
 * element-wise loops) runs on at most that many threads: a call with threads = 1 runs wholly on
 * the calling thread. Calls already running keep the count they started with. Returns LD_OK;
 * LD_ERR_INVALID_ARGUMENT for a value outside 0..1024. Thread-safe. */
ld_status ld_set_max_threads(int32_t max_threads);

/* The cap in force (at least 1: 0 was resolved to the number of cores). Thread-safe. */
int32_t ld_max_threads(void);

/* ---- Sampling ------------------------------------------------------------------------------ */

/* Called on the thread that called the library function: by sampling after every step (`step`
 * steps of `total` done), by ld_decode and ld_encode after every group of images (`step` images
 * of `total` done). Return 0 to continue, nonzero to cancel: the call then returns
 * LD_ERR_CANCELLED and leaves its output buffer untouched. */
typedef int32_t (*ld_progress_fn)(int32_t step, int32_t total, void *user_data);

typedef enum {
    LD_SAMPLER_DPM_SOLVER = 0, /* DPM-Solver++(2M), good at 10-25 steps (the default) */
    LD_SAMPLER_DDIM = 1,       /* DDIM, with stochasticity eta */
    LD_SAMPLER_DDPM = 2,       /* ancestral DDPM on a respaced schedule */
    LD_SAMPLER_EULER = 3,      /* Euler on the probability-flow ODE, Karras et al.'s step spacing */
    LD_SAMPLER_EULER_ANCESTRAL = 4, /* Euler with fresh noise each step, Karras spacing */
    LD_SAMPLER_HEUN = 5,       /* Heun's 2nd-order method, Karras spacing: 2 model calls a step */
    LD_SAMPLER_DPM_SOLVER_3M = 6 /* DPM-Solver++(3M), 3rd-order multistep: pays from ~15 steps */
} ld_sampler;

/* The sampler's short name, as the command line spells it: "dpm++", "ddim", "ddpm", "euler",
 * "euler-a", "heun", "dpm++3m". Returns a static string (never to be freed), or NULL for a value
 * that is not an ld_sampler this library knows. Thread-safe. */
const char *ld_sampler_name(ld_sampler sampler);

/* The sampler named `name` (one of ld_sampler_name's names, exact and lower-case) into
 * *out_sampler. Returns LD_OK; LD_ERR_INVALID_ARGUMENT for NULL arguments or an unknown name (the
 * message lists the known ones), leaving *out_sampler untouched. Thread-safe. */
ld_status ld_sampler_from_name(const char *name, ld_sampler *out_sampler);

/* How the sampling steps' timesteps are spread over the schedule's T (docs/samplers.md). Levels
 * are rounded to the nearest discrete timestep and repeats merged, so a spacing may give fewer
 * steps than asked. */
typedef enum {
    LD_SPACING_DEFAULT = 0,  /* the sampler's own: logsnr for DPM-Solver++ (2M and 3M), uniform for
                                DDIM and DDPM, karras for Euler, Euler-a and Heun */
    LD_SPACING_UNIFORM = 1,  /* evenly in t from T - 1 to 0 (DDPM/DDIM respacing) */
    LD_SPACING_TRAILING = 2, /* evenly in t from T - 1 down by T / n, ending at T / n - 1 (Lin et
                                al. 2024): the last step leaves a step's worth of noise */
    LD_SPACING_LOGSNR = 3,   /* evenly in log-SNR lambda = log(alpha / sigma) */
    LD_SPACING_KARRAS = 4    /* Karras et al. (2022)'s noise levels sigma/alpha, rho = 7, from
                                sigma/alpha at t = 0 to at T - 1 (capped at 80): dense near the data */
} ld_spacing;

/* The spacing's short name, as the command line's --spacing spells it: "uniform", "trailing",
 * "logsnr", "karras"; "default" for LD_SPACING_DEFAULT (which the command line expresses by leaving
 * --spacing out, and `model-defaults` calls "sampler"). Returns a static string (never to be
 * freed), or NULL for a value that is not an ld_spacing this library knows. Thread-safe. */
const char *ld_spacing_name(ld_spacing spacing);

/* The spacing named `name` (one of ld_spacing_name's names, "default" included, exact and
 * lower-case) into *out_spacing. Returns LD_OK; LD_ERR_INVALID_ARGUMENT for NULL arguments or an
 * unknown name (the message lists the known ones), leaving *out_spacing untouched. Thread-safe. */
ld_status ld_spacing_from_name(const char *name, ld_spacing *out_spacing);

typedef struct {
    size_t struct_size;        /* the caller's sizeof(ld_sample_params); set by ld_sample_params_init */
    int32_t sampler;           /* an ld_sampler; default LD_SAMPLER_DPM_SOLVER */
    int32_t steps;             /* denoising steps, 1..T (T = 1000 usually); default 20 */
    float eta;                 /* DDIM stochasticity in [0, 1]; default 0 */
    float guidance;            /* classifier-free guidance scale in [0, 100]: output =
                                  u + guidance * (c - u); 1 = conditional only; default 1 */
    uint64_t seed;             /* the noise of sample i is keyed by (seed, first_index + i) */
    const int32_t *labels;     /* NULL = unconditional, or `count` class labels in
                                  0..class_count-1 (-1 = no class for that sample); only read
                                  during the call */
    int32_t threads;           /* threads for this call, 0..1024; 0 = the cap of ld_set_max_threads
                                  (default: one per CPU core); a larger value gets the cap; default 0 */
    ld_progress_fn progress;   /* NULL = no progress reports */
    void *user_data;           /* passed to progress */
    int64_t first_index;       /* index of the first sample (for splitting a run); default 0 */
    /* Appended after 0.2.0: editing (image to image, inpainting) and the caller's noise. Each
     * pointer is only read during the call; all of them default to NULL. */
    const float *init_noise;   /* NULL = the keyed noise; else count * latent_size floats: the x_T
                                  each sample starts from, in the sampler's standardized units
                                  (unit normal; see ld_sample_noise). Finite values only. Later
                                  noise of DDPM, Euler-a and DDIM with eta > 0 stays keyed by
                                  (seed, first_index + i, step) */
    const uint8_t *init_image; /* NULL = plain generation; else count images of image_bytes each
                                  (H, W, C), as ld_decode writes them: sample i starts from image
                                  i, encoded and re-noised by `strength` */
    const uint8_t *mask;       /* NULL = the whole image; else (needs init_image) count masks of
                                  image_height * image_width bytes: 255 = regenerate, 0 = keep,
                                  between = partly (inpainting). Only for codecs with spatial
                                  latents (latent_rank 3: identity, vae-cnn); a vector codec
                                  returns LD_ERR_UNSUPPORTED */
    float strength;            /* with init_image: how much to redraw, in [0, 1]: 0 = the image
                                  itself (re-decoded), 1 = start from pure noise (with a mask: the
                                  masked part from noise); without init_image it must be 1;
                                  default 1 */
    /* Appended after 0.2.0, after the editing fields: the step spacing and the refinements of
     * guidance (docs/samplers.md). All default to 0, which samples as before they existed. The
     * struct ends with no tail padding, so every byte up to its sizeof is a field. */
    int32_t padding;           /* ignored, 0 from the init functions: the 4 bytes that were tail
                                  padding when the struct ended at `strength` (a struct of that
                                  size may hold anything there), so no setting is read from them */
    int32_t spacing;           /* an ld_spacing; default LD_SPACING_DEFAULT (the sampler's own) */
    float guidance_interval_low;  /* guide only the steps whose noise level sigma/alpha lies in
                                  [low, high] (Kynkaanniemi et al. 2024); elsewhere the
                                  conditional output alone is used and the unconditional pass is
                                  skipped. 0 <= low <= high, both finite; high = 0 (with low 0,
                                  the default) guides every step. A run's levels go from about
                                  158 (t = T - 1, linear schedule) down to about 0.01 (t = 0) */
    float guidance_interval_high; /* the band's upper end (see guidance_interval_low); default 0 */
    float guidance_rescale;    /* phi in [0, 1] (Lin et al. 2024): each guided output g becomes
                                  phi g std(c) / std(g) + (1 - phi) g, c the conditional output,
                                  std over the sample's values; default 0 = off */
    /* Appended after the guidance refinements: autoguidance (Karras et al. 2024). */
    float autoguidance;        /* weight w in [0, 100]: at every step every output o (classifier-
                                  free guided or not) becomes o + w (c - a), c the model's output
                                  for the sample's label (-1: its unconditional output) and a the
                                  guide denoiser's output for the same sample and label; default
                                  0 = off (no guide pass). Nonzero needs a model file holding a
                                  guide denoiser (ld_model_desc.has_guide; `latentdiff
                                  attach-guide` makes one): without it the sampling functions
                                  return LD_ERR_INVALID_ARGUMENT with a message */
    int32_t padding2;          /* ignored, 0 from the init functions: names the 4 bytes that
                                  would be tail padding after `autoguidance`, so that the struct
                                  still has none and no later field is read from them */
} ld_sample_params;

/* Writes the defaults above into the first `params_size` bytes of *params (zero past the
 * library's own struct) and sets params->struct_size = params_size. Call it through
 * ld_sample_params_init, which passes sizeof *params. Returns LD_OK; LD_ERR_INVALID_ARGUMENT for
 * NULL params or a params_size smaller than the 0.1.0 struct (up to first_index) or over 65536
 * (nothing written). */
ld_status ld_sample_params_init_sized(ld_sample_params *params, size_t params_size);

/* Fills *params with the defaults. NULL is a no-op. */
static inline void ld_sample_params_init(ld_sample_params *params) {
    (void)ld_sample_params_init_sized(params, sizeof *params);
}

/* Samples `count` latents into `out_latents` (caller-owned, `out_size` bytes: at least count *
 * latent_size * sizeof(float)), in the model's latent units (what ld_decode takes and ld_encode
 * returns). The same model, parameters and seed give the same bits whatever `count`, `threads` or
 * the machine's load: sample i depends only on (seed, first_index + i, labels[i]). `params` is
 * read as params->struct_size bytes (see the versioned-struct rule at the top). Returns LD_OK;
 * LD_ERR_INVALID_ARGUMENT for NULL pointers, count outside 1..65536, out_size too small (the
 * message gives the bytes needed), a struct_size below the 0.1.0 struct or over 65536, a bad
 * sampler, steps, eta, guidance, threads or label, a spacing that is not an ld_spacing, a guidance
 * interval that is not 0 <= low <= high (finite), a guidance_rescale outside [0, 1] (NaN
 * included), an autoguidance weight that is NaN, negative or over 100, or a nonzero autoguidance
 * with a model file that holds no guide denoiser; LD_ERR_UNSUPPORTED for non-zero bytes past the
 * library's struct; LD_ERR_CANCELLED if the progress callback cancelled (out_latents untouched);
 * LD_ERR_NUMERIC if the model produced NaN or infinity. */
ld_status ld_sample_latents(const ld_model *model, const ld_sample_params *params, int32_t count,
                            float *out_latents, size_t out_size);

/* Settings of ld_decode and ld_encode. Fill with ld_codec_params_init, then change fields. */
typedef struct {
    size_t struct_size;        /* the caller's sizeof(ld_codec_params); set by ld_codec_params_init */
    int32_t threads;           /* as ld_sample_params.threads; default 0 (the cap) */
    ld_progress_fn progress;   /* NULL = no progress reports; else called with images done */
    void *user_data;           /* passed to progress */
} ld_codec_params;

/* As ld_sample_params_init_sized, for ld_codec_params (whose first version is that of 0.2.0). */
ld_status ld_codec_params_init_sized(ld_codec_params *params, size_t params_size);

/* Fills *params with the defaults. NULL is a no-op. */
static inline void ld_codec_params_init(ld_codec_params *params) {
    (void)ld_codec_params_init_sized(params, sizeof *params);
}

/* Decodes `count` latents (count * latent_size floats) into 8-bit images written to `out_pixels`
 * (caller-owned, `out_size` bytes: at least count * image_bytes, i.e. count * image_height *
 * image_width * image_channels; each image (H, W, C)). `params` may be NULL for the defaults.
 * The pixels do not depend on `count`, `threads` or how the images are grouped. Returns LD_OK;
 * LD_ERR_INVALID_ARGUMENT for NULL model, latents or out_pixels, count outside 1..65536, out_size
 * too small, or bad params (as ld_sample_latents); LD_ERR_UNSUPPORTED for non-zero bytes past the
 * library's struct; LD_ERR_CANCELLED if the progress callback cancelled (out_pixels untouched);
 * LD_ERR_NUMERIC if a latent holds NaN or infinity. */
ld_status ld_decode(const ld_model *model, const ld_codec_params *params, const float *latents,
                    int32_t count, uint8_t *out_pixels, size_t out_size);

/* Encodes `count` 8-bit images (same layout as ld_decode's output: count * image_bytes bytes) into
 * latents written to `out_latents` (caller-owned, `out_size` bytes: at least count * latent_size *
 * sizeof(float)); a VAE codec returns its posterior mean. `params` may be NULL for the defaults.
 * Returns LD_OK; LD_ERR_INVALID_ARGUMENT, LD_ERR_UNSUPPORTED and LD_ERR_CANCELLED as ld_decode. */
ld_status ld_encode(const ld_model *model, const ld_codec_params *params, const uint8_t *pixels,
                    int32_t count, float *out_latents, size_t out_size);

/* ld_sample_latents then ld_decode in one call: `count` images into `out_pixels` (caller-owned,
 * `out_size` bytes: at least count * image_bytes). Progress counts the sampling steps; the decoding
 * uses params->threads. Same returns as both; the same pixels as the two calls. */
ld_status ld_generate(const ld_model *model, const ld_sample_params *params, int32_t count,
                      uint8_t *out_pixels, size_t out_size);

/* ---- Editing ------------------------------------------------------------------------------- */
/* ld_sample_latents and ld_generate edit images through the fields of ld_sample_params appended
 * after 0.2.0: with init_image, sample i is image i encoded (ld_encode), noised to the level
 * reached after the first (1 - strength) of the steps with the sample's own noise, and denoised
 * by the remaining round(strength * steps) steps (SDEdit); strength 1 with init_noise NULL and no
 * mask gives the same bits as plain generation. With a mask, the pixel mask is brought to the
 * latent grid (a latent cell is regenerated if any pixel under it is non-zero) and before the
 * first step and after every step the kept cells are reset to the init latent noised to the
 * current level; ld_generate then pastes the kept pixels back from init_image with an edge
 * feathered inside the mask (weight of the generated pixel: 0 where the mask is 0, else the
 * mask / 255 averaged over a 5 x 5 window): every pixel whose mask is 0 is init_image's pixel
 * exactly (ld_sample_latents returns latents, with no pasting). The sampling functions' returns grow by: LD_ERR_INVALID_ARGUMENT for a mask
 * without init_image, a strength outside [0, 1] or other than 1 without init_image, or init_noise
 * holding NaN or infinity; LD_ERR_UNSUPPORTED for a mask with a vector codec (latent_rank 1). */

/* Writes the x_T that sampling starts from for samples first_index .. first_index + count - 1
 * with `seed` (what it draws when init_noise is NULL) into `out` (caller-owned, `out_size` bytes:
 * at least count * latent_size * sizeof(float)), one latent after another. Units: the sampler's
 * standardized latent space, (latent - mean) / std of the model's latent statistics, where x_T is
 * unit normal; not ld_decode's units. Passing the result as ld_sample_params.init_noise (same
 * seed, first_index and count) reproduces plain sampling bit for bit; mixing or interpolating
 * such noise (e.g. spherically) gives in-between samples. Returns LD_OK; LD_ERR_INVALID_ARGUMENT
 * for NULL model or out, count outside 1..65536, first_index outside 0..2147483647, or out_size
 * too small (the message gives the bytes needed; nothing written). Thread-safe. */
ld_status ld_sample_noise(const ld_model *model, uint64_t seed, int64_t first_index, int32_t count, float *out,
                          size_t out_size);
/* ---- Settings for hosts -------------------------------------------------------------------- */
/* (After the sampling section: both take an ld_sample_params.) */

/* As ld_sample_params_init_sized, then the model's recommended settings (ld_model_desc's
 * default_sampler, default_steps and default_guidance, and the spacing, guidance interval,
 * guidance rescale and autoguidance weight the file stores with them: LD_SPACING_DEFAULT, 0, 0
 * and 0 when it stores none) in place of the library's: what `latentdiff sample` uses when not
 * told. A caller that then picks another sampler may want spacing = LD_SPACING_DEFAULT, that
 * sampler's own (as the command line does). Call it through ld_sample_params_init_for_model,
 * which passes sizeof *params.
 * Returns LD_OK; LD_ERR_INVALID_ARGUMENT for a NULL model or params, or a params_size smaller than
 * the 0.1.0 struct or over 65536 (nothing written). */
ld_status ld_sample_params_init_for_model_sized(const ld_model *model, ld_sample_params *params, size_t params_size);

/* Fills *params with the defaults and the model's recommended sampler, steps, guidance, spacing,
 * guidance interval, rescale and autoguidance. */
static inline ld_status ld_sample_params_init_for_model(const ld_model *model, ld_sample_params *params) {
    return ld_sample_params_init_for_model_sized(model, params, sizeof *params);
}

/* The settings a call of ld_sample_latents or ld_generate with `model`, `params` and `count`
 * would use, as one JSON object in a new NUL-terminated UTF-8 string, for a host to store beside
 * its images (e.g. as a PNG text chunk, ld_encode_png) and reproduce them:
 *   {"library_version": "<ld_version()>", "model": {"dataset": ..., "codec": ..., "training_steps": N,
 *    "timesteps": T}, "sampler": "dpm++", "spacing": "logsnr", "steps": 20, "eta": 0,
 *    "guidance": 2, "guidance_interval": [0.3, 5] or null, "guidance_rescale": 0, "seed": 0,
 *    "first_index": 0, "count": 16, "labels": [3, -1, ...] or null,
 *    "class_names": ["3", null, ...] or null, "strength": 1, "init_image": false, "mask": false,
 *    "init_noise": false, "autoguidance": 0}
 * (keys in this order, written without spaces: {"library_version":"0.2.0","model":{...},...};
 * "spacing" the one used (LD_SPACING_DEFAULT resolved to the sampler's own); "guidance_interval"
 * null when every step is guided; "autoguidance" the weight used (0: off); floats in their
 * shortest decimal form; the seed as its exact decimal digits, which a reader that holds JSON
 * numbers as doubles rounds above 2^53; labels and class_names null when no sample has a class, a
 * name null for label -1).
 * `params` is read and checked as ld_sample_latents reads it. On success *out_json owns the
 * string (free it with ld_free_buffer). Returns LD_OK; LD_ERR_INVALID_ARGUMENT, LD_ERR_UNSUPPORTED
 * as ld_sample_latents for bad params or count, or NULL out_json; LD_ERR_OUT_OF_MEMORY if the
 * string cannot be allocated. On failure *out_json is not written. */
ld_status ld_sample_params_json(const ld_model *model, const ld_sample_params *params, int32_t count, char **out_json);

#ifdef __cplusplus
}
#endif

#endif /* LATENTDIFF_H */
