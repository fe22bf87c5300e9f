/* The sampler settings of ld_sample_params appended after the editing fields: the step spacing
 * (ld_spacing, ld_spacing_name, ld_spacing_from_name), the guidance interval and the guidance
 * rescale, checked bit for bit:
 *   - LD_SPACING_DEFAULT samples what the sampler's own spacing does, named explicitly; another
 *     spacing (Karras for DPM-Solver++) samples something else;
 *   - a guidance interval that holds no step's noise level is guidance 1 (the conditional output
 *     alone), one that holds every step's is no interval, one in between is neither;
 *   - rescale 0 is no rescale, rescale 1 changes guided samples only;
 *   - bad values are refused with LD_ERR_INVALID_ARGUMENT, writing nothing; `padding` is ignored;
 *     ld_sample_params_json reports the settings;
 *   - autoguidance, with GUIDED (MODEL with a guide denoiser attached: `latentdiff attach-guide`,
 *     and the stored weight 1): ld_model_info reports the guide and the weight, init_for_model
 *     copies the weight; weight 0 samples and generates MODEL's bits, weight 1 other ones (with
 *     and without labels and classifier-free guidance); a struct ending before `autoguidance`
 *     samples weight 0; a nonzero weight with MODEL (no guide) is LD_ERR_INVALID_ARGUMENT with a
 *     reason, as are weights NaN, -1 and 101; `padding2` is ignored.
 *   ./sampler_settings [MODEL [GUIDED]]   (class-conditional models: by default the fixture MNIST
 *   model and tiny-mnist-guided.safetensors, the same model with a guide; with MODEL alone the
 *   autoguidance checks are skipped) */
#include "check.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

enum { COUNT = 2 };

static size_t latent_bytes;

/* The latents of `params` (COUNT samples) into a new buffer; NULL after a failed call. */
static float *sample(const ld_model *model, const ld_sample_params *params, const char *what) {
    float *latents = malloc(latent_bytes);
    ld_status status = ld_sample_latents(model, params, COUNT, latents, latent_bytes);
    expect_status(status, LD_OK, what);
    if (status != LD_OK) {
        free(latents);
        return NULL;
    }
    return latents;
}

/* Whether `a` and `b` (both from sample()) hold the same bits; frees both. */
static int same_bits(float *a, float *b) {
    int same = a && b && memcmp(a, b, latent_bytes) == 0;
    free(a);
    free(b);
    return same;
}

/* Whether two settings sample the same bits. */
static int same(const ld_model *model, const ld_sample_params *a, const ld_sample_params *b, const char *what) {
    return same_bits(sample(model, a, what), sample(model, b, what));
}

static void names(void) {
    static const char *expected[] = {"default", "uniform", "trailing", "logsnr", "karras"};
    static const ld_spacing values[] = {LD_SPACING_DEFAULT, LD_SPACING_UNIFORM, LD_SPACING_TRAILING, LD_SPACING_LOGSNR,
                                        LD_SPACING_KARRAS};
    for (int i = 0; i < 5; i++) {
        const char *name = ld_spacing_name(values[i]);
        CHECK(name && strcmp(name, expected[i]) == 0, "spacing %d is '%s'", (int)values[i], name ? name : "(null)");
        ld_spacing spacing = (ld_spacing)99;
        expect_status(ld_spacing_from_name(expected[i], &spacing), LD_OK, expected[i]);
        CHECK(spacing == values[i], "'%s' is %d", expected[i], (int)spacing);
    }
    CHECK(ld_spacing_name((ld_spacing)5) == NULL && ld_spacing_name((ld_spacing)-1) == NULL, "names for bad values");
    ld_spacing untouched = LD_SPACING_TRAILING;
    expect_status(ld_spacing_from_name("Karras", &untouched), LD_ERR_INVALID_ARGUMENT, "spacing from 'Karras'");
    CHECK(strstr(ld_last_error(), "logsnr") != NULL, "the message lists the names: %s", ld_last_error());
    expect_status(ld_spacing_from_name("sampler", &untouched), LD_ERR_INVALID_ARGUMENT, "spacing from 'sampler'");
    expect_status(ld_spacing_from_name(NULL, &untouched), LD_ERR_INVALID_ARGUMENT, "spacing from NULL");
    expect_status(ld_spacing_from_name("karras", NULL), LD_ERR_INVALID_ARGUMENT, "spacing into NULL");
    CHECK(untouched == LD_SPACING_TRAILING, "a failed ld_spacing_from_name wrote its output");
}

static void spacing(const ld_model *model, const ld_sample_params *base) {
    /* LD_SPACING_DEFAULT is each sampler's own spacing (the header's list), bit for bit. */
    static const struct {
        ld_sampler sampler;
        ld_spacing own, other;
    } cases[] = {
        {LD_SAMPLER_DPM_SOLVER, LD_SPACING_LOGSNR, LD_SPACING_KARRAS},
        {LD_SAMPLER_DPM_SOLVER_3M, LD_SPACING_LOGSNR, LD_SPACING_UNIFORM},
        {LD_SAMPLER_DDIM, LD_SPACING_UNIFORM, LD_SPACING_TRAILING},
        {LD_SAMPLER_DDPM, LD_SPACING_UNIFORM, LD_SPACING_LOGSNR},
        {LD_SAMPLER_EULER, LD_SPACING_KARRAS, LD_SPACING_UNIFORM},
        {LD_SAMPLER_EULER_ANCESTRAL, LD_SPACING_KARRAS, LD_SPACING_LOGSNR},
        {LD_SAMPLER_HEUN, LD_SPACING_KARRAS, LD_SPACING_TRAILING},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ld_sample_params own = *base, named = *base;
        own.sampler = named.sampler = cases[i].sampler;
        CHECK(own.spacing == LD_SPACING_DEFAULT, "the default spacing is %d", own.spacing);
        named.spacing = cases[i].own;
        CHECK(same(model, &own, &named, ld_sampler_name(cases[i].sampler)),
              "%s: the default spacing is not %s", ld_sampler_name(cases[i].sampler), ld_spacing_name(cases[i].own));
        named.spacing = cases[i].other;
        CHECK(!same(model, &own, &named, ld_sampler_name(cases[i].sampler)), "%s: spacing %s changes nothing",
              ld_sampler_name(cases[i].sampler), ld_spacing_name(cases[i].other));
    }
}

static void guidance(const ld_model *model, const ld_sample_params *base) {
    ld_sample_params unguided = *base, guided = *base, banded = *base;
    unguided.guidance = 1.0f;
    guided.guidance = banded.guidance = 3.0f;
    CHECK(!same(model, &unguided, &guided, "guidance 3"), "guidance 3 changes nothing");

    /* Noise levels sigma/alpha lie between about 0.005 and 1e5 (linear schedule: 0.01 to 158). */
    banded.guidance_interval_low = 1e30f;
    banded.guidance_interval_high = 1e31f;
    CHECK(same(model, &banded, &unguided, "interval above every level"), "an interval holding no step is not guidance 1");
    banded.guidance_interval_low = 0.0f;
    banded.guidance_interval_high = 0.001f;
    CHECK(same(model, &banded, &unguided, "interval below every level"), "an interval holding no step is not guidance 1");
    banded.guidance_interval_high = 1e30f;
    CHECK(same(model, &banded, &guided, "interval over every level"), "an interval holding every step is not none");
    banded.guidance_interval_low = 0.5f;
    banded.guidance_interval_high = 5.0f;
    float *middle = sample(model, &banded, "interval [0.5, 5]");
    CHECK(!same_bits(middle, sample(model, &guided, "guided")), "interval [0.5, 5] guides every step");
    middle = sample(model, &banded, "interval [0.5, 5]");
    CHECK(!same_bits(middle, sample(model, &unguided, "unguided")), "interval [0.5, 5] guides no step");

    /* Rescale: 0 (the default) is off; 1 changes guided samples and nothing without guidance. */
    ld_sample_params rescaled = guided;
    CHECK(rescaled.guidance_rescale == 0.0f, "the default rescale is %g", (double)rescaled.guidance_rescale);
    rescaled.guidance_rescale = 0.0f;
    CHECK(same(model, &rescaled, &guided, "rescale 0"), "rescale 0 differs from no rescale");
    rescaled.guidance_rescale = 1.0f;
    CHECK(!same(model, &rescaled, &guided, "rescale 1"), "rescale 1 changes nothing");
    rescaled.guidance = 1.0f;
    CHECK(same(model, &rescaled, &unguided, "rescale 1, guidance 1"), "rescale changes unguided samples");
}

static void bad_values(const ld_model *model, const ld_model_desc *desc, const ld_sample_params *base) {
    static const struct {
        const char *what;
        int32_t spacing;
        float low, high, rescale;
        ld_status status;
        const char *words;
    } cases[] = {
        {"spacing 5", 5, 0, 0, 0, LD_ERR_INVALID_ARGUMENT, "spacing"},
        {"spacing -1", -1, 0, 0, 0, LD_ERR_INVALID_ARGUMENT, "spacing"},
        {"interval [5, 1]", 0, 5, 1, 0, LD_ERR_INVALID_ARGUMENT, "guidance interval"},
        {"interval [0.5, 0]", 0, 0.5f, 0, 0, LD_ERR_INVALID_ARGUMENT, "guidance interval"},
        {"interval [-1, 2]", 0, -1, 2, 0, LD_ERR_INVALID_ARGUMENT, "guidance interval"},
        {"interval [NaN, 2]", 0, NAN, 2, 0, LD_ERR_INVALID_ARGUMENT, "guidance interval"},
        {"interval [0, NaN]", 0, 0, NAN, 0, LD_ERR_INVALID_ARGUMENT, "guidance interval"},
        {"interval [1, inf]", 0, 1, INFINITY, 0, LD_ERR_INVALID_ARGUMENT, "guidance interval"},
        {"rescale -0.1", 0, 0, 0, -0.1f, LD_ERR_INVALID_ARGUMENT, "rescale"},
        {"rescale 1.5", 0, 0, 0, 1.5f, LD_ERR_INVALID_ARGUMENT, "rescale"},
        {"rescale NaN", 0, 0, 0, NAN, LD_ERR_INVALID_ARGUMENT, "rescale"},
    };
    float *latents = malloc(latent_bytes);
    uint8_t *pixels = malloc((size_t)COUNT * desc->image_bytes);
    memset(latents, 0x5A, latent_bytes);
    memset(pixels, 0x5A, (size_t)COUNT * desc->image_bytes);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ld_sample_params params = *base;
        params.guidance = 3.0f;
        params.spacing = cases[i].spacing;
        params.guidance_interval_low = cases[i].low;
        params.guidance_interval_high = cases[i].high;
        params.guidance_rescale = cases[i].rescale;
        expect_status(ld_sample_latents(model, &params, COUNT, latents, latent_bytes), cases[i].status, cases[i].what);
        CHECK(strstr(ld_last_error(), cases[i].words) != NULL, "%s: the message '%s' lacks '%s'", cases[i].what,
              ld_last_error(), cases[i].words);
        CHECK(ld_generate(model, &params, COUNT, pixels, (size_t)COUNT * desc->image_bytes) == cases[i].status,
              "%s: ld_generate", cases[i].what);
        char *json = NULL;
        CHECK(ld_sample_params_json(model, &params, COUNT, &json) == cases[i].status && json == NULL,
              "%s: ld_sample_params_json", cases[i].what);
    }
    /* `padding` is ignored, whatever it holds. */
    ld_sample_params padded = *base, plain = *base;
    padded.padding = -1;
    CHECK(same(model, &padded, &plain, "padding -1"), "padding changed the samples");
    CHECK(all_bytes(latents, latent_bytes, 0x5A) && all_bytes(pixels, (size_t)COUNT * desc->image_bytes, 0x5A),
          "a refused call wrote its output");
    free(pixels);
    free(latents);
}

/* The JSON of `params` contains `text`. */
static void expect_json(const ld_model *model, const ld_sample_params *params, const char *text) {
    char *json = NULL;
    expect_status(ld_sample_params_json(model, params, COUNT, &json), LD_OK, "settings JSON");
    CHECK(json && strstr(json, text) != NULL, "the JSON %s lacks %s", json ? json : "(null)", text);
    ld_free_buffer(json);
}

static void settings_json(const ld_model *model, const ld_sample_params *base) {
    expect_json(model, base, "\"sampler\":\"dpm++\",\"spacing\":\"logsnr\",");
    expect_json(model, base, "\"guidance_interval\":null,\"guidance_rescale\":0,\"seed\":");
    ld_sample_params params = *base;
    params.sampler = LD_SAMPLER_HEUN;
    expect_json(model, &params, "\"sampler\":\"heun\",\"spacing\":\"karras\",");
    params.spacing = LD_SPACING_TRAILING;
    params.guidance = 2.5f;
    params.guidance_interval_low = 0.3f;
    params.guidance_interval_high = 5.0f;
    params.guidance_rescale = 0.7f;
    expect_json(model, &params, "\"sampler\":\"heun\",\"spacing\":\"trailing\",");
    expect_json(model, &params, "\"guidance\":2.5,\"guidance_interval\":[0.3,5],\"guidance_rescale\":0.7,\"seed\":");
}

/* ld_generate of `params` (COUNT images) into a new buffer; NULL after a failed call. */
static uint8_t *generate(const ld_model *model, const ld_model_desc *desc, const ld_sample_params *params,
                         const char *what) {
    uint8_t *pixels = malloc((size_t)COUNT * desc->image_bytes);
    ld_status status = ld_generate(model, params, COUNT, pixels, (size_t)COUNT * desc->image_bytes);
    expect_status(status, LD_OK, what);
    if (status != LD_OK) {
        free(pixels);
        return NULL;
    }
    return pixels;
}

/* Whether `model` and `guided` sample and generate the same bits with `params` (latents and
 * pixels both). */
static int same_models(const ld_model *model, const ld_model *guided, const ld_model_desc *desc,
                       const ld_sample_params *params, const char *what) {
    int same = same_bits(sample(model, params, what), sample(guided, params, what));
    uint8_t *a = generate(model, desc, params, what), *b = generate(guided, desc, params, what);
    same = same && a && b && memcmp(a, b, (size_t)COUNT * desc->image_bytes) == 0;
    free(a);
    free(b);
    return same;
}

/* Every sampling entry point refuses `params` with LD_ERR_INVALID_ARGUMENT and a message holding
 * `words`, writing nothing. */
static void refused(const ld_model *model, const ld_model_desc *desc, const ld_sample_params *params,
                    const char *words, const char *what) {
    float *latents = malloc(latent_bytes);
    uint8_t *pixels = malloc((size_t)COUNT * desc->image_bytes);
    memset(latents, 0x5A, latent_bytes);
    memset(pixels, 0x5A, (size_t)COUNT * desc->image_bytes);
    expect_status(ld_sample_latents(model, params, COUNT, latents, latent_bytes), LD_ERR_INVALID_ARGUMENT, what);
    CHECK(strstr(ld_last_error(), words) != NULL, "%s: the message '%s' lacks '%s'", what, ld_last_error(), words);
    CHECK(ld_generate(model, params, COUNT, pixels, (size_t)COUNT * desc->image_bytes) == LD_ERR_INVALID_ARGUMENT,
          "%s: ld_generate", what);
    CHECK(strstr(ld_last_error(), words) != NULL, "%s: ld_generate's message '%s'", what, ld_last_error());
    char *json = NULL;
    CHECK(ld_sample_params_json(model, params, COUNT, &json) == LD_ERR_INVALID_ARGUMENT && json == NULL,
          "%s: ld_sample_params_json", what);
    CHECK(all_bytes(latents, latent_bytes, 0x5A) && all_bytes(pixels, (size_t)COUNT * desc->image_bytes, 0x5A),
          "%s: a refused call wrote its output", what);
    free(pixels);
    free(latents);
}

static void autoguidance(const ld_model *model, const ld_model_desc *desc, const char *guided_path,
                         const ld_sample_params *base) {
    ld_model *guided = NULL;
    expect_status(ld_model_load(guided_path, &guided), LD_OK, "load the guided model");
    if (!guided) return;
    ld_model_desc guided_desc;
    expect_status(ld_model_info(guided, &guided_desc), LD_OK, "info: guided");
    CHECK(desc->has_guide == 0 && desc->default_autoguidance == 0.0f, "%s: has_guide %d, default_autoguidance %g",
          "the model without a guide", desc->has_guide, (double)desc->default_autoguidance);
    CHECK(guided_desc.has_guide == 1 && guided_desc.default_autoguidance == 1.0f,
          "%s: has_guide %d, default_autoguidance %g", guided_path, guided_desc.has_guide,
          (double)guided_desc.default_autoguidance);
    CHECK(guided_desc.latent_size == desc->latent_size && guided_desc.image_bytes == desc->image_bytes &&
              guided_desc.class_count == desc->class_count,
          "the guided model makes other samples than the model");
    ld_sample_params recommended;
    expect_status(ld_sample_params_init_for_model(guided, &recommended), LD_OK, "init for the guided model");
    CHECK(recommended.autoguidance == 1.0f && recommended.padding2 == 0, "the guided model's weight: %g",
          (double)recommended.autoguidance);
    expect_status(ld_sample_params_init_for_model(model, &recommended), LD_OK, "init for the model");
    CHECK(recommended.autoguidance == 0.0f, "the model's weight: %g", (double)recommended.autoguidance);
    printf("%s: a guide, stored weight %g\n", guided_path, (double)guided_desc.default_autoguidance);

    int32_t labels[COUNT] = {3, -1};
    ld_sample_params plain = *base, conditional = *base, cfg = *base;
    conditional.labels = cfg.labels = labels;
    cfg.guidance = 3.0f;
    const ld_sample_params *settings[] = {&plain, &conditional, &cfg};
    const char *names[] = {"unconditional", "labels 3, -1", "labels 3, -1, guidance 3"};
    for (int i = 0; i < 3; i++) {
        ld_sample_params off = *settings[i], on = *settings[i];
        CHECK(off.autoguidance == 0.0f, "the default weight is %g", (double)off.autoguidance);
        /* Weight 0: no guide pass, the model's own bits (latents and pixels). */
        CHECK(same_models(model, guided, desc, &off, names[i]), "%s: weight 0 with a guide differs from no guide",
              names[i]);
        /* Weight 1: o + (c - a) moves every output. */
        on.autoguidance = 1.0f;
        CHECK(!same(guided, &on, &off, names[i]), "%s: weight 1 changes nothing", names[i]);
        /* Past an older caller's struct_size (it ends at guidance_rescale), the weight is not read. */
        on.struct_size = offsetof(ld_sample_params, autoguidance);
        CHECK(same(guided, &on, &off, names[i]), "%s: a weight past struct_size was read", names[i]);
    }
    ld_sample_params weighted = conditional, doubled = conditional;
    weighted.autoguidance = 1.0f;
    doubled.autoguidance = 2.0f;
    CHECK(!same(guided, &weighted, &doubled, "weights 1 and 2"), "weights 1 and 2 sample the same");
    ld_sample_params padded = weighted;
    padded.padding2 = -1;
    CHECK(same(guided, &padded, &weighted, "padding2 -1"), "padding2 changed the samples");

    /* No guide: refused, whatever the weight's size; the unguided call still works after it. */
    refused(model, desc, &weighted, "guide denoiser", "weight 1 without a guide");
    ld_sample_params tiny = conditional;
    tiny.autoguidance = 1e-6f;
    refused(model, desc, &tiny, "guide denoiser", "weight 1e-6 without a guide");
    float *after = sample(model, &conditional, "weight 0 without a guide");
    CHECK(after != NULL, "sampling after a refused call failed");
    free(after);
    static const float bad[] = {NAN, -1.0f, 101.0f, INFINITY};
    static const char *bad_names[] = {"weight NaN", "weight -1", "weight 101", "weight inf"};
    for (int i = 0; i < 4; i++) {
        ld_sample_params params = conditional;
        params.autoguidance = bad[i];
        refused(guided, &guided_desc, &params, "autoguidance weight must be in [0, 100]", bad_names[i]);
    }

    /* JSON: the weight used, last. */
    ld_sample_params stored;
    expect_status(ld_sample_params_init_for_model(guided, &stored), LD_OK, "init for the guided model");
    stored.steps = base->steps;
    expect_json(guided, &stored, "\"init_noise\":false,\"autoguidance\":1}");
    stored.autoguidance = 0.25f;
    expect_json(guided, &stored, "\"init_noise\":false,\"autoguidance\":0.25}");
    expect_json(model, base, "\"init_noise\":false,\"autoguidance\":0}");
    ld_model_free(guided);
}

int main(int argc, char **argv) {
    names();
    ld_model_desc desc;
    ld_model *model = load_model(argc, argv, &desc);
    if (!model) return 1;
    latent_bytes = (size_t)COUNT * desc.latent_size * sizeof(float);

    ld_sample_params base;
    ld_sample_params_init(&base);
    CHECK(base.spacing == LD_SPACING_DEFAULT && base.guidance_interval_low == 0.0f &&
              base.guidance_interval_high == 0.0f && base.guidance_rescale == 0.0f && base.padding == 0 &&
              base.autoguidance == 0.0f && base.padding2 == 0,
          "defaults");
    ld_sample_params recommended;
    expect_status(ld_sample_params_init_for_model(model, &recommended), LD_OK, "init for the model");
    CHECK(recommended.spacing >= LD_SPACING_DEFAULT && recommended.spacing <= LD_SPACING_KARRAS &&
              recommended.guidance_interval_high == 0.0f && recommended.guidance_rescale == 0.0f,
          "the model's defaults: spacing %d", recommended.spacing);
    CHECK(desc.default_spacing == recommended.spacing &&
              desc.default_guidance_interval_low == recommended.guidance_interval_low &&
              desc.default_guidance_interval_high == recommended.guidance_interval_high &&
              desc.default_guidance_rescale == recommended.guidance_rescale,
          "ld_model_info and ld_sample_params_init_for_model disagree on the stored settings");
    printf("%s: recommended %s, spacing %s\n", model_path(argc, argv), ld_sampler_name((ld_sampler)recommended.sampler),
           ld_spacing_name((ld_spacing)recommended.spacing));

    base.steps = 6;
    base.seed = 11;
    base.threads = 1;
    spacing(model, &base);
    bad_values(model, &desc, &base);
    settings_json(model, &base);
    if (desc.class_count > 0) {
        int32_t labels[COUNT] = {3, 7};
        base.labels = labels;
        guidance(model, &base);
        base.labels = NULL;
    } else {
        printf("an unconditional model: the guidance checks need a conditional one\n");
    }
    if (argc <= 1 || argc > 2) {
        autoguidance(model, &desc, argc > 2 ? argv[2] : "../../Tests/Fixtures/models/tiny-mnist-guided.safetensors", &base);
    } else {
        printf("no GUIDED model given: the autoguidance checks are skipped\n");
    }
    ld_model_free(model);
    return finish("sampler_settings");
}
