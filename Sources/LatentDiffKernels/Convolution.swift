import CFixedOrderGEMM

/// A 2-D convolution's products over a batch (`ConvGeometry`), in the fixed order, cut into chunks
/// and spread over threads: the kernels' side of `conv2d` (which keeps shapes and the autodiff).
///
/// Lowered to one product per chunk of the batch: Y (Cout, Bc Ho Wo) = W (Cout, Cin k k) cols,
/// cols (Cin k k, Bc Ho Wo) im2col's matrix, reordered to NCHW. Chunks keep cols within a budget
/// (1 MB by default), so the product reads them from cache. Every product is the fixed-order
/// kernel's (`BLAS.sgemm`; at stride 1 with the columns lowered straight into its panels a block
/// at a time, `PanelLowering`), so an image's output bits do not depend on the batch it is part
/// of. dW comes from the input without im2col (`ConvWeightGradient`), part of the batch after
/// part, each part's rows of dW shared between threads. Splits depend on the shapes only, so
/// results do not depend on threads.
public struct Convolution: Sendable {
    public let whole: ConvGeometry, outChannels: Int
    let chunks: ConvChunks

    /// im2col columns of at most `columnBudget` floats per chunk of the batch (or one image).
    public init(_ whole: ConvGeometry, outChannels: Int, columnBudget: Int = 1 << 18) {
        (self.whole, self.outChannels) = (whole, outChannels)
        chunks = ConvChunks(whole, outChannels: outChannels, columnBudget: columnBudget)
    }

    /// Multiply-adds of one chunk's product (Cout x cols), for splitting chunks over threads.
    private var chunkWork: Int { outChannels * chunks.columnCapacity }

    /// y (B, Cout, Ho, Wo) = W (Cout, Cin, k, k) * x (B, Cin, H, W) + bias (Cout).
    public func forward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        into y: UnsafeMutablePointer<Float>) {
        if DirectConvolution.applies(whole, outChannels: outChannels) {
            return DirectConvolution.run(x, whole, weight: weight, outChannels: outChannels, bias: bias,
                                         accumulate: false, into: y)
        }
        let (inPlane, outPlane) = (whole.height * whole.width, whole.outHeight * whole.outWidth)
        Parallel.forEach(chunks.count, workPerItem: chunkWork) { range in
            let buffers = ConvBuffers(chunks)
            for index in range {
                let (start, g) = chunks[index]
                convolveChunk(x + start * whole.channels * inPlane, g, weight: weight, outChannels: outChannels,
                              buffers, output: y + start * outChannels * outPlane, bias: bias, accumulate: false)
            }
        }
    }

    /// dx (B, Cin, H, W) += the input gradient of dy (B, Cout, Ho, Wo). With `flipped` (the kernel
    /// of `flippedKernel`, at stride 1 and padding <= k - 1): dx += conv(dy; flipped, padding
    /// k - 1 - p), whose output is H x W again; otherwise dx += col2im(W^T dY).
    public func addInputGradient(_ dy: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                 flipped: UnsafePointer<Float>?, into dx: UnsafeMutablePointer<Float>) {
        let (inChannels, kernel) = (whole.channels, whole.kernel)
        let (inPlane, outPlane) = (whole.height * whole.width, whole.outHeight * whole.outWidth)
        let rowsK = whole.columnRows
        if let flipped, whole.stride == 1, DirectConvolution.applies(whole, outChannels: inChannels) {
            let transposed = ConvGeometry(batch: whole.batch, channels: outChannels, height: whole.outHeight,
                                          width: whole.outWidth, kernel: kernel, stride: 1,
                                          padding: kernel - 1 - whole.padding)
            return DirectConvolution.run(dy, transposed, weight: flipped, outChannels: inChannels, bias: nil,
                                         accumulate: true, into: dx)
        }
        Parallel.forEach(chunks.count, workPerItem: 2 * chunkWork) { range in
            let buffers = ConvBuffers(chunks)
            for index in range {
                let (start, g) = chunks[index]
                let dyChunk = dy + start * outChannels * outPlane, xChunk = start * inChannels * inPlane
                if let flipped {
                    let transposed = ConvGeometry(batch: g.batch, channels: outChannels, height: g.outHeight,
                                                  width: g.outWidth, kernel: kernel, stride: 1,
                                                  padding: kernel - 1 - g.padding)
                    convolveChunk(dyChunk, transposed, weight: flipped, outChannels: inChannels, buffers,
                                  output: dx + xChunk, bias: nil, accumulate: true)
                } else {
                    // dY (Cout, Bc Ho Wo), channel-major like the forward product (one image: dy itself)
                    var dyCM = dyChunk
                    if g.batch > 1 {
                        gatherChannelMajor(dyChunk, to: buffers.product, batch: g.batch, channels: outChannels,
                                           plane: outPlane)
                        dyCM = UnsafePointer(buffers.product)
                    }
                    // dcols (Cin k k, Bc Ho Wo) = W^T dY, then dx += col2im(dcols)
                    BLAS.sgemm(transA: true, m: rowsK, n: g.columnCount, k: outChannels,
                               a: weight, lda: rowsK, b: dyCM, ldb: g.columnCount, c: buffers.columns,
                               ldc: g.columnCount)
                    Im2col.col2im(buffers.columns, g, dx + xChunk)
                }
            }
        }
    }

    /// dW (Cout, Cin k k) += dY (Cout, B Ho Wo) cols^T, straight from the input, part after part of
    /// at most 4096 output positions (dY's 16-channel panel, 256 KB, stays in cache), each part's
    /// rows shared between threads.
    public func addWeightGradient(_ x: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                  into dW: UnsafeMutablePointer<Float>) {
        let (inPlane, outPlane) = (whole.height * whole.width, whole.outHeight * whole.outWidth)
        let parts = BatchSplit(batch: whole.batch, perPart: max(1, 4096 / outPlane))
        for index in 0..<parts.count {
            let images = parts[index]
            ConvWeightGradient.compute(x + images.lowerBound * whole.channels * inPlane,
                                       whole.withBatch(images.count), dy: dy + images.lowerBound * outChannels * outPlane,
                                       outChannels: outChannels, into: dW, accumulate: true)
        }
    }
}

/// Columns of B per packed panel of the fixed-order kernel.
let panelWidth = Int(FIXED_ORDER_PANEL_COLUMNS)

/// Rows of A per tile on the kernel path in use: the unit in which products' rows are shared
/// between threads.
var fixedOrderTileRows: Int { fixed_order_tile_rows() }

/// One chunk of a convolution: output[b, o, :] (+)= (W (O, C k k) im2col(input))[o, b, :] + bias[o].
/// input (Bc, C, H, W), output (Bc, O, Ho, Wo). One image's product is its output: the product is
/// written (or added) there directly, after the bias is filled in; several images' product is
/// channel-major (O, Bc Ho Wo), reordered afterwards. Either way an entry is the product, plus the
/// bias or the old value when there is one.
private func convolveChunk(_ input: UnsafePointer<Float>, _ g: ConvGeometry, weight: UnsafePointer<Float>,
                           outChannels: Int, _ buffers: ConvBuffers, output: UnsafeMutablePointer<Float>,
                           bias: UnsafePointer<Float>?, accumulate: Bool) {
    let plane = g.outHeight * g.outWidth, rows = g.columnRows, single = g.batch == 1
    let (product, columns) = single ? (output, plane) : (buffers.product, g.columnCount)
    if single, let bias, !accumulate {
        for o in 0..<outChannels { (output + o * plane).update(repeating: bias[o], count: plane) }
    }
    let beta: Float = single && (accumulate || bias != nil) ? 1 : 0
    if g.stride == 1 {
        multiplyByPanels(input, g, weight: weight, outChannels: outChannels, beta: beta, product: product)
    } else {
        // Y (O, Bc Ho Wo) (+)= W (O, C k k) cols (C k k, Bc Ho Wo)
        Im2col.im2col(input, g, buffers.columns)
        BLAS.sgemm(m: outChannels, n: columns, k: rows, a: weight, lda: rows,
                   b: buffers.columns, ldb: columns, beta: beta, c: product, ldc: columns)
    }
    if !single {
        scatterChannelMajor(product, to: output, batch: g.batch, channels: outChannels,
                            plane: plane, bias: bias, accumulate: accumulate)
    }
}

/// Y (O, B Ho Wo) = W (O, C k k) im2col(input) + beta Y in the fixed order, at stride 1: the
/// columns are lowered into the kernel's panels (`PanelLowering`) a block at a time, into a buffer
/// that stays in cache until multiplied. Blocks are spread over threads (the fixed order makes
/// their bits independent of that).
private func multiplyByPanels(_ input: UnsafePointer<Float>, _ g: ConvGeometry, weight: UnsafePointer<Float>,
                              outChannels: Int, beta: Float, product: UnsafeMutablePointer<Float>) {
    let lowering = PanelLowering(input, g)
    let rows = g.columnRows, columns = g.columnCount
    // Blocks of about 128 KB of panels (at least 3 panels, the kernel's block).
    let panelCount = lowering.panelCount
    let blockPanels = max(Int(FIXED_ORDER_BLOCK_PANELS), (1 << 15) / (panelWidth * rows))
    let blockSize = panelWidth * rows * blockPanels, blocks = (panelCount + blockPanels - 1) / blockPanels
    if blocks < 4 {
        // Too few blocks to share (one small image): all panels lowered at once, then the rows of
        // the product shared between threads, a tile's rows at a time.
        let size = lowering.packedCount(panels: panelCount), packed = BufferCache.shared.allocate(size)
        defer { BufferCache.shared.release(packed, count: size) }
        lowering.lower(0..<panelCount, into: packed)
        let tile = fixedOrderTileRows
        Parallel.forEach((outChannels + tile - 1) / tile, workPerItem: tile * rows * columns) { tiles in
            let first = tile * tiles.lowerBound, count = min(outChannels, tile * tiles.upperBound) - first
            BLAS.sgemmFixedOrder(m: count, n: columns, k: rows, a: weight + first * rows, lda: rows, packedB: packed,
                                 beta: beta, c: product + first * columns, ldc: columns)
        }
        return
    }
    Parallel.forEach(blocks, workPerItem: outChannels * blockSize) { range in
        let packedCount = lowering.packedCount(panels: blockPanels)
        let packed = BufferCache.shared.allocate(packedCount)
        defer { BufferCache.shared.release(packed, count: packedCount) }
        for block in range {
            let panels = block * blockPanels ..< min(panelCount, (block + 1) * blockPanels)
            lowering.lower(panels, into: packed)
            let first = panelWidth * panels.lowerBound
            // Y[:, first ..< first + n] (+)= W cols[:, first ..< first + n]
            BLAS.sgemmFixedOrder(m: outChannels, n: min(columns, panelWidth * panels.upperBound) - first, k: rows, a: weight,
                                 lda: rows, packedB: packed, beta: beta, c: product + first, ldc: columns)
        }
    }
}

/// A batch split into equal-as-can-be parts of whole images, at most `perPart` each: one part, or
/// a multiple of 4 (they share evenly between 2 or 4 threads). The split depends on the sizes only.
struct BatchSplit {
    let batch: Int, count: Int
    /// Images in the largest part.
    let largest: Int

    init(batch: Int, perPart: Int) {
        let fewest = (batch + perPart - 1) / perPart
        self.batch = batch
        count = fewest > 1 ? min(batch, (fewest + 3) / 4 * 4) : fewest
        largest = (batch + count - 1) / count
    }

    /// The images of part `index`.
    subscript(index: Int) -> Range<Int> { batch * index / count ..< batch * (index + 1) / count }
}

/// The batch of a convolution split into chunks (`BatchSplit`) so that the columns of a chunk,
/// forward or (at stride 1) backward, stay within a budget (or are one image).
struct ConvChunks {
    let whole: ConvGeometry
    let split: BatchSplit
    var count: Int { split.count }
    /// Floats (at least 1) of im2col columns and of the channel-major product for the largest chunk,
    /// forward or backward.
    let columnCapacity: Int, productCapacity: Int

    init(_ whole: ConvGeometry, outChannels: Int, columnBudget: Int) {
        self.whole = whole
        let (inPlane, outPlane) = (whole.height * whole.width, whole.outHeight * whole.outWidth)
        let columnsPerImage = whole.kernel * whole.kernel * max(whole.channels * outPlane, outChannels * inPlane)
        split = BatchSplit(batch: whole.batch, perPart: max(1, columnBudget / columnsPerImage))
        columnCapacity = max(1, split.largest * columnsPerImage)
        // Single images need no channel-major product.
        productCapacity = split.largest > 1 ? split.largest * max(outChannels * outPlane, whole.channels * inPlane) : 1
    }

    /// The first image and the geometry of chunk `index`.
    subscript(index: Int) -> (start: Int, geometry: ConvGeometry) {
        let images = split[index]
        return (images.lowerBound, whole.withBatch(images.count))
    }
}

/// Scratch for one convolution call: im2col columns and the channel-major product.
private final class ConvBuffers {
    let columns: UnsafeMutablePointer<Float>, product: UnsafeMutablePointer<Float>

    let columnCapacity: Int, productCapacity: Int

    init(_ chunks: ConvChunks) {
        (columnCapacity, productCapacity) = (chunks.columnCapacity, chunks.productCapacity)
        columns = BufferCache.shared.allocate(columnCapacity)
        product = BufferCache.shared.allocate(productCapacity)
    }

    deinit {
        BufferCache.shared.release(columns, count: columnCapacity)
        BufferCache.shared.release(product, count: productCapacity)
    }
}

/// y[b, c, :] = (or +=) product[c, b, :] (+ bias[c]): (C, B, P) -> (B, C, P).
private func scatterChannelMajor(_ product: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>,
                                 batch: Int, channels: Int, plane: Int, bias: UnsafePointer<Float>?, accumulate: Bool) {
    Parallel.forEach(batch, workPerItem: channels * plane) { range in
        for b in range {
            for c in 0..<channels {
                let source = product + (c * batch + b) * plane, target = y + (b * channels + c) * plane
                // As sgemm's C = product + C for one image: no "+ 0" without a bias (it would turn -0 into +0).
                switch (accumulate, bias?[c]) {
                case (false, nil): target.update(from: source, count: plane)
                case (false, let shift?): for p in 0..<plane { target[p] = source[p] + shift }
                case (true, nil): for p in 0..<plane { target[p] += source[p] }
                case (true, let shift?): for p in 0..<plane { target[p] += source[p] + shift }
                }
            }
        }
    }
}

/// dyCM[c, b, :] = dy[b, c, :]: (B, C, P) -> (C, B, P).
private func gatherChannelMajor(_ dy: UnsafePointer<Float>, to dyCM: UnsafeMutablePointer<Float>,
                        batch: Int, channels: Int, plane: Int) {
    Parallel.forEach(batch, workPerItem: channels * plane) { range in
        for b in range {
            for c in 0..<channels {
                (dyCM + (c * batch + b) * plane).update(from: dy + (b * channels + c) * plane, count: plane)
            }
        }
    }
}

