#ifndef FIXED_ORDER_BLOCK_COPIES_H
#define FIXED_ORDER_BLOCK_COPIES_H

/// target[t target_stride + j] = source[j source_stride + t] for t, j < 16: one 16 x 16 block
/// transposed (packing a transposed B's panels). Copies only: every path gives the same bits.
void fixed_order_transpose16(const float *source, long source_stride, float *target, long target_stride);

#endif
