/* The versioned-struct rule and the buffer capacities of the 0.2.0 ABI, tested from C:
 *   - structs of an older size (the 0.1.0 ld_model_desc, the 0.2.0 ld_sample_params and the one
 *     with the editing fields but not the sampler settings after them, declared here as those
 *     versions declared them; the ld_model_desc and ld_sample_params that end before their
 *     autoguidance fields) are filled up to their size and no further, and read with the
 *     defaults for the fields they lack; smaller than the first version is refused;
 *   - ld_sample_params and ld_model_desc have no tail padding: every byte is a field;
 *   - structs of a newer size (the library's struct followed by a field it does not know) are
 *     accepted with a zero tail and refused with LD_ERR_UNSUPPORTED when the tail is not zero;
 *   - every function that writes into a caller's buffer refuses one byte too few, writing nothing.
 *   ./abi_sizes [MODEL] */
#include "check.h"

#include <stddef.h>
#include <stdlib.h>

/* ld_model_desc as 0.1.0 declared it. */
typedef struct {
    size_t struct_size;
    int32_t image_width, image_height, image_channels, latent_rank, latent_shape[4], latent_size, class_count;
    const char *codec_kind, *dataset;
    int64_t training_steps;
    const char *config_json;
} model_desc_0_1_0;

/* ld_sample_params as 0.1.0 and 0.2.0 declared it (before the editing fields). */
typedef struct {
    size_t struct_size;
    int32_t sampler, steps;
    float eta, guidance;
    uint64_t seed;
    const int32_t *labels;
    int32_t threads;
    ld_progress_fn progress;
    void *user_data;
    int64_t first_index;
} sample_params_0_1_0;
/* ld_sample_params with the editing fields appended after 0.2.0, before the sampler settings
 * (spacing, guidance interval and rescale) that follow them. */
typedef struct {
    sample_params_0_1_0 v020;
    const float *init_noise;
    const uint8_t *init_image;
    const uint8_t *mask;
    float strength;
} sample_params_editing;

/* ld_model_desc as 0.2.0 declared it: 0.1.0's fields, timesteps and image_bytes. */
typedef struct {
    model_desc_0_1_0 v010;
    int32_t timesteps, image_bytes;
} model_desc_0_2_0;

/* What a newer header might declare: the library's structs with one more field. */
typedef struct {
    ld_model_desc desc;
    int64_t newer_field;
} model_desc_newer;

typedef struct {
    ld_sample_params params;
    int64_t newer_field;
} sample_params_newer;

typedef struct {
    ld_codec_params params;
    int64_t newer_field;
} codec_params_newer;

static void expect_message(const char *words) {
    CHECK(strstr(ld_last_error(), words) != NULL, "message '%s' lacks '%s'", ld_last_error(), words);
}

static void model_desc_sizes(const ld_model *model, const ld_model_desc *full) {
    /* Older: the 0.1.0 fields, and not a byte past them. */
    struct {
        model_desc_0_1_0 old;
        uint8_t guard[32];
    } older;
    memset(&older, 0xAB, sizeof older);
    expect_status(ld_model_info_sized(model, (ld_model_desc *)&older.old, sizeof older.old), LD_OK, "info: 0.1.0 size");
    CHECK(older.old.struct_size == sizeof older.old, "struct_size %zu, expected the %zu bytes filled",
          older.old.struct_size, sizeof older.old);
    CHECK(older.old.latent_size == full->latent_size && older.old.image_width == full->image_width &&
              older.old.class_count == full->class_count && older.old.config_json == full->config_json,
          "0.1.0 fields differ from the full description");
    CHECK(all_bytes(older.guard, sizeof older.guard, 0xAB), "ld_model_info wrote past a 0.1.0 struct");
    expect_status(ld_model_info_sized(model, (ld_model_desc *)&older.old, sizeof older.old - 8),
                  LD_ERR_INVALID_ARGUMENT, "info: smaller than 0.1.0");

    /* 0.2.0: its fields, and not a byte of the defaults or class names appended after it. */
    struct {
        model_desc_0_2_0 old;
        uint8_t guard[32];
    } v020;
    memset(&v020, 0xAB, sizeof v020);
    expect_status(ld_model_info_sized(model, (ld_model_desc *)&v020.old, sizeof v020.old), LD_OK, "info: 0.2.0 size");
    CHECK(v020.old.v010.struct_size == sizeof v020.old, "struct_size %zu, expected the %zu bytes filled",
          v020.old.v010.struct_size, sizeof v020.old);
    CHECK(v020.old.timesteps == full->timesteps && v020.old.image_bytes == full->image_bytes, "0.2.0 fields differ");
    CHECK(all_bytes(v020.guard, sizeof v020.guard, 0xAB), "ld_model_info wrote past a 0.2.0 struct");

    /* The struct before the stored spacing, band and rescale: filled up to class_names only. */
    enum { BEFORE_SPACING = offsetof(ld_model_desc, default_spacing) };
    struct {
        ld_model_desc desc;
        uint8_t guard[32];
    } before;
    memset(&before, 0xAB, sizeof before);
    expect_status(ld_model_info_sized(model, &before.desc, BEFORE_SPACING), LD_OK, "info: size before default_spacing");
    CHECK(before.desc.struct_size == BEFORE_SPACING && before.desc.class_names == full->class_names,
          "struct_size %zu, expected %d", before.desc.struct_size, (int)BEFORE_SPACING);
    CHECK(all_bytes((const uint8_t *)&before.desc + BEFORE_SPACING, sizeof before - BEFORE_SPACING, 0xAB),
          "ld_model_info wrote past a struct that ends at class_names");

    /* The struct before the autoguidance fields: filled up to default_guidance_rescale only. */
    enum { BEFORE_GUIDE = offsetof(ld_model_desc, default_autoguidance) };
    memset(&before, 0xAB, sizeof before);
    expect_status(ld_model_info_sized(model, &before.desc, BEFORE_GUIDE), LD_OK, "info: size before default_autoguidance");
    CHECK(before.desc.struct_size == BEFORE_GUIDE && before.desc.default_guidance_rescale == full->default_guidance_rescale &&
              before.desc.default_spacing == full->default_spacing,
          "struct_size %zu, expected %d", before.desc.struct_size, (int)BEFORE_GUIDE);
    CHECK(all_bytes((const uint8_t *)&before.desc + BEFORE_GUIDE, sizeof before - BEFORE_GUIDE, 0xAB),
          "ld_model_info wrote past a struct that ends at default_guidance_rescale");
    CHECK(full->has_guide == 0 && full->default_autoguidance == 0.0f, "the fixture has no guide: has_guide %d, weight %g",
          full->has_guide, (double)full->default_autoguidance);
    /* No tail padding: has_guide ends where the struct does, and follows the float before it. */
    CHECK(offsetof(ld_model_desc, has_guide) + sizeof(int32_t) == sizeof(ld_model_desc) &&
              offsetof(ld_model_desc, default_autoguidance) == offsetof(ld_model_desc, default_guidance_rescale) + sizeof(float),
          "ld_model_desc has padding around its autoguidance fields");
    printf("  sizeof(ld_model_desc) = %zu (0.1.0: %zu, 0.2.0: %zu, before the autoguidance fields: %d)\n",
           sizeof(ld_model_desc), sizeof(model_desc_0_1_0), sizeof(model_desc_0_2_0), (int)BEFORE_GUIDE);

    /* Newer: filled, the unknown tail zeroed, struct_size = what the library filled. */
    model_desc_newer newer;
    memset(&newer, 0xEE, sizeof newer);
    expect_status(ld_model_info_sized(model, &newer.desc, sizeof newer), LD_OK, "info: newer size");
    CHECK(newer.newer_field == 0, "the unknown tail of an output struct is not zeroed");
    CHECK(newer.desc.struct_size == sizeof(ld_model_desc), "struct_size %zu", newer.desc.struct_size);
    CHECK(newer.desc.timesteps == full->timesteps && newer.desc.image_bytes == full->image_bytes, "0.2.0 fields");
    CHECK(full->image_bytes == full->image_width * full->image_height * full->image_channels, "image_bytes");
    CHECK(full->timesteps > 0, "timesteps %d", full->timesteps);
    CHECK(newer.desc.default_steps == full->default_steps && newer.desc.default_sampler == full->default_sampler &&
              newer.desc.default_guidance == full->default_guidance && newer.desc.class_names == full->class_names,
          "defaults and class names");
    CHECK(full->default_steps >= 1 && full->default_steps <= full->timesteps && ld_sampler_name((ld_sampler)full->default_sampler),
          "default steps %d, sampler %d", full->default_steps, full->default_sampler);
}

/* A caller's ld_sample_params of an older `size` (`name`): init fills its bytes, not one past them
 * (a guard after it stays), with struct_size = size; with 3 steps it samples `reference` (the
 * library's struct with 3 steps), the fields it lacks read as their defaults. */
static void older_sample_params(const ld_model *model, const float *reference, size_t bytes, size_t size,
                                const char *name) {
    enum { GUARD = 32 };
    ld_sample_params *params = malloc(size + GUARD); /* malloc's alignment suits the struct */
    float *latents = calloc(1, bytes);
    char what[64];
    memset(params, 0xAB, size + GUARD);
    snprintf(what, sizeof what, "params init: %s size", name);
    expect_status(ld_sample_params_init_sized(params, size), LD_OK, what);
    CHECK(params->struct_size == size && params->steps == 20, "%s defaults", name);
    CHECK(all_bytes((const uint8_t *)params + size, GUARD, 0xAB), "init wrote past a %s struct", name);
    params->steps = 3;
    snprintf(what, sizeof what, "sample: %s size", name);
    expect_status(ld_sample_latents(model, params, 1, latents, bytes), LD_OK, what);
    CHECK(memcmp(latents, reference, bytes) == 0, "a %s struct samples other latents", name);
    free(latents);
    free(params);
}

static void sample_params_sizes(const ld_model *model, const ld_model_desc *desc) {
    size_t bytes = (size_t)desc->latent_size * sizeof(float);
    float *reference = malloc(bytes), *latents = malloc(bytes);
    uint8_t *pixels = malloc((size_t)desc->image_bytes);
    ld_sample_params plain;
    ld_sample_params_init(&plain);
    CHECK(plain.struct_size == sizeof plain && plain.steps == 20 && plain.guidance == 1.0f &&
              plain.sampler == LD_SAMPLER_DPM_SOLVER, "defaults");
    plain.steps = 3;
    expect_status(ld_sample_latents(model, &plain, 1, reference, bytes), LD_OK, "sample: own size");

    sample_params_newer newer;
    memset(&newer, 0xCD, sizeof newer);
    expect_status(ld_sample_params_init_sized(&newer.params, sizeof newer), LD_OK, "params init: newer size");
    CHECK(newer.params.struct_size == sizeof newer && newer.newer_field == 0, "init zeroes the newer tail");
    newer.params.steps = 3;
    expect_status(ld_sample_latents(model, &newer.params, 1, latents, bytes), LD_OK, "sample: newer size, zero tail");
    CHECK(memcmp(latents, reference, bytes) == 0, "a zero tail changed the result");
    newer.newer_field = 1;
    expect_status(ld_sample_latents(model, &newer.params, 1, latents, bytes), LD_ERR_UNSUPPORTED,
                  "sample: newer size, non-zero tail");
    char offset[32];
    snprintf(offset, sizeof offset, "offset %zu", sizeof(ld_sample_params));
    expect_message(offset);
    expect_status(ld_generate(model, &newer.params, 1, pixels, (size_t)desc->image_bytes), LD_ERR_UNSUPPORTED,
                  "generate: newer size, non-zero tail");

    /* A 0.2.0 (= 0.1.0) struct: the editing fields and the sampler settings get their defaults
     * (strength 1, no image, no noise; the sampler's own spacing, every step guided, no rescale).
     * A struct ending at `strength` (the editing fields, then 4 bytes of tail padding): the
     * sampler settings get theirs. One ending at `guidance_rescale`: autoguidance off. */
    older_sample_params(model, reference, bytes, sizeof(sample_params_0_1_0), "0.2.0");
    older_sample_params(model, reference, bytes, sizeof(sample_params_editing), "editing");
    older_sample_params(model, reference, bytes, offsetof(ld_sample_params, autoguidance), "refinements");
    CHECK(plain.strength == 1.0f && plain.init_noise == NULL && plain.init_image == NULL && plain.mask == NULL,
          "editing defaults");
    CHECK(plain.spacing == LD_SPACING_DEFAULT && plain.guidance_interval_low == 0.0f &&
              plain.guidance_interval_high == 0.0f && plain.guidance_rescale == 0.0f && plain.padding == 0,
          "sampler settings defaults");
    CHECK(plain.autoguidance == 0.0f && plain.padding2 == 0, "autoguidance defaults");

    /* The sampler settings in a struct of the library's size, and the same values past an older
     * caller's size: the older struct samples the defaults. */
    ld_sample_params karras = plain;
    karras.spacing = LD_SPACING_KARRAS;
    expect_status(ld_sample_latents(model, &karras, 1, latents, bytes), LD_OK, "sample: karras");
    CHECK(memcmp(latents, reference, bytes) != 0, "spacing karras samples the default latents");
    karras.struct_size = sizeof(sample_params_editing);
    expect_status(ld_sample_latents(model, &karras, 1, latents, bytes), LD_OK, "sample: karras past the size");
    CHECK(memcmp(latents, reference, bytes) == 0, "a field past struct_size was read");

    /* A weight past an older caller's size is not read: with the fixture (no guide) a weight
     * that were read would be refused. */
    ld_sample_params weighted = plain;
    weighted.autoguidance = 1.0f;
    expect_status(ld_sample_latents(model, &weighted, 1, latents, bytes), LD_ERR_INVALID_ARGUMENT,
                  "sample: autoguidance without a guide");
    weighted.struct_size = offsetof(ld_sample_params, autoguidance);
    expect_status(ld_sample_latents(model, &weighted, 1, latents, bytes), LD_OK, "sample: autoguidance past the size");
    CHECK(memcmp(latents, reference, bytes) == 0, "a weight past struct_size was read");

    /* No tail padding: the last field ends where the struct does, autoguidance right after the
     * rescale (the struct that ended there had no tail padding either). */
    CHECK(offsetof(ld_sample_params, padding2) + sizeof(int32_t) == sizeof(ld_sample_params),
          "ld_sample_params has %zu bytes of tail padding",
          sizeof(ld_sample_params) - offsetof(ld_sample_params, padding2) - sizeof(int32_t));
    CHECK(offsetof(ld_sample_params, autoguidance) == offsetof(ld_sample_params, guidance_rescale) + sizeof(float) &&
              offsetof(ld_sample_params, autoguidance) % 8 == 0,
          "autoguidance at %zu", offsetof(ld_sample_params, autoguidance));
    /* The settings start past the editing struct's tail padding. */
    CHECK(offsetof(ld_sample_params, spacing) >= sizeof(sample_params_editing), "spacing at %zu, in the editing struct",
          offsetof(ld_sample_params, spacing));
    printf("  sizeof(ld_sample_params) = %zu (0.2.0: %zu, with the editing fields: %zu, before autoguidance: %zu)\n",
           sizeof(ld_sample_params), sizeof(sample_params_0_1_0), sizeof(sample_params_editing),
           offsetof(ld_sample_params, autoguidance));

    ld_sample_params older = plain;
    older.struct_size = sizeof(sample_params_0_1_0) - sizeof(int64_t); /* below the first version */
    expect_status(ld_sample_latents(model, &older, 1, latents, bytes), LD_ERR_INVALID_ARGUMENT, "sample: too small");
    expect_status(ld_sample_params_init_sized(&older, 16), LD_ERR_INVALID_ARGUMENT, "params init: 16 bytes");
    older.struct_size = (size_t)1 << 40;
    expect_status(ld_sample_latents(model, &older, 1, latents, bytes), LD_ERR_INVALID_ARGUMENT, "sample: 1 TiB struct");

    codec_params_newer codec;
    memset(&codec, 0xCD, sizeof codec);
    expect_status(ld_codec_params_init_sized(&codec.params, sizeof codec), LD_OK, "codec init: newer size");
    CHECK(codec.params.threads == 0 && codec.params.progress == NULL && codec.newer_field == 0, "codec defaults");
    size_t image_bytes = (size_t)desc->image_bytes;
    expect_status(ld_decode(model, &codec.params, reference, 1, pixels, image_bytes), LD_OK, "decode: newer, zero tail");
    codec.newer_field = -1;
    expect_status(ld_decode(model, &codec.params, reference, 1, pixels, image_bytes), LD_ERR_UNSUPPORTED,
                  "decode: newer, non-zero tail");
    expect_status(ld_encode(model, &codec.params, pixels, 1, latents, bytes), LD_ERR_UNSUPPORTED,
                  "encode: newer, non-zero tail");
    free(pixels);
    free(latents);
    free(reference);
}

static void short_buffers(const ld_model *model, const ld_model_desc *desc) {
    enum { COUNT = 3 };
    size_t latent_bytes = (size_t)COUNT * desc->latent_size * sizeof(float);
    size_t pixel_bytes = (size_t)COUNT * desc->image_bytes;
    float *latents = malloc(latent_bytes);
    uint8_t *pixels = malloc(pixel_bytes);
    ld_sample_params params;
    ld_sample_params_init(&params);
    params.steps = 2;
    char needed[64];

    memset(latents, 0x5A, latent_bytes);
    snprintf(needed, sizeof needed, "need %zu bytes", latent_bytes);
    expect_status(ld_sample_latents(model, &params, COUNT, latents, latent_bytes - 1), LD_ERR_INVALID_ARGUMENT,
                  "sample: 1 byte short");
    expect_message(needed);
    CHECK(all_bytes(latents, latent_bytes, 0x5A), "sample wrote into a short buffer");
    expect_status(ld_sample_latents(model, &params, COUNT, latents, latent_bytes), LD_OK, "sample: exact size");

    memset(pixels, 0x5A, pixel_bytes);
    snprintf(needed, sizeof needed, "need %zu bytes", pixel_bytes);
    expect_status(ld_decode(model, NULL, latents, COUNT, pixels, pixel_bytes - 1), LD_ERR_INVALID_ARGUMENT,
                  "decode: 1 byte short");
    expect_message(needed);
    expect_status(ld_generate(model, &params, COUNT, pixels, pixel_bytes - 1), LD_ERR_INVALID_ARGUMENT,
                  "generate: 1 byte short");
    expect_message(needed);
    expect_status(ld_generate(model, &params, COUNT, pixels, 0), LD_ERR_INVALID_ARGUMENT, "generate: 0 bytes");
    CHECK(all_bytes(pixels, pixel_bytes, 0x5A), "decode or generate wrote into a short buffer");
    expect_status(ld_decode(model, NULL, latents, COUNT, pixels, pixel_bytes), LD_OK, "decode: exact size");

    float *encoded = malloc(latent_bytes);
    memset(encoded, 0x5A, latent_bytes);
    snprintf(needed, sizeof needed, "need %zu bytes", latent_bytes);
    expect_status(ld_encode(model, NULL, pixels, COUNT, encoded, latent_bytes - 1), LD_ERR_INVALID_ARGUMENT,
                  "encode: 1 byte short");
    expect_message(needed);
    CHECK(all_bytes(encoded, latent_bytes, 0x5A), "encode wrote into a short buffer");
    expect_status(ld_encode(model, NULL, pixels, COUNT, encoded, latent_bytes), LD_OK, "encode: exact size");
    free(encoded);
    free(pixels);
    free(latents);
}

static void versions_and_names(void) {
    CHECK(ld_abi_version() == LD_ABI_VERSION, "ABI %d, header %d", ld_abi_version(), LD_ABI_VERSION);
    CHECK(strcmp(ld_version(), LD_VERSION_STRING) == 0, "library %s, header %s", ld_version(), LD_VERSION_STRING);
    static const char *names[] = {"dpm++", "ddim", "ddpm", "euler", "euler-a", "heun", "dpm++3m"};
    for (int i = 0; i < 7; i++) {
        const char *name = ld_sampler_name((ld_sampler)i);
        CHECK(name && strcmp(name, names[i]) == 0, "sampler %d is '%s'", i, name ? name : "(null)");
        ld_sampler sampler = (ld_sampler)99;
        expect_status(ld_sampler_from_name(names[i], &sampler), LD_OK, names[i]);
        CHECK(sampler == (ld_sampler)i, "'%s' is %d", names[i], (int)sampler);
    }
    CHECK(ld_sampler_name((ld_sampler)7) == NULL && ld_sampler_name((ld_sampler)-1) == NULL, "names for bad values");
    expect_status(ld_set_max_threads(1), LD_OK, "max threads 1");
    CHECK(ld_max_threads() == 1, "cap %d", ld_max_threads());
    expect_status(ld_set_max_threads(0), LD_OK, "max threads 0");
    CHECK(ld_max_threads() >= 1, "cap %d", ld_max_threads());
}

int main(int argc, char **argv) {
    versions_and_names();
    ld_model_desc desc;
    ld_model *model = load_model(argc, argv, &desc);
    if (!model) return 1;
    CHECK(desc.struct_size == sizeof desc, "struct_size %zu", desc.struct_size);
    model_desc_sizes(model, &desc);
    sample_params_sizes(model, &desc);
    short_buffers(model, &desc);
    ld_model_free(model);
    return finish("abi_sizes");
}
