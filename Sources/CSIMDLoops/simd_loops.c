#include "simd_loops.h"

#include "kernel_path.h"

#include <stdint.h>
#include <string.h>

// Separate multiplies and adds, as in Swift: the AVX-512, AVX2 and baseline builds give the same bits.
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

// Each loop's body is written once and compiled three times: for AVX-512 (16 floats at a time),
// for AVX2 (8) and for any CPU; the call goes to the build of the path in use (`kernel_path.h`).
#if defined(__x86_64__)
#define LOOP_WITH_PATHS(name, parameters, arguments)                                                          \
    __attribute__((target("avx512f,avx2,fma"))) static void name##_avx512 parameters { name##_body arguments; } \
    __attribute__((target("avx2,fma"))) static void name##_avx2 parameters { name##_body arguments; }           \
    static void name##_portable parameters { name##_body arguments; }                                          \
    void name parameters {                                                                                     \
        switch (fixed_order_current_path()) {                                                                  \
        case FIXED_ORDER_PATH_AVX512: name##_avx512 arguments; return;                                         \
        case FIXED_ORDER_PATH_AVX2: name##_avx2 arguments; return;                                             \
        default: name##_portable arguments; return;                                                            \
        }                                                                                                      \
    }
#else
#define LOOP_WITH_PATHS(name, parameters, arguments) \
    void name parameters { name##_body arguments; }
#endif

#define BODY __attribute__((always_inline)) static inline void

BODY simd_scale_shift_body(const float *restrict x, float *restrict y, long planes, long n,
                           const float *restrict scale, const float *restrict shift, int silu) {
    for (long p = 0; p < planes; p++) {
        const float a = scale[p], b = shift[p];
        const float *restrict xp = x + p * n;
        float *restrict yp = y + p * n;
        if (silu) {
            for (long i = 0; i < n; i++) {
                const float h = xp[i] * a + b;
                yp[i] = h * sigmoid(h);
            }
        } else {
            for (long i = 0; i < n; i++) yp[i] = xp[i] * a + b;
        }
    }
}
LOOP_WITH_PATHS(simd_scale_shift,
                (const float *restrict x, float *restrict y, long planes, long n, const float *restrict scale,
                 const float *restrict shift, int silu),
                (x, y, planes, n, scale, shift, silu))

BODY simd_silu_gradient_of_scale_shift_body(const float *restrict x, const float *restrict dy, float *restrict out,
                                            long planes, long n, const float *restrict scale,
                                            const float *restrict shift) {
    for (long p = 0; p < planes; p++) {
        const float a = scale[p], b = shift[p];
        for (long i = p * n; i < (p + 1) * n; i++) {
            const float h = x[i] * a + b, s = sigmoid(h);
            out[i] = dy[i] * (s * (1 + h * (1 - s)));
        }
    }
}
LOOP_WITH_PATHS(simd_silu_gradient_of_scale_shift,
                (const float *restrict x, const float *restrict dy, float *restrict out, long planes, long n,
                 const float *restrict scale, const float *restrict shift),
                (x, dy, out, planes, n, scale, shift))

BODY simd_group_norm_input_gradient_body(const float *restrict x, const float *restrict dy, float *restrict dx, long n,
                                         float a, float mean, float r, float b, float c) {
    for (long i = 0; i < n; i++) {
        const float xhat = (x[i] - mean) * r;
        dx[i] += a * dy[i] - r * (b + xhat * c);
    }
}
LOOP_WITH_PATHS(simd_group_norm_input_gradient,
                (const float *restrict x, const float *restrict dy, float *restrict dx, long n, float a, float mean,
                 float r, float b, float c),
                (x, dy, dx, n, a, mean, r, b, c))
