#include "fixed_order_sgemm.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// The lowering only copies floats: every path gives the same bits.

// Not instrumented by ThreadSanitizer (as the product's tiles): threads lower disjoint panels.
#define NOT_THREAD_SANITIZED __attribute__((no_sanitize("thread")))

enum { PANEL_COLUMNS = FIXED_ORDER_PANEL_COLUMNS };

/// Lanes of a panel row that read the input, for one kernel offset (i, j): lane L of row (c, i, j)
/// holds x[offset + c plane + L] for L in mask, 0 for the other lanes.
typedef struct {
    long offset;
    unsigned mask;
} Piece;

/// A run of a panel's columns in one output row: lanes lane ..< lane + length hold output
/// positions (image, oy, ox ..< ox + length).
typedef struct {
    long lane, length, image, oy, ox;
} Segment;

/// The segments of columns first ..< first + columns (at most 16) of im2col's matrix with output
/// images of out_h x out_w positions.
static long panel_segments(long out_h, long out_w, long first, long columns, Segment segments[PANEL_COLUMNS]) {
    const long out_plane = out_h * out_w;
    long count = 0, n = first, image = first / out_plane, oy = first % out_plane / out_w, ox = first % out_w;
    while (n < first + columns) {
        const long left = first + columns - n, length = left < out_w - ox ? left : out_w - ox;
        segments[count++] = (Segment){n - first, length, image, oy, ox};
        n += length;
        ox = 0;
        if (++oy == out_h) oy = 0, image++;
    }
    return count;
}

/// The pieces of kernel offset (i, j): one per segment whose input row y = oy + i - p lies
/// inside the image, its lanes cut to the input columns x = ox + j - p inside [0, width).
static long panel_pieces(long i, long j, long channels, long height, long width, long padding,
                         const Segment *segments, long segment_count, Piece pieces[PANEL_COLUMNS]) {
    long count = 0;
    for (long s = 0; s < segment_count; s++) {
        const Segment g = segments[s];
        const long y = g.oy + i - padding, x = g.ox + j - padding;
        if (y < 0 || y >= height) continue;
        // Lanes lane + t for t in [max(0, -x), min(length, width - x)) read x + t in [0, width).
        const long lo = g.lane + (x < 0 ? -x : 0), hi = g.lane + (g.length < width - x ? g.length : width - x);
        if (lo >= hi) continue;
        pieces[count].offset = (g.image * channels * height + y) * width + x - g.lane;
        pieces[count].mask = (unsigned)(((1ul << hi) - 1) & ~((1ul << lo) - 1));
        count++;
    }
    return count;
}

/// Rows (c, i, j) for c < channels of one kernel offset, `row_stride` floats apart, any CPU.
NOT_THREAD_SANITIZED static void lower_rows_portable(float *row, long row_stride, const float *x, long plane, long channels,
                                const Piece *pieces, long count) {
    for (long c = 0; c < channels; c++, row += row_stride, x += plane) {
        for (long lane = 0; lane < PANEL_COLUMNS; lane++) row[lane] = 0;
        for (long piece = 0; piece < count; piece++) {
            const float *source = x + pieces[piece].offset;
            for (long lane = 0; lane < PANEL_COLUMNS; lane++)
                if (pieces[piece].mask >> lane & 1) row[lane] = source[lane];
        }
    }
}

#if defined(__x86_64__)
/// `lower_rows_portable` on AVX2: each piece as two masked 8-float loads (masked-out lanes read
/// nothing and give 0), the pieces' lanes disjoint, so OR combines them.
__attribute__((target("avx2,fma")))
NOT_THREAD_SANITIZED static void lower_rows_avx2(float *row, long row_stride, const float *x, long plane, long channels,
                            const Piece *pieces, long count) {
    __m256i low[PANEL_COLUMNS], high[PANEL_COLUMNS];
    const __m256i lanes = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    for (long piece = 0; piece < count; piece++) {  // lane t's sign bit set where mask bit t is
        const __m256i bits_low = _mm256_set1_epi32((int)(pieces[piece].mask & 0xff));
        const __m256i bits_high = _mm256_set1_epi32((int)(pieces[piece].mask >> 8 & 0xff));
        low[piece] = _mm256_cmpeq_epi32(_mm256_and_si256(bits_low, lanes), lanes);
        high[piece] = _mm256_cmpeq_epi32(_mm256_and_si256(bits_high, lanes), lanes);
    }
    for (long c = 0; c < channels; c++, row += row_stride, x += plane) {
        __m256 first = _mm256_setzero_ps(), second = _mm256_setzero_ps();
        for (long piece = 0; piece < count; piece++) {
            const float *source = x + pieces[piece].offset;
            first = _mm256_or_ps(first, _mm256_maskload_ps(source, low[piece]));
            second = _mm256_or_ps(second, _mm256_maskload_ps(source + 8, high[piece]));
        }
        _mm256_storeu_ps(row, first);
        _mm256_storeu_ps(row + 8, second);
    }
}

/// `lower_rows_portable` on AVX-512: each piece one masked 16-float load into the row's register.
__attribute__((target("avx512f,avx2,fma")))
NOT_THREAD_SANITIZED static void lower_rows_avx512(float *row, long row_stride, const float *x, long plane, long channels,
                              const Piece *pieces, long count) {
    for (long c = 0; c < channels; c++, row += row_stride, x += plane) {
        __m512 value = _mm512_setzero_ps();
        for (long piece = 0; piece < count; piece++)
            value = _mm512_mask_loadu_ps(value, (__mmask16)pieces[piece].mask, x + pieces[piece].offset);
        _mm512_storeu_ps(row, value);
    }
}
#endif

void fixed_order_lower_panel(float *panel, const float *x, long channels, long height, long width, long kernel,
                             long padding, long first, long columns) {
    void (*lower_rows)(float *, long, const float *, long, long, const Piece *, long) = lower_rows_portable;
#if defined(__x86_64__)
    switch (fixed_order_current_path()) {
    case FIXED_ORDER_PATH_AVX512: lower_rows = lower_rows_avx512; break;
    case FIXED_ORDER_PATH_AVX2: lower_rows = lower_rows_avx2; break;
    default: break;
    }
#endif
    const long kk = kernel * kernel;
    const long out_h = height + 2 * padding - kernel + 1, out_w = width + 2 * padding - kernel + 1;
    Segment segments[PANEL_COLUMNS];
    const long segment_count = panel_segments(out_h, out_w, first, columns, segments);
    for (long i = 0; i < kernel; i++) {
        for (long j = 0; j < kernel; j++) {
            Piece pieces[PANEL_COLUMNS];
            const long count = panel_pieces(i, j, channels, height, width, padding, segments, segment_count, pieces);
            lower_rows(panel + (i * kernel + j) * PANEL_COLUMNS, kk * PANEL_COLUMNS, x, height * width, channels,
                       pieces, count);
        }
    }
}
