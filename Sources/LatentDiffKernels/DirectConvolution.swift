import CFixedOrderGEMM

/// A convolution with the output channels in the kernel's panels (`fixed_order_conv_forward`):
/// tiles of output pixels read their windows (at any stride) straight from a
/// zero-bordered copy of the input and write the NCHW output, so there is neither an im2col
/// matrix nor a channel-major product to reorder. Each entry is the same FMA chain as the lowered
/// product's, so the bits are those of `Convolution`'s other path.
enum DirectConvolution {
    /// Zero-bordered input floats per part of the batch (512 KB: within the second-level cache).
    static let paddedBudget = 1 << 17

    /// Whether this path takes the convolution: output channels filling whole panels, at
    /// least 4 output pixels per output channel (packing the weights costs O C k k per call, the
    /// lowering it replaces C k k per pixel: a batch of one small image stays lowered), on the
    /// AVX-512 path (where it was measured faster than lowering; it stores 8 x 16 blocks by
    /// register transposes). Either way the bits are the same.
    static func applies(_ g: ConvGeometry, outChannels: Int) -> Bool {
        outChannels % panelWidth == 0 && g.batch * g.outHeight * g.outWidth >= 4 * outChannels
            && KernelPath.current == .avx512
    }

    /// y (B, O, Ho, Wo) = (or +=, with `accumulate`) conv(x (B, C, H, W); weight (O, C k k)) + bias (O).
    static func run(_ x: UnsafePointer<Float>, _ g: ConvGeometry, weight: UnsafePointer<Float>, outChannels: Int,
                    bias: UnsafePointer<Float>?, accumulate: Bool, into y: UnsafeMutablePointer<Float>) {
        let rows = g.columnRows
        // The weights as panels: from the call's `PackedWeights` when it keeps them, else packed here.
        let packedCount = PackedWeights.floats(outChannels: outChannels, rows: rows)
        var owned: UnsafeMutablePointer<Float>?
        defer { if let owned { BufferCache.shared.release(owned, count: packedCount) } }
        let packed: UnsafePointer<Float>
        if let cache = PackedWeights.current {
            packed = cache.panels(of: weight, outChannels: outChannels, rows: rows)
        } else {
            let buffer = BufferCache.shared.allocate(packedCount)
            fixed_order_pack_weight_panels(weight, outChannels, rows, buffer)
            (owned, packed) = (buffer, UnsafePointer(buffer))
        }
        let (height, width) = (g.height + 2 * g.padding, g.width + 2 * g.padding)
        let (inImage, paddedImage) = (g.channels * g.height * g.width, g.channels * height * width)
        let outImage = outChannels * g.outHeight * g.outWidth, outPlane = g.outHeight * g.outWidth
        let parts = BatchSplit(batch: g.batch, perPart: max(1, paddedBudget / paddedImage))
        let paddedCount = parts.largest * paddedImage, padded = BufferCache.shared.allocate(paddedCount)
        defer { BufferCache.shared.release(padded, count: paddedCount) }
        let tile = fixedOrderTileRows, threads = min(Parallel.threadCount, Parallel.callerLimit)
        for index in 0..<parts.count {
            let images = parts[index], part = g.withBatch(images.count)
            let input = x + images.lowerBound * inImage, output = y + images.lowerBound * outImage
            if images.count >= 2 * threads {
                // Whole images per thread: each pads the images it convolves, so no thread waits for
                // a serial copy and its tiles read the bordered planes from its own cache.
                Parallel.forEach(images.count, workPerItem: outPlane * rows * outChannels) { range in
                    fixed_order_pad(input + range.lowerBound * inImage, padded + range.lowerBound * paddedImage,
                                    range.count * g.channels, g.height, g.width, g.padding)
                    fixed_order_conv_forward(padded, packed, g.channels, height, width, g.kernel, g.stride, outChannels,
                                             range.lowerBound * outPlane, range.count * outPlane, bias,
                                             accumulate ? 1 : 0, output)
                }
                continue
            }
            Im2col.pad(input, part, into: padded)
            let pixels = images.count * outPlane, tiles = (pixels + tile - 1) / tile
            Parallel.forEach(tiles, workPerItem: tile * rows * outChannels) { range in
                let first = tile * range.lowerBound, count = min(pixels, tile * range.upperBound) - first
                fixed_order_conv_forward(padded, packed, g.channels, height, width, g.kernel, g.stride, outChannels, first,
                                         count, bias, accumulate ? 1 : 0, output)
            }
        }
    }
}
