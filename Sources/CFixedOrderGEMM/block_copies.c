// Copies of blocks the products read: zero-bordered planes (`fixed_order_pad`) and 16 x 16
// transposes (`fixed_order_transpose16`). They move floats without arithmetic, so every path gives
// the same bits; the paths differ only in how many loads and stores a row takes.
#include "block_copies.h"
#include "fixed_order_sgemm.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define NOT_THREAD_SANITIZED __attribute__((no_sanitize("thread")))

/// target[0 ..< count] = source[0 ..< count] for 1 to 16 floats: two overlapping 8- or 4-float
/// moves cover a run exactly (nothing outside it is read or written).
NOT_THREAD_SANITIZED static inline void copy_run(float *target, const float *source, long count) {
    if (count >= 8) {
        memcpy(target, source, 32);
        memcpy(target + count - 8, source + count - 8, 32);
    } else if (count >= 4) {
        memcpy(target, source, 16);
        memcpy(target + count - 4, source + count - 4, 16);
    } else {
        for (long t = 0; t < count; t++) target[t] = source[t];
    }
}

/// `fixed_order_pad`, any CPU: border rows cleared whole, each inner row as its p zeros either side
/// and the w floats of its source row.
NOT_THREAD_SANITIZED static void pad_portable(const float *x, float *padded, long planes, long h, long w, long p) {
    const long height = h + 2 * p, width = w + 2 * p;
    for (long q = 0; q < planes; q++) {
        float *plane = padded + q * height * width;
        memset(plane, 0, (size_t)(p * width) * sizeof(float));
        memset(plane + (p + h) * width, 0, (size_t)(p * width) * sizeof(float));
        const float *source = x + q * h * w;
        for (long y = 0; y < h; y++) {
            float *row = plane + (p + y) * width;
            for (long t = 0; t < p; t++) row[t] = row[p + w + t] = 0;
            if (w <= 16) {
                copy_run(row + p, source + y * w, w);
            } else {
                memcpy(row + p, source + y * w, (size_t)w * sizeof(float));
            }
        }
    }
}

#if defined(__x86_64__)
/// `fixed_order_pad` on AVX-512 for padded rows of at most 16 floats: each row one masked store of
/// `width` lanes; an inner row's value is a masked load of its w source floats moved up p lanes
/// by one permute (lanes outside p ..< p + w zero), so nothing outside x is read.
__attribute__((target("avx512f,avx2,fma")))
NOT_THREAD_SANITIZED static void pad_narrow_avx512(const float *x, float *padded, long planes, long h, long w, long p) {
    const long height = h + 2 * p, width = w + 2 * p;
    const __mmask16 row_lanes = (__mmask16)((1u << width) - 1), source_lanes = (__mmask16)((1u << w) - 1);
    const __mmask16 inner_lanes = (__mmask16)(source_lanes << p);
    const __m512i shift = _mm512_sub_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                           _mm512_set1_epi32((int)p));
    const __m512 zero = _mm512_setzero_ps();
    for (long q = 0; q < planes; q++) {
        float *row = padded + q * height * width;
        const float *source = x + q * h * w;
        for (long y = 0; y < p; y++, row += width) _mm512_mask_storeu_ps(row, row_lanes, zero);
        for (long y = 0; y < h; y++, row += width, source += w) {
            const __m512 value = _mm512_maskz_loadu_ps(source_lanes, source);
            _mm512_mask_storeu_ps(row, row_lanes, _mm512_maskz_permutexvar_ps(inner_lanes, shift, value));
        }
        for (long y = 0; y < p; y++, row += width) _mm512_mask_storeu_ps(row, row_lanes, zero);
    }
}
#endif

NOT_THREAD_SANITIZED void fixed_order_pad(const float *x, float *padded, long planes, long h, long w, long p) {
#if defined(__x86_64__)
    if (w + 2 * p <= 16 && fixed_order_current_path() == FIXED_ORDER_PATH_AVX512)
        return pad_narrow_avx512(x, padded, planes, h, w, p);
#endif
    pad_portable(x, padded, planes, h, w, p);
}

/// `fixed_order_transpose16`, any CPU.
NOT_THREAD_SANITIZED static void transpose16_portable(const float *source, long source_stride, float *target,
                                                      long target_stride) {
    for (long t = 0; t < 16; t++)
        for (long j = 0; j < 16; j++) target[t * target_stride + j] = source[j * source_stride + t];
}

#if defined(__x86_64__)
/// One 8 x 8 block transposed in registers: unpacks pair rows, 4-float shuffles gather columns
/// within 128-bit halves, and 128-bit permutes join the halves.
__attribute__((target("avx2,fma")))
NOT_THREAD_SANITIZED static void transpose8_avx2(const float *source, long source_stride, float *target,
                                                 long target_stride) {
    __m256 r[8], t[8], s[8];
    for (long i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(source + i * source_stride);
    for (long i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (long h = 0; h < 8; h += 4) {  // s[h + k], half L: column 4 L + k of rows h ..< h + 4
        s[h + 0] = _mm256_shuffle_ps(t[h + 0], t[h + 2], 0x44);
        s[h + 1] = _mm256_shuffle_ps(t[h + 0], t[h + 2], 0xee);
        s[h + 2] = _mm256_shuffle_ps(t[h + 1], t[h + 3], 0x44);
        s[h + 3] = _mm256_shuffle_ps(t[h + 1], t[h + 3], 0xee);
    }
    for (long k = 0; k < 4; k++) {
        _mm256_storeu_ps(target + k * target_stride, _mm256_permute2f128_ps(s[k], s[4 + k], 0x20));
        _mm256_storeu_ps(target + (4 + k) * target_stride, _mm256_permute2f128_ps(s[k], s[4 + k], 0x31));
    }
}

/// One 16 x 16 block transposed in registers: the 8 x 8 steps within 128-bit lanes (unpacks of
/// floats, then of float pairs), then two rounds of 128-bit lane shuffles across rows 4 apart and
/// 8 apart.
__attribute__((target("avx512f,avx2,fma")))
NOT_THREAD_SANITIZED static void transpose16_avx512(const float *source, long source_stride, float *target,
                                                    long target_stride) {
    __m512 r[16], t[16];
    for (long i = 0; i < 16; i++) r[i] = _mm512_loadu_ps(source + i * source_stride);
    for (long i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (long h = 0; h < 16; h += 4) {  // r[h + k], lane L: column 4 L + k of rows h ..< h + 4
        const __m512d a = _mm512_castps_pd(t[h]), b = _mm512_castps_pd(t[h + 1]);
        const __m512d c = _mm512_castps_pd(t[h + 2]), d = _mm512_castps_pd(t[h + 3]);
        r[h + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        r[h + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        r[h + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        r[h + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    // t[g + k], lanes: columns k, 8 + k, k, 8 + k of rows g, g, g + 4, g + 4 (each 4 rows); t[g + 4 + k]
    // the same of columns 4 + k and 12 + k.
    for (long g = 0; g < 16; g += 8) {
        for (long k = 0; k < 4; k++) {
            t[g + k] = _mm512_shuffle_f32x4(r[g + k], r[g + 4 + k], 0x88);
            t[g + 4 + k] = _mm512_shuffle_f32x4(r[g + k], r[g + 4 + k], 0xdd);
        }
    }
    for (long k = 0; k < 8; k++) {  // column k from the even lanes of t[k] and t[8 + k], column 8 + k from the odd
        _mm512_storeu_ps(target + k * target_stride, _mm512_shuffle_f32x4(t[k], t[8 + k], 0x88));
        _mm512_storeu_ps(target + (8 + k) * target_stride, _mm512_shuffle_f32x4(t[k], t[8 + k], 0xdd));
    }
}
#endif

NOT_THREAD_SANITIZED void fixed_order_transpose16(const float *source, long source_stride, float *target,
                                                  long target_stride) {
#if defined(__x86_64__)
    switch (fixed_order_current_path()) {
    case FIXED_ORDER_PATH_AVX512: return transpose16_avx512(source, source_stride, target, target_stride);
    case FIXED_ORDER_PATH_AVX2:
        for (long a = 0; a < 16; a += 8)
            for (long b = 0; b < 16; b += 8)
                transpose8_avx2(source + a * source_stride + b, source_stride, target + b * target_stride + a,
                                target_stride);
        return;
    default: break;
    }
#endif
    transpose16_portable(source, source_stride, target, target_stride);
}
