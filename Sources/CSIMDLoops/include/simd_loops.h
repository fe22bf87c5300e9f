#ifndef SIMD_LOOPS_H
#define SIMD_LOOPS_H

/// Element-wise loops compiled for AVX-512 (16 floats at a time), AVX2 (8) and any x86-64 / arm64
/// CPU, run on the kernels' path in use (`fixed_order_current_path`). Every element takes the same
/// separately rounded steps on each (no fused multiply-adds), so all give the same bits, and the same bits as the Swift functions they
/// mirror (`fastExp`, `fastSigmoid`, `SiLU`).

/// x, y (planes, n): y[p, i] = h, or silu(h) = h sigmoid(h) with `silu`, where
/// h = x[p, i] * scale[p] + shift[p].
void simd_scale_shift(const float *x, float *y, long planes, long n, const float *scale, const float *shift, int silu);

/// x, dy, out (planes, n): out[p, i] = dy[p, i] * silu'(h), h = x[p, i] * scale[p] + shift[p],
/// silu'(h) = s (1 + h (1 - s)), s = sigmoid(h).
void simd_silu_gradient_of_scale_shift(const float *x, const float *dy, float *out, long planes, long n,
                                       const float *scale, const float *shift);

/// dx[i] += a dy[i] - r (b + ((x[i] - mean) r) c): group normalization's input gradient, with
/// a = gamma r, b and c the group's means of dxhat and of dxhat xhat.
void simd_group_norm_input_gradient(const float *x, const float *dy, float *dx, long n, float a, float mean, float r,
                                    float b, float c);

#endif
