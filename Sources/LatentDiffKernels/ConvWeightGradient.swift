import CFixedOrderGEMM

/// The weight gradient of a convolution without an im2col matrix:
/// dW (O, C k k) (+)= dY (O, B Ho Wo) im2col(x)^T, read straight from a zero-bordered copy of x
/// (`fixed_order_conv_weight_gradient`). Each entry is one FMA chain over the batch's output
/// positions in order; threads share the rows of dW, so the bits do not depend on them.
public enum ConvWeightGradient {
    /// x (B, C, H, W) as `g` describes it, dy (B, O, Ho, Wo); dW (O, C k k) is
    /// overwritten, or added to with `accumulate`.
    public static func compute(_ x: UnsafePointer<Float>, _ g: ConvGeometry, dy: UnsafePointer<Float>,
                               outChannels: Int, into dW: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let (height, width) = (g.height + 2 * g.padding, g.width + 2 * g.padding)
        let plane = g.outHeight * g.outWidth, rows = g.columnRows
        let paddedCount = g.batch * g.channels * height * width
        let panels = (outChannels + panelWidth - 1) / panelWidth, packedCount = panels * panelWidth * g.columnCount
        let padded = BufferCache.shared.allocate(paddedCount), packed = BufferCache.shared.allocate(packedCount)
        defer {
            BufferCache.shared.release(padded, count: paddedCount)
            BufferCache.shared.release(packed, count: packedCount)
        }
        // x bordered and dY packed, image by image: a strided read and a write per float, counted as
        // 4 operations.
        let (inImage, paddedImage) = (g.channels * g.height * g.width, g.channels * height * width)
        Parallel.forEach(g.batch, workPerItem: 4 * (panelWidth * plane * panels + paddedImage)) { images in
            fixed_order_pad(x + images.lowerBound * inImage, padded + images.lowerBound * paddedImage,
                            images.count * g.channels, g.height, g.width, g.padding)
            fixed_order_pack_channel_panels(dy, g.batch, outChannels, plane, images.lowerBound, images.count, packed)
        }
        // Rows of dW in tiles, shared between threads.
        let tile = fixedOrderTileRows, tiles = (rows + tile - 1) / tile
        Parallel.forEach(tiles, workPerItem: tile * outChannels * g.columnCount) { range in
            let first = tile * range.lowerBound, count = min(rows, tile * range.upperBound) - first
            fixed_order_conv_weight_gradient(padded, packed, g.batch, g.channels, g.kernel, g.stride, height, width,
                                             outChannels, first, count, accumulate ? 1 : 0, dW)
        }
    }
}
