#include "fixed_order_sgemm.h"
#include "block_copies.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// Products are separate multiplies and adds: only the explicit fmaf / _mm256_fmadd_ps fuse.
#pragma clang fp contract(off)

// The inner loops are not instrumented by ThreadSanitizer (it would slow them 20x or more): they
// share nothing but the disjoint parts of C and of the packed panels their callers give each thread.
#define NOT_THREAD_SANITIZED __attribute__((no_sanitize("thread")))

// A tile of C: up to a kernel's tile rows (`Kernel.max_rows`) of A against 16-column panels of B;
// blocks of BLOCK_PANELS panels are packed at once (rows of B read whole), about 170 KB at k = 864.
enum {
    PANEL_COLUMNS = FIXED_ORDER_PANEL_COLUMNS,
    BLOCK_PANELS = FIXED_ORDER_BLOCK_PANELS,
    BLOCK_COLUMNS = BLOCK_PANELS * PANEL_COLUMNS,
    TILE_ROWS = FIXED_ORDER_MAX_TILE_ROWS,
    AVX2_TILE_ROWS = 6,
    AVX512_TILE_ROWS = 8,
};

long fixed_order_sgemm_block_floats(long k) { return (k > 0 ? k : 1) * BLOCK_COLUMNS; }

/// Panel q of the block holds B(p, first + 16 q + j) at block[(q k + p) 16 + j], 0 past `columns`.
NOT_THREAD_SANITIZED static void pack_block(const float *b, long ldb, bool trans_b, long k, long first, long columns, float *block) {
    const long panels = (columns + PANEL_COLUMNS - 1) / PANEL_COLUMNS;
    if (columns < panels * PANEL_COLUMNS) {
        float *last = block + (panels - 1) * k * PANEL_COLUMNS;
        for (long i = 0; i < k * PANEL_COLUMNS; i++) last[i] = 0;
    }
    if (trans_b) {  // B(p, j) = b[j ldb + p]: 16 x 16 blocks, 16 columns of B read whole, 16 panel rows written whole
        for (long q = 0; q < panels; q++) {
            const long left = columns - q * PANEL_COLUMNS, lanes = left < PANEL_COLUMNS ? left : PANEL_COLUMNS;
            float *panel = block + q * k * PANEL_COLUMNS;
            for (long top = 0; top < k; top += PANEL_COLUMNS) {
                const long count = k - top < PANEL_COLUMNS ? k - top : PANEL_COLUMNS;
                const float *corner = b + (first + q * PANEL_COLUMNS) * ldb + top;
                if (lanes == PANEL_COLUMNS && count == PANEL_COLUMNS) {
                    fixed_order_transpose16(corner, ldb, panel + top * PANEL_COLUMNS, PANEL_COLUMNS);
                    continue;
                }
                float tile[PANEL_COLUMNS][PANEL_COLUMNS];
                for (long j = 0; j < lanes; j++)
                    for (long t = 0; t < count; t++) tile[t][j] = corner[j * ldb + t];
                for (long t = 0; t < count; t++)
                    for (long j = 0; j < lanes; j++) panel[(top + t) * PANEL_COLUMNS + j] = tile[t][j];
            }
        }
        return;
    }
    for (long p = 0; p < k; p++) {  // read each row of B whole
        const float *source = b + p * ldb + first;
        for (long q = 0; q < panels; q++) {
            float *target = block + (q * k + p) * PANEL_COLUMNS;
            const long count = columns - q * PANEL_COLUMNS < PANEL_COLUMNS ? columns - q * PANEL_COLUMNS : PANEL_COLUMNS;
            for (long j = 0; j < count; j++) target[j] = source[q * PANEL_COLUMNS + j];
        }
    }
}

/// The accumulators of one tile: rows x (16 panels) entries, row i at acc + i * BLOCK_COLUMNS.
typedef float Tile[TILE_ROWS][BLOCK_COLUMNS];

/// C(i, j) = alpha * acc (+ beta * C(i, j)) for the rows x columns corner of a tile.
NOT_THREAD_SANITIZED static void store_tile(const Tile acc, long rows, long columns, float alpha, float beta, float *c, long ldc) {
    for (long i = 0; i < rows; i++) {
        for (long j = 0; j < columns; j++) {
            float value = acc[i][j];
            if (alpha != 1) value = alpha * value;
            if (beta != 0) {
                float scaled = beta * c[i * ldc + j];
                value = value + scaled;
            }
            c[i * ldc + j] = value;
        }
    }
}

/// acc[i][16 q + j] += A(i, p) B(p, 16 q + j) for p in order, for `rows` rows and `panels` panels:
/// p runs over `lines` lines of `length` positions, A(i, (l, t)) = a_rows[i][l line_stride + t step],
/// B(p, 16 q + j) = block[q panel_stride + 16 p + j]. Any CPU.
NOT_THREAD_SANITIZED static void accumulate_portable(long rows, long panels, const float *const *a_rows, long lines,
                                                     long line_stride, long length, long step, const float *block,
                                                     long panel_stride, Tile acc) {
    for (long l = 0; l < lines; l++) {
        for (long t = 0; t < length; t++, block += PANEL_COLUMNS) {
            for (long i = 0; i < rows; i++) {
                const float ai = a_rows[i][l * line_stride + t * step];
                for (long q = 0; q < panels; q++) {
                    const float *row = block + q * panel_stride;
                    for (long j = 0; j < PANEL_COLUMNS; j++)
                        acc[i][q * PANEL_COLUMNS + j] = fmaf(ai, row[j], acc[i][q * PANEL_COLUMNS + j]);
                }
            }
        }
    }
}

static void clear_tile(Tile acc, long rows, long panels) {
    for (long i = 0; i < rows; i++)
        for (long j = 0; j < panels * PANEL_COLUMNS; j++) acc[i][j] = 0;
}

/// acc = A(i, p) B(p, 16 q + j) summed over p in order, with A(i, p) = a[i rs + p cs]; then C
/// from it (`store_tile`). Any CPU.
NOT_THREAD_SANITIZED static void tile_portable(long rows, long panels, long k, const float *a, long rs, long cs, const float *block,
                          Tile acc, long width, float alpha, float beta, float *c, long ldc) {
    const float *a_rows[TILE_ROWS];
    for (long i = 0; i < rows; i++) a_rows[i] = a + i * rs;
    clear_tile(acc, rows, panels);
    accumulate_portable(rows, panels, a_rows, 1, 0, k, cs, block, k * PANEL_COLUMNS, acc);
    store_tile(acc, rows, width, alpha, beta, c, ldc);
}

/// The weight gradient's tile (`fixed_order_conv_weight_gradient`): acc[i][16 q + j] = sum over the
/// output positions n = (s, y, x) of the batch, in order, of
/// padded[s image_floats + offsets[i] + (y width + x) stride] * block[q panel_stride + 16 n + j]. Any CPU.
NOT_THREAD_SANITIZED static void weight_tile_portable(long rows, long panels, const float *padded, long image_floats,
                                                      const long *offsets, long batch, long out_h, long out_w,
                                                      long width, long stride, const float *block, long panel_stride,
                                                      Tile acc) {
    clear_tile(acc, rows, panels);
    for (long s = 0; s < batch; s++) {
        const float *a_rows[TILE_ROWS];
        for (long i = 0; i < rows; i++) a_rows[i] = padded + s * image_floats + offsets[i];
        accumulate_portable(rows, panels, a_rows, out_h, stride * width, out_w, stride, block + s * out_h * out_w * PANEL_COLUMNS,
                            panel_stride, acc);
    }
}

/// y[o] of pixel i at outputs[i][o out_plane] = acc[i][o] (+ bias[o]), added to the old value with
/// `accumulate`, for o < columns: one rounding per addition.
NOT_THREAD_SANITIZED static void store_conv_tile(const Tile acc, long rows, long columns, float *const *outputs,
                                                 long out_plane, const float *bias, int accumulate) {
    for (long j = 0; j < columns; j++) {
        for (long i = 0; i < rows; i++) {
            float value = acc[i][j];
            if (bias) value = value + bias[j];
            float *target = outputs[i] + j * out_plane;
            *target = accumulate ? *target + value : value;
        }
    }
}

/// The forward tile of a convolution with its output channels in panels
/// (`fixed_order_conv_forward`): acc[i][16 q + j] = sum over r = (c, y, x) of the kernel window, in
/// order, of padded[offsets[i] + c plane + y width + x] * block[q panel_stride + 16 r + j]; then
/// stored (`store_conv_tile`). Any CPU.
NOT_THREAD_SANITIZED static void conv_tile_portable(long rows, long panels, const float *padded, const long *offsets,
                                                    long channels, long plane, long kernel, long width,
                                                    const float *block, long panel_stride, Tile acc,
                                                    float *const *outputs, long out_plane, const float *bias,
                                                    int accumulate, long columns) {
    clear_tile(acc, rows, panels);
    for (long c = 0; c < channels; c++) {
        const float *a_rows[TILE_ROWS];
        for (long i = 0; i < rows; i++) a_rows[i] = padded + offsets[i] + c * plane;
        accumulate_portable(rows, panels, a_rows, kernel, width, kernel, 1, block + c * kernel * kernel * PANEL_COLUMNS,
                            panel_stride, acc);
    }
    store_conv_tile(acc, rows, columns, outputs, out_plane, bias, accumulate);
}

/// AVX2 tiles of 4 to 6 rows take one panel at a time, of 3 rows two, of 1 or 2 rows three: enough
/// independent accumulators (2 per row and panel) to keep both FMA units busy in 16 registers.
static long avx2_panels_per_tile(long rows) { return rows >= 4 ? 1 : rows == 3 ? 2 : 3; }

#if defined(__x86_64__)
/// AVX-512 tiles take up to 3 panels of any rows: 8 x 3 accumulators, one register per row and
/// panel, of 32 registers (3 more hold the panels; A is broadcast from memory).
static long avx512_panels_per_tile(long rows) { (void)rows; return BLOCK_PANELS; }

/// `accumulate_portable` into two 8-float FMA accumulators per row and panel (`sums`); `rows` and
/// `panels` are constants where inlined (rows x panels x 2 <= 12 accumulators in registers).
__attribute__((target("avx2,fma"), always_inline))
NOT_THREAD_SANITIZED static inline void accumulate_avx2(const long rows, const long panels, const float *const *a_rows,
                                                        long lines, long line_stride, long length, long step,
                                                        const float *block, long panel_stride,
                                                        __m256 sums[AVX2_TILE_ROWS][2 * BLOCK_PANELS]) {
    for (long l = 0; l < lines; l++) {
        for (long t = 0; t < length; t++, block += PANEL_COLUMNS) {
            __m256 columns[2 * BLOCK_PANELS];
            for (long v = 0; v < 2 * panels; v++)
                columns[v] = _mm256_loadu_ps(block + (v / 2) * panel_stride + (v % 2) * 8);
            const long at = l * line_stride + t * step;
            for (long i = 0; i < rows; i++) {
                const __m256 ai = _mm256_broadcast_ss(a_rows[i] + at);
                for (long v = 0; v < 2 * panels; v++) sums[i][v] = _mm256_fmadd_ps(ai, columns[v], sums[i][v]);
            }
        }
    }
}

/// `tile_portable` on AVX2 + FMA.
__attribute__((target("avx2,fma"), always_inline))
NOT_THREAD_SANITIZED static inline void tile_avx2_fixed(const long rows, const long panels, long k, const float *a, long rs, long cs,
                                   const float *block, Tile acc, long width, float alpha, float beta, float *c,
                                   long ldc) {
    __m256 sums[AVX2_TILE_ROWS][2 * BLOCK_PANELS];
    const float *a_rows[AVX2_TILE_ROWS];
    for (long i = 0; i < rows; i++) {
        a_rows[i] = a + i * rs;
        for (long v = 0; v < 2 * panels; v++) sums[i][v] = _mm256_setzero_ps();
    }
    accumulate_avx2(rows, panels, a_rows, 1, 0, k, cs, block, k * PANEL_COLUMNS, sums);
    if (width < panels * PANEL_COLUMNS) {  // a partial panel: through `acc`
        for (long i = 0; i < rows; i++)
            for (long v = 0; v < 2 * panels; v++) _mm256_storeu_ps(acc[i] + v * 8, sums[i][v]);
        return store_tile(acc, rows, width, alpha, beta, c, ldc);
    }
    // The same rounding steps as `store_tile`, eight entries at a time.
    const __m256 scale = _mm256_set1_ps(alpha), keep = _mm256_set1_ps(beta);
    for (long i = 0; i < rows; i++) {
        for (long v = 0; v < 2 * panels; v++) {
            __m256 value = sums[i][v];
            if (alpha != 1) value = _mm256_mul_ps(scale, value);
            if (beta != 0) value = _mm256_add_ps(value, _mm256_mul_ps(keep, _mm256_loadu_ps(c + i * ldc + v * 8)));
            _mm256_storeu_ps(c + i * ldc + v * 8, value);
        }
    }
}

/// `weight_tile_portable` on AVX2 + FMA.
__attribute__((target("avx2,fma"), always_inline))
NOT_THREAD_SANITIZED static inline void weight_tile_avx2_fixed(const long rows, const long panels, const float *padded,
                                                               long image_floats, const long *offsets, long batch,
                                                               long out_h, long out_w, long width, long stride,
                                                               const float *block,
                                                               long panel_stride, Tile acc) {
    __m256 sums[AVX2_TILE_ROWS][2 * BLOCK_PANELS];
    for (long i = 0; i < rows; i++)
        for (long v = 0; v < 2 * panels; v++) sums[i][v] = _mm256_setzero_ps();
    for (long s = 0; s < batch; s++) {
        const float *a_rows[AVX2_TILE_ROWS];
        for (long i = 0; i < rows; i++) a_rows[i] = padded + s * image_floats + offsets[i];
        accumulate_avx2(rows, panels, a_rows, out_h, stride * width, out_w, stride, block + s * out_h * out_w * PANEL_COLUMNS,
                        panel_stride, sums);
    }
    for (long i = 0; i < rows; i++)
        for (long v = 0; v < 2 * panels; v++) _mm256_storeu_ps(acc[i] + v * 8, sums[i][v]);
}

/// `conv_tile_portable` on AVX2 + FMA.
__attribute__((target("avx2,fma"), always_inline))
NOT_THREAD_SANITIZED static inline void conv_tile_avx2_fixed(const long rows, const long panels, const float *padded,
                                                             const long *offsets, long channels, long plane, long kernel,
                                                             long width, const float *block, long panel_stride,
                                                             Tile acc, float *const *outputs, long out_plane,
                                                             const float *bias, int accumulate, long columns) {
    __m256 sums[AVX2_TILE_ROWS][2 * BLOCK_PANELS];
    for (long i = 0; i < rows; i++)
        for (long v = 0; v < 2 * panels; v++) sums[i][v] = _mm256_setzero_ps();
    for (long c = 0; c < channels; c++) {
        const float *a_rows[AVX2_TILE_ROWS];
        for (long i = 0; i < rows; i++) a_rows[i] = padded + offsets[i] + c * plane;
        accumulate_avx2(rows, panels, a_rows, kernel, width, kernel, 1, block + c * kernel * kernel * PANEL_COLUMNS,
                        panel_stride, sums);
    }
    for (long i = 0; i < rows; i++)
        for (long v = 0; v < 2 * panels; v++) _mm256_storeu_ps(acc[i] + v * 8, sums[i][v]);
    store_conv_tile(acc, rows, columns, outputs, out_plane, bias, accumulate);
}

/// The AVX2 tile shapes compiled with constant sizes: X(F, rows, panels).
#define FOR_EACH_AVX2_TILE_SHAPE(X, F) \
    X(F, 6, 1) X(F, 5, 1) X(F, 4, 1) X(F, 3, 2) X(F, 3, 1) X(F, 2, 3) X(F, 2, 2) X(F, 2, 1) X(F, 1, 3) X(F, 1, 2) X(F, 1, 1)

/// A path's tile kernels: `name` and `weight_name` call its constant-size tiles `fixed` and
/// `weight_fixed` for the shapes `SHAPES` lists, the portable ones for any other.
#define TILE_CASE(F, R, P) \
    if (rows == R && panels == P) return F(R, P, k, a, rs, cs, block, acc, width, alpha, beta, c, ldc);
#define WEIGHT_TILE_CASE(F, R, P) \
    if (rows == R && panels == P)  \
        return F(R, P, padded, image_floats, offsets, batch, out_h, out_w, width, stride, block, panel_stride, acc);
#define CONV_TILE_CASE(F, R, P)                                                                                   \
    if (rows == R && panels == P)                                                                                 \
        return F(R, P, padded, offsets, channels, plane, kernel, width, block, panel_stride, acc, outputs, out_plane, \
                 bias, accumulate, columns);
#define DEFINE_TILE_KERNELS(TARGET, name, fixed, weight_name, weight_fixed, conv_name, conv_fixed, SHAPES)          \
    __attribute__((target(TARGET))) NOT_THREAD_SANITIZED static void name(                                        \
        long rows, long panels, long k, const float *a, long rs, long cs, const float *block, Tile acc, long width,  \
        float alpha, float beta, float *c, long ldc) {                                                              \
        SHAPES(TILE_CASE, fixed)                                                                                   \
        tile_portable(rows, panels, k, a, rs, cs, block, acc, width, alpha, beta, c, ldc);                          \
    }                                                                                                              \
    __attribute__((target(TARGET))) NOT_THREAD_SANITIZED static void weight_name(                                 \
        long rows, long panels, const float *padded, long image_floats, const long *offsets, long batch, long out_h, \
        long out_w, long width, long stride, const float *block, long panel_stride, Tile acc) {                     \
        SHAPES(WEIGHT_TILE_CASE, weight_fixed)                                                                     \
        weight_tile_portable(rows, panels, padded, image_floats, offsets, batch, out_h, out_w, width, stride, block, \
                             panel_stride, acc);                                                                   \
    }                                                                                                              \
    __attribute__((target(TARGET))) NOT_THREAD_SANITIZED static void conv_name(                                   \
        long rows, long panels, const float *padded, const long *offsets, long channels, long plane, long kernel,   \
        long width, const float *block, long panel_stride, Tile acc, float *const *outputs, long out_plane,         \
        const float *bias, int accumulate, long columns) {                                                          \
        SHAPES(CONV_TILE_CASE, conv_fixed)                                                                         \
        conv_tile_portable(rows, panels, padded, offsets, channels, plane, kernel, width, block, panel_stride, acc,  \
                           outputs, out_plane, bias, accumulate, columns);                                         \
    }

DEFINE_TILE_KERNELS("avx2,fma", tile_avx2, tile_avx2_fixed, weight_tile_avx2, weight_tile_avx2_fixed, conv_tile_avx2,
                    conv_tile_avx2_fixed, FOR_EACH_AVX2_TILE_SHAPE)



#define AVX512 "avx512f,avx2,fma"

/// `accumulate_portable` into one 16-float FMA accumulator per row and panel (`sums`); `rows` and
/// `panels` are constants where inlined (up to 8 x 3 accumulators in registers).
__attribute__((target(AVX512), always_inline))
NOT_THREAD_SANITIZED static inline void accumulate_avx512(const long rows, const long panels, const float *const *a_rows,
                                                          long lines, long line_stride, long length, long step,
                                                          const float *block, long panel_stride,
                                                          __m512 sums[AVX512_TILE_ROWS][BLOCK_PANELS]) {
    for (long l = 0; l < lines; l++) {
        for (long t = 0; t < length; t++, block += PANEL_COLUMNS) {
            __m512 columns[BLOCK_PANELS];
            for (long v = 0; v < panels; v++) columns[v] = _mm512_loadu_ps(block + v * panel_stride);
            const long at = l * line_stride + t * step;
            for (long i = 0; i < rows; i++) {
                const __m512 ai = _mm512_set1_ps(a_rows[i][at]);
                for (long v = 0; v < panels; v++) sums[i][v] = _mm512_fmadd_ps(ai, columns[v], sums[i][v]);
            }
        }
    }
}

/// `tile_portable` on AVX-512.
__attribute__((target(AVX512), always_inline))
NOT_THREAD_SANITIZED static inline void tile_avx512_fixed(const long rows, const long panels, long k, const float *a, long rs,
                                                          long cs, const float *block, Tile acc, long width, float alpha,
                                                          float beta, float *c, long ldc) {
    __m512 sums[AVX512_TILE_ROWS][BLOCK_PANELS];
    const float *a_rows[AVX512_TILE_ROWS];
    for (long i = 0; i < rows; i++) {
        a_rows[i] = a + i * rs;
        for (long v = 0; v < panels; v++) sums[i][v] = _mm512_setzero_ps();
    }
    accumulate_avx512(rows, panels, a_rows, 1, 0, k, cs, block, k * PANEL_COLUMNS, sums);
    if (width < panels * PANEL_COLUMNS) {  // a partial panel: through `acc`
        for (long i = 0; i < rows; i++)
            for (long v = 0; v < panels; v++) _mm512_storeu_ps(acc[i] + v * PANEL_COLUMNS, sums[i][v]);
        return store_tile(acc, rows, width, alpha, beta, c, ldc);
    }
    // The same rounding steps as `store_tile`, sixteen entries at a time.
    const __m512 scale = _mm512_set1_ps(alpha), keep = _mm512_set1_ps(beta);
    for (long i = 0; i < rows; i++) {
        for (long v = 0; v < panels; v++) {
            __m512 value = sums[i][v];
            if (alpha != 1) value = _mm512_mul_ps(scale, value);
            if (beta != 0)
                value = _mm512_add_ps(value, _mm512_mul_ps(keep, _mm512_loadu_ps(c + i * ldc + v * PANEL_COLUMNS)));
            _mm512_storeu_ps(c + i * ldc + v * PANEL_COLUMNS, value);
        }
    }
}

/// `weight_tile_portable` on AVX-512.
__attribute__((target(AVX512), always_inline))
NOT_THREAD_SANITIZED static inline void weight_tile_avx512_fixed(const long rows, const long panels, const float *padded,
                                                                 long image_floats, const long *offsets, long batch,
                                                                 long out_h, long out_w, long width, long stride,
                                                                 const float *block, long panel_stride, Tile acc) {
    __m512 sums[AVX512_TILE_ROWS][BLOCK_PANELS];
    for (long i = 0; i < rows; i++)
        for (long v = 0; v < panels; v++) sums[i][v] = _mm512_setzero_ps();
    for (long s = 0; s < batch; s++) {
        const float *a_rows[AVX512_TILE_ROWS];
        for (long i = 0; i < rows; i++) a_rows[i] = padded + s * image_floats + offsets[i];
        accumulate_avx512(rows, panels, a_rows, out_h, stride * width, out_w, stride,
                          block + s * out_h * out_w * PANEL_COLUMNS, panel_stride, sums);
    }
    for (long i = 0; i < rows; i++)
        for (long v = 0; v < panels; v++) _mm512_storeu_ps(acc[i] + v * PANEL_COLUMNS, sums[i][v]);
}

/// The 8 x 16 block `sums` (pixel i's 16 channels in sums[i]) stored channel by channel: channel
/// o's 8 pixels at target + o out_plane (+ the old values with `accumulate`). Unpacks and shuffles
/// within 128-bit lanes, then two-source permutes pair channel k with 4 + k (and 8 + k with 12 + k).
__attribute__((target(AVX512), always_inline))
NOT_THREAD_SANITIZED static inline void store_transposed_avx512(const __m512 sums[8], float *target, long out_plane,
                                                                int accumulate) {
    __m512 t[8], u[8];
    for (long h = 0; h < 2; h++) {  // pixels 4 h ..< 4 h + 4
        const __m512 *r = sums + 4 * h;
        t[4 * h + 0] = _mm512_unpacklo_ps(r[0], r[1]);
        t[4 * h + 1] = _mm512_unpackhi_ps(r[0], r[1]);
        t[4 * h + 2] = _mm512_unpacklo_ps(r[2], r[3]);
        t[4 * h + 3] = _mm512_unpackhi_ps(r[2], r[3]);
        // u[4 h + k], 128-bit lane L: channel 4 L + k of pixels 4 h ..< 4 h + 4.
        u[4 * h + 0] = _mm512_shuffle_ps(t[4 * h + 0], t[4 * h + 2], 0x44);
        u[4 * h + 1] = _mm512_shuffle_ps(t[4 * h + 0], t[4 * h + 2], 0xee);
        u[4 * h + 2] = _mm512_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0x44);
        u[4 * h + 3] = _mm512_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0xee);
    }
    const __m512i low = _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
    const __m512i high = _mm512_setr_epi32(8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
    for (long k = 0; k < 4; k++) {
        const __m512 pair[2] = {_mm512_permutex2var_ps(u[k], low, u[4 + k]),     // channels k, 4 + k
                                _mm512_permutex2var_ps(u[k], high, u[4 + k])};   // channels 8 + k, 12 + k
        for (long half = 0; half < 2; half++) {
            for (long side = 0; side < 2; side++) {
                float *out = target + (8 * half + 4 * side + k) * out_plane;
                __m256 value = side ? _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(pair[half]), 1))
                                   : _mm512_castps512_ps256(pair[half]);
                if (accumulate) value = _mm256_add_ps(_mm256_loadu_ps(out), value);
                _mm256_storeu_ps(out, value);
            }
        }
    }
}

/// A tile of 8 pixels side by side in one image (`acc`, whole panels) stored channel by channel,
/// + bias first (one rounding), then added to the old values with `accumulate`.
__attribute__((target(AVX512)))
NOT_THREAD_SANITIZED static void store_tile_transposed_avx512(const Tile acc, long panels, float *target,
                                                              long out_plane, const float *bias, int accumulate) {
    for (long v = 0; v < panels; v++) {
        __m512 block[8];
        const __m512 shift = bias ? _mm512_loadu_ps(bias + v * PANEL_COLUMNS) : _mm512_setzero_ps();
        for (long i = 0; i < 8; i++) {
            block[i] = _mm512_loadu_ps(acc[i] + v * PANEL_COLUMNS);
            if (bias) block[i] = _mm512_add_ps(block[i], shift);
        }
        store_transposed_avx512(block, target + v * PANEL_COLUMNS * out_plane, out_plane, accumulate);
    }
}

/// `conv_tile_portable` on AVX-512; 8 pixels side by side in one image with whole panels are
/// stored by vector transposes (`store_tile_transposed_avx512`).
__attribute__((target(AVX512), always_inline))
NOT_THREAD_SANITIZED static inline void conv_tile_avx512_fixed(const long rows, const long panels, const float *padded,
                                                               const long *offsets, long channels, long plane,
                                                               long kernel, long width, const float *block,
                                                               long panel_stride, Tile acc, float *const *outputs,
                                                               long out_plane, const float *bias, int accumulate,
                                                               long columns) {
    __m512 sums[AVX512_TILE_ROWS][BLOCK_PANELS];
    for (long i = 0; i < rows; i++)
        for (long v = 0; v < panels; v++) sums[i][v] = _mm512_setzero_ps();
    for (long c = 0; c < channels; c++) {
        const float *a_rows[AVX512_TILE_ROWS];
        for (long i = 0; i < rows; i++) a_rows[i] = padded + offsets[i] + c * plane;
        accumulate_avx512(rows, panels, a_rows, kernel, width, kernel, 1, block + c * kernel * kernel * PANEL_COLUMNS,
                          panel_stride, sums);
    }
    for (long i = 0; i < rows; i++)
        for (long v = 0; v < panels; v++) _mm512_storeu_ps(acc[i] + v * PANEL_COLUMNS, sums[i][v]);
    int side_by_side = rows == 8 && columns == panels * PANEL_COLUMNS;
    for (long i = 1; side_by_side && i < rows; i++) side_by_side = outputs[i] == outputs[0] + i;
    if (!side_by_side) return store_conv_tile(acc, rows, columns, outputs, out_plane, bias, accumulate);
    store_tile_transposed_avx512(acc, panels, outputs[0], out_plane, bias, accumulate);
}

/// The AVX-512 tile shapes compiled with constant sizes: X(F, rows, panels), 1 to 8 rows x 1 to 3 panels.
#define FOR_EACH_AVX512_ROWS(X, F, R) X(F, R, 3) X(F, R, 2) X(F, R, 1)
#define FOR_EACH_AVX512_TILE_SHAPE(X, F)                                                                       \
    FOR_EACH_AVX512_ROWS(X, F, 8) FOR_EACH_AVX512_ROWS(X, F, 7) FOR_EACH_AVX512_ROWS(X, F, 6)                 \
    FOR_EACH_AVX512_ROWS(X, F, 5) FOR_EACH_AVX512_ROWS(X, F, 4) FOR_EACH_AVX512_ROWS(X, F, 3)                 \
    FOR_EACH_AVX512_ROWS(X, F, 2) FOR_EACH_AVX512_ROWS(X, F, 1)

DEFINE_TILE_KERNELS(AVX512, tile_avx512, tile_avx512_fixed, weight_tile_avx512, weight_tile_avx512_fixed,
                    conv_tile_avx512, conv_tile_avx512_fixed, FOR_EACH_AVX512_TILE_SHAPE)


#endif

/// The tile kernels of one path (all give the same bits) and their tile sizes.
typedef void (*TileKernel)(long, long, long, const float *, long, long, const float *, Tile, long, float, float,
                           float *, long);
typedef void (*WeightTileKernel)(long, long, const float *, long, const long *, long, long, long, long, long,
                                 const float *, long, Tile);
typedef void (*ConvTileKernel)(long, long, const float *, const long *, long, long, long, long, const float *, long,
                               Tile, float *const *, long, const float *, int, long);
typedef struct {
    TileKernel tile;
    WeightTileKernel weight_tile;
    ConvTileKernel conv_tile;
    long max_rows;
    long (*panels_per_tile)(long rows);
} Kernel;

static Kernel kernel_for(fixed_order_path path) {
    switch (path) {
#if defined(__x86_64__)
    case FIXED_ORDER_PATH_AVX512: return (Kernel){tile_avx512, weight_tile_avx512, conv_tile_avx512, AVX512_TILE_ROWS, avx512_panels_per_tile};
    case FIXED_ORDER_PATH_AVX2: return (Kernel){tile_avx2, weight_tile_avx2, conv_tile_avx2, AVX2_TILE_ROWS, avx2_panels_per_tile};
#endif
    default: return (Kernel){tile_portable, weight_tile_portable, conv_tile_portable, AVX2_TILE_ROWS, avx2_panels_per_tile};
    }
}

static Kernel current_kernel(void) { return kernel_for(fixed_order_current_path()); }

long fixed_order_tile_rows(void) { return current_kernel().max_rows; }

/// C[:, first ..< first + columns] from the packed panels of those columns (`block`).
static void multiply_block(Kernel kernel, long m, long k, float alpha, const float *a, long rs, long cs,
                           const float *block, long first, long columns, float beta, float *c, long ldc) {
    Tile acc;
    const long panels = (columns + PANEL_COLUMNS - 1) / PANEL_COLUMNS;
    for (long top = 0; top < m; top += kernel.max_rows) {
        const long rows = m - top < kernel.max_rows ? m - top : kernel.max_rows;
        const long step = kernel.panels_per_tile(rows);
        for (long q = 0; q < panels; q += step) {
            const long group = panels - q < step ? panels - q : step;
            const long width = columns - q * PANEL_COLUMNS;
            kernel.tile(rows, group, k, a + top * rs, rs, cs, block + q * k * PANEL_COLUMNS, acc,
                        width < group * PANEL_COLUMNS ? width : group * PANEL_COLUMNS, alpha, beta,
                        c + top * ldc + first + q * PANEL_COLUMNS, ldc);
        }
    }
}

void fixed_order_sgemm(int trans_a, int trans_b, long m, long n, long k, float alpha,
                       const float *a, long lda, const float *b, long ldb, float beta,
                       float *c, long ldc, float *block) {
    // A(i, p) = a[i rs + p cs]
    const long rs = trans_a ? 1 : lda, cs = trans_a ? lda : 1;
    const Kernel kernel = current_kernel();
    for (long first = 0; first < n; first += BLOCK_COLUMNS) {
        const long columns = n - first < BLOCK_COLUMNS ? n - first : BLOCK_COLUMNS;
        pack_block(b, ldb, trans_b, k, first, columns, block);
        multiply_block(kernel, m, k, alpha, a, rs, cs, block, first, columns, beta, c, ldc);
    }
}

void fixed_order_sgemm_packed(long m, long n, long k, float alpha, const float *a, long lda, const float *packed,
                              float beta, float *c, long ldc) {
    const Kernel kernel = current_kernel();
    for (long first = 0; first < n; first += BLOCK_COLUMNS) {
        const long columns = n - first < BLOCK_COLUMNS ? n - first : BLOCK_COLUMNS;
        multiply_block(kernel, m, k, alpha, a, lda, 1, packed + first * k, first, columns, beta, c, ldc);
    }
}

void fixed_order_pack_channel_panels(const float *x, long batch, long channels, long plane, long first, long count,
                                     float *packed) {
    const long panels = (channels + PANEL_COLUMNS - 1) / PANEL_COLUMNS, panel_stride = batch * plane * PANEL_COLUMNS;
    for (long s = first; s < first + count; s++) {
        for (long q = 0; q < panels; q++) {  // 16 channels' rows read together, each position's 16 written whole
            const long lanes = channels - q * PANEL_COLUMNS < PANEL_COLUMNS ? channels - q * PANEL_COLUMNS : PANEL_COLUMNS;
            const float *source = x + (s * channels + q * PANEL_COLUMNS) * plane;
            float *target = packed + q * panel_stride + s * plane * PANEL_COLUMNS;
            for (long t = 0; t < plane; t++, target += PANEL_COLUMNS) {
                for (long j = 0; j < lanes; j++) target[j] = source[j * plane + t];
                for (long j = lanes; j < PANEL_COLUMNS; j++) target[j] = 0;
            }
        }
    }
}

void fixed_order_conv_weight_gradient(const float *padded, const float *packed_dy, long batch, long channels,
                                      long kernel, long stride, long height, long width, long out_channels,
                                      long first_row, long row_count, int accumulate, float *dw) {
    const long kk = kernel * kernel, rows_total = channels * kk;
    const long out_h = (height - kernel) / stride + 1, out_w = (width - kernel) / stride + 1;
    const long panels = (out_channels + PANEL_COLUMNS - 1) / PANEL_COLUMNS;
    const long panel_stride = batch * out_h * out_w * PANEL_COLUMNS, image_floats = channels * height * width;
    const Kernel tiles = current_kernel();
    Tile acc;
    for (long top = first_row; top < first_row + row_count; top += tiles.max_rows) {
        const long left_rows = first_row + row_count - top;
        const long rows = left_rows < tiles.max_rows ? left_rows : tiles.max_rows;
        // Row r = (c k + i) k + j of im2col's matrix starts at (c height + i) width + j of an image.
        long offsets[TILE_ROWS];
        for (long i = 0; i < rows; i++) {
            const long r = top + i, c = r / kk;
            offsets[i] = (c * height + (r % kk) / kernel) * width + r % kernel;
        }
        const long step = tiles.panels_per_tile(rows);
        for (long q = 0; q < panels; q += step) {
            const long group = panels - q < step ? panels - q : step;
            tiles.weight_tile(rows, group, padded, image_floats, offsets, batch, out_h, out_w, width, stride,
                 packed_dy + q * panel_stride, panel_stride, acc);
            const long left = out_channels - q * PANEL_COLUMNS;
            const long columns = left < group * PANEL_COLUMNS ? left : group * PANEL_COLUMNS;
            for (long j = 0; j < columns; j++) {
                float *target = dw + (q * PANEL_COLUMNS + j) * rows_total + top;
                for (long i = 0; i < rows; i++) target[i] = accumulate ? target[i] + acc[i][j] : acc[i][j];
            }
        }
    }
}

void fixed_order_pack_weight_panels(const float *w, long out_channels, long rows, float *packed) {
    for (long first = 0; first < out_channels; first += BLOCK_COLUMNS) {
        const long columns = out_channels - first < BLOCK_COLUMNS ? out_channels - first : BLOCK_COLUMNS;
        pack_block(w, rows, true, rows, first, columns, packed + first * rows);
    }
}

void fixed_order_conv_forward(const float *padded, const float *packed_w, long channels, long height, long width,
                              long kernel, long stride, long out_channels, long first_pixel, long pixel_count,
                              const float *bias, int accumulate, float *y) {
    const long out_h = (height - kernel) / stride + 1, out_w = (width - kernel) / stride + 1, out_plane = out_h * out_w;
    const long plane = height * width, rows_total = channels * kernel * kernel;
    const long panels = (out_channels + PANEL_COLUMNS - 1) / PANEL_COLUMNS, panel_stride = rows_total * PANEL_COLUMNS;
    const Kernel tiles = current_kernel();
    Tile acc;
    for (long top = first_pixel; top < first_pixel + pixel_count; top += tiles.max_rows) {
        const long left = first_pixel + pixel_count - top, rows = left < tiles.max_rows ? left : tiles.max_rows;
        // Pixel n = (b, oy, ox): its window starts at padded[b, 0, oy s, ox s]; its outputs at y[b, :, oy, ox].
        long offsets[TILE_ROWS];
        float *outputs[TILE_ROWS];
        for (long i = 0; i < rows; i++) {
            const long n = top + i, b = n / out_plane, q = n % out_plane;
            offsets[i] = b * channels * plane + (q / out_w * width + q % out_w) * stride;
            outputs[i] = y + b * out_channels * out_plane + q;
        }
        const long step = tiles.panels_per_tile(rows);
        for (long q = 0; q < panels; q += step) {
            const long group = panels - q < step ? panels - q : step;
            const long remaining = out_channels - q * PANEL_COLUMNS;
            const long columns = remaining < group * PANEL_COLUMNS ? remaining : group * PANEL_COLUMNS;
            float *outputs_q[TILE_ROWS];
            for (long i = 0; i < rows; i++) outputs_q[i] = outputs[i] + q * PANEL_COLUMNS * out_plane;
            tiles.conv_tile(rows, group, padded, offsets, channels, plane, kernel, width, packed_w + q * panel_stride,
                            panel_stride, acc, outputs_q, out_plane, bias ? bias + q * PANEL_COLUMNS : NULL,
                            accumulate, columns);
        }
    }
}
