import CFixedOrderGEMM

/// The weight gradient of a stride-1 convolution without an im2col matrix:
/// dW (O, C k k) (+)= dY (O, B Ho Wo) im2col(x)^T, read straight from a zero-bordered copy of x
/// (`fixed_order_conv_weight_gradient`). Each entry is one FMA chain over the batch's output
/// positions in order, so it does not depend on threads.
public enum ConvWeightGradient {
    /// x (B, C, H, W) as `g` describes it (stride 1), dy (B, O, Ho, Wo); dW (O, C k k) is
    /// overwritten, or added to with `accumulate`.
    public static func compute(_ x: UnsafePointer<Float>, _ g: ConvGeometry, dy: UnsafePointer<Float>,
                               outChannels: Int, into dW: UnsafeMutablePointer<Float>, accumulate: Bool) {
        precondition(g.stride == 1, "ConvWeightGradient: stride 1 only")
        let (height, width) = (g.height + 2 * g.padding, g.width + 2 * g.padding)
        let paddedCount = g.batch * g.channels * height * width
        let scratchCount = (outChannels + 15) / 16 * 16 * g.columnCount
        let padded = BufferCache.shared.allocate(paddedCount), scratch = BufferCache.shared.allocate(scratchCount)
        defer {
            BufferCache.shared.release(padded, count: paddedCount)
            BufferCache.shared.release(scratch, count: scratchCount)
        }
        Im2col.pad(x, g, into: padded)
        fixed_order_conv_weight_gradient(padded, dy, g.batch, g.channels, g.kernel, height, width, outChannels,
                                         accumulate ? 1 : 0, dW, scratch)
    }
}
