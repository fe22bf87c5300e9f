#ifndef FIXED_ORDER_SGEMM_H
#define FIXED_ORDER_SGEMM_H

#include "kernel_path.h"

/// The kernels' layout, shared with the Swift side (which reads these, never its own copies).
enum {
    /// Columns of B per packed panel: B(p, j) of a panel at 16 p + j.
    FIXED_ORDER_PANEL_COLUMNS = 16,
    /// Panels `fixed_order_sgemm` packs at once from an unpacked B.
    FIXED_ORDER_BLOCK_PANELS = 3,
    /// The most rows of A a tile of any path holds.
    FIXED_ORDER_MAX_TILE_ROWS = 8,
};

/// C (m, n) = alpha * op(A) (m, k) * op(B) (k, n) + beta * C, row-major, op(X) = X or X^T.
///
/// Every entry is computed the same way wherever it sits in C and whatever m and n are:
/// acc = 0; for p in 0 ..< k: acc = fma(A(i, p), B(p, j), acc), then C(i, j) = alpha * acc
/// (+ beta * C(i, j) when beta != 0), each a separately rounded multiply and add. So a column's
/// (or a row's) bits do not depend on the other columns (rows) of the product, which a blocked
/// BLAS does not promise. The AVX-512, AVX2 + FMA and portable kernels (`kernel_path.h`) give the same bits.
///
/// `block` is scratch of at least `fixed_order_sgemm_block_floats(k)` floats (packed columns of B).
void fixed_order_sgemm(int trans_a, int trans_b, long m, long n, long k, float alpha,
                       const float *a, long lda, const float *b, long ldb, float beta,
                       float *c, long ldc, float *block);

/// B (k, n) packed in panels of 16 columns: B(p, j) at packed[(j / 16) 16 k + 16 p + j % 16], the
/// columns past n of the last panel 0.
/// `fixed_order_sgemm` (same bits) of A (m, k), not transposed, and B already packed as above.
void fixed_order_sgemm_packed(long m, long n, long k, float alpha, const float *a, long lda, const float *packed,
                              float beta, float *c, long ldc);

/// padded[q][y + p][x + p] = x[q][y][x] for `planes` planes of h x w, 0 on a border of p:
/// planes of (h + 2p) x (w + 2p).
void fixed_order_pad(const float *x, float *padded, long planes, long h, long w, long p);

/// One panel of im2col's matrix of a convolution at stride 1, straight from the input x (B,
/// channels, height, width) with a border of `padding` zeros: columns first ..< first + columns
/// (columns <= 16) of the matrix (C kernel kernel, B Ho Wo), column n = (b Ho + oy) Wo + ox, row
/// r = (c kernel + i) kernel + j holding x[b, c, oy + i - padding, ox + j - padding] (0 outside
/// the image), written as panel[16 r + n - first]; lanes from `columns` to 16 are 0. `panel` holds
/// 16 C kernel kernel floats; nothing outside x's B C height width floats is read.
void fixed_order_lower_panel(float *panel, const float *x, long channels, long height, long width, long kernel,
                             long padding, long first, long columns);

/// x (batch, channels, plane) packed in panels of 16 channels, for samples first ..< first + count:
/// packed[q 16 batch plane + 16 (s plane + t) + j] = x[s, 16 q + j, t], 0 for channels past `channels`.
/// `packed` holds ceil(channels / 16) 16 batch plane floats.
void fixed_order_pack_channel_panels(const float *x, long batch, long channels, long plane, long first, long count,
                                     float *packed);

/// The weight gradient of a convolution, straight from the zero-bordered input (no im2col
/// matrix), for rows first_row ..< first_row + row_count of dW:
/// dW[o, r] (+)= sum over n = (s, y, x) of dy[s, o, y, x] * padded[s, c, y stride + i, x stride + j],
/// r = (c kernel + i) kernel + j, the sum over n in order (an FMA chain), for s < batch, y < Ho =
/// (height - kernel) / stride + 1, x < Wo likewise. padded is (batch, channels, height, width) (the
/// padded sizes), dy (batch, out_channels, Ho, Wo) packed by `fixed_order_pack_channel_panels`, dw
/// (out_channels, channels kernel kernel); with `accumulate` the sum is added to dw, else it
/// replaces it. An entry's bits do not depend on the rows asked for.
void fixed_order_conv_weight_gradient(const float *padded, const float *packed_dy, long batch, long channels,
                                      long kernel, long stride, long height, long width, long out_channels,
                                      long first_row, long row_count, int accumulate, float *dw);

/// W (out_channels, rows) row-major packed as the panels of W^T (rows, out_channels), 16 output
/// channels to a panel: W[o, r] at packed[(o / 16) 16 rows + 16 r + o % 16], 0 for the lanes past
/// out_channels. `packed` holds ceil(out_channels / 16) 16 rows floats.
void fixed_order_pack_weight_panels(const float *w, long out_channels, long rows, float *packed);

/// A convolution with its output channels in the panels' lanes (no im2col matrix), for output
/// pixels first_pixel ..< first_pixel + pixel_count of the batch, pixel n = (b Ho + oy) Wo + ox:
/// y[b, o, oy, ox] = sum over r = (c, i, j) in order of padded[b, c, oy s + i, ox s + j] W[o, r] (one
/// FMA chain, the same bits as `fixed_order_sgemm` of W and im2col's matrix), then + bias[o] when
/// `bias` is not NULL, then added to the old y[b, o, oy, ox] with `accumulate`. padded is (B,
/// channels, height, width) (the padded sizes), s the stride, Ho = (height - kernel) / s + 1, Wo
/// likewise; packed_w from `fixed_order_pack_weight_panels` (rows = channels kernel kernel); y (B,
/// out_channels, Ho, Wo).
void fixed_order_conv_forward(const float *padded, const float *packed_w, long channels, long height, long width,
                              long kernel, long stride, long out_channels, long first_pixel, long pixel_count,
                              const float *bias, int accumulate, float *y);

/// Rows of A per tile on the path in use (6 on AVX2 and portable, 8 on AVX-512): callers that
/// share a product's rows between threads cut them in multiples of this.
long fixed_order_tile_rows(void);

/// Floats of scratch `fixed_order_sgemm` needs for a product of inner size k.
long fixed_order_sgemm_block_floats(long k);

#endif
