#include "simd_loops.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

// Separate multiplies and adds, as in Swift: the AVX2 and baseline builds give the same bits.
#pragma clang fp contract(off)

/// exp(x) as `fastExp` computes it: clamp, 2^n by the exponent bits, a degree-5 polynomial for e^r.
__attribute__((always_inline)) static inline float fast_exp(float x) {
    x = x < -87.3f ? -87.3f : x;
    x = x > 88.3f ? 88.3f : x;
    // Adding 1.5 * 2^23 rounds to an integer held in the low mantissa bits.
    const float shifted = x * 1.44269504f + 12582912.0f;
    const float n = shifted - 12582912.0f;
    const float r = x - n * 0.693359375f + n * 2.1219444e-4f;
    const float r2 = r * r;
    float p = 1.98756915e-4f;
    p = p * r + 1.39819995e-3f;
    p = p * r + 8.3334519e-3f;
    p = p * r + 4.16657959e-2f;
    p = p * r + 1.66666655e-1f;
    p = p * r + 5.00000012e-1f;
    const float exp_r = p * r2 + r + 1;
    uint32_t bits;
    memcpy(&bits, &shifted, sizeof bits);
    const uint32_t exponent = (bits - 0x4B400000u + 127u) << 23;
    float scale;
    memcpy(&scale, &exponent, sizeof scale);
    return exp_r * scale;
}

__attribute__((always_inline)) static inline float sigmoid(float x) { return 1 / (1 + fast_exp(-x)); }

// Each loop once as an always-inline body, compiled into an AVX2 clone and a baseline one.

__attribute__((always_inline)) static inline void scale_shift_body(const float *restrict x, float *restrict y, long n,
                                                                   float scale, float shift, int silu) {
    if (silu) {
        for (long i = 0; i < n; i++) {
            const float h = x[i] * scale + shift;
            y[i] = h * sigmoid(h);
        }
    } else {
        for (long i = 0; i < n; i++) y[i] = x[i] * scale + shift;
    }
}

__attribute__((always_inline)) static inline void silu_gradient_body(const float *restrict x, const float *restrict dy,
                                                                     float *restrict out, long n, float scale,
                                                                     float shift) {
    for (long i = 0; i < n; i++) {
        const float h = x[i] * scale + shift, s = sigmoid(h);
        out[i] = dy[i] * (s * (1 + h * (1 - s)));
    }
}

__attribute__((always_inline)) static inline void input_gradient_body(const float *restrict x, const float *restrict dy,
                                                                      float *restrict dx, long n, float a, float mean,
                                                                      float r, float b, float c) {
    for (long i = 0; i < n; i++) {
        const float xhat = (x[i] - mean) * r;
        dx[i] += a * dy[i] - r * (b + xhat * c);
    }
}

#if defined(__x86_64__)
#define AVX2 __attribute__((target("avx2")))
static bool has_avx2(void) { return __builtin_cpu_supports("avx2"); }
#else
#define AVX2
static bool has_avx2(void) { return false; }
#endif

AVX2 static void scale_shift_avx2(const float *x, float *y, long n, float scale, float shift, int silu) {
    scale_shift_body(x, y, n, scale, shift, silu);
}
static void scale_shift_baseline(const float *x, float *y, long n, float scale, float shift, int silu) {
    scale_shift_body(x, y, n, scale, shift, silu);
}
void simd_scale_shift(const float *x, float *y, long n, float scale, float shift, int silu) {
    (has_avx2() ? scale_shift_avx2 : scale_shift_baseline)(x, y, n, scale, shift, silu);
}

AVX2 static void silu_gradient_avx2(const float *x, const float *dy, float *out, long n, float scale, float shift) {
    silu_gradient_body(x, dy, out, n, scale, shift);
}
static void silu_gradient_baseline(const float *x, const float *dy, float *out, long n, float scale, float shift) {
    silu_gradient_body(x, dy, out, n, scale, shift);
}
void simd_silu_gradient_of_scale_shift(const float *x, const float *dy, float *out, long n, float scale, float shift) {
    (has_avx2() ? silu_gradient_avx2 : silu_gradient_baseline)(x, dy, out, n, scale, shift);
}

AVX2 static void input_gradient_avx2(const float *x, const float *dy, float *dx, long n, float a, float mean, float r,
                                     float b, float c) {
    input_gradient_body(x, dy, dx, n, a, mean, r, b, c);
}
static void input_gradient_baseline(const float *x, const float *dy, float *dx, long n, float a, float mean, float r,
                                    float b, float c) {
    input_gradient_body(x, dy, dx, n, a, mean, r, b, c);
}
void simd_group_norm_input_gradient(const float *x, const float *dy, float *dx, long n, float a, float mean, float r,
                                    float b, float c) {
    (has_avx2() ? input_gradient_avx2 : input_gradient_baseline)(x, dy, dx, n, a, mean, r, b, c);
}
