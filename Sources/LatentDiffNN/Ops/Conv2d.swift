import LatentDiffKernels

/// y = W * x + b, a 2-D convolution (cross-correlation) with a square kernel.
/// x (B, Cin, H, W), weight (Cout, Cin, k, k), bias (Cout) -> y (B, Cout, Ho, Wo) with
/// Ho = (H + 2 padding - k) / stride + 1.
///
/// Lowered to one product per chunk of the batch: Y (Cout, Bc Ho Wo) = W (Cout, Cin k k) cols,
/// cols (Cin k k, Bc Ho Wo) im2col's matrix, reordered to NCHW. Chunks keep cols within 1 MB, so
/// the product reads them from cache, and are spread over threads. Every product is the
/// fixed-order kernel's (`BLAS.sgemm`; at stride 1 with the columns lowered straight
/// into its panels a block at a time, `PanelLowering`), so an image's output bits do not depend on
/// the batch it is part of, and it measured faster than im2col + OpenBLAS on these shapes. At
/// stride 1, dx is a convolution of dy. dW comes from the input without im2col
/// (`ConvWeightGradient`), part of the batch after part, each part's rows of dW shared between
/// threads. Splits depend on the shapes only, so results do not depend on threads.
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0) -> Tensor {
    conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, columnBudget: 1 << 18)
}

/// `conv2d` with im2col columns of at most `columnBudget` floats per chunk of the batch (or one image).
func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int, columnBudget: Int) -> Tensor {
    precondition(x.rank == 4 && weight.rank == 4, "conv2d: x must be (B, C, H, W), weight (Cout, Cin, k, k)")
    let outChannels = weight.shape[0], kernel = weight.shape[2]
    precondition(weight.shape[1] == x.shape[1] && weight.shape[3] == kernel,
                 "conv2d: weight \(weight.shape) for x \(x.shape)")
    precondition(bias.map { $0.shape == [outChannels] } ?? true, "conv2d: bias must be (\(outChannels))")
    let whole = ConvGeometry(batch: x.shape[0], channels: x.shape[1], height: x.shape[2], width: x.shape[3],
                             kernel: kernel, stride: stride, padding: padding)
    let inChannels = whole.channels
    let inPlane = whole.height * whole.width, outPlane = whole.outHeight * whole.outWidth
    let chunks = ConvChunks(whole, outChannels: outChannels, columnBudget: columnBudget)
    // Multiply-adds of one chunk's product (Cout x cols), for splitting chunks over threads.
    let chunkWork = outChannels * chunks.columnCapacity
    // At stride 1, dx is itself a convolution: of dy, with the kernel flipped and its channel axes
    // swapped, padding k - 1 - p. Otherwise dx = col2im(W^T dY).
    let transposedPadding = kernel - 1 - padding
    let backwardByConvolution = stride == 1 && transposedPadding >= 0
    let inputs = [x, weight] + (bias.map { [$0] } ?? [])
    let outShape = [whole.batch, outChannels, whole.outHeight, whole.outWidth]
    return Tensor.make(shape: outShape, inputs: inputs, overwrites: true) { y in
        FlopCount.addProduct(m: outChannels, n: whole.columnCount, k: whole.columnRows)
        Parallel.forEach(chunks.count, workPerItem: chunkWork) { range in
            let buffers = ConvBuffers(chunks)
            for index in range {
                let (start, g) = chunks[index]
                convolveChunk(x.data + start * inChannels * inPlane, g, weight: weight.data, outChannels: outChannels,
                              buffers, output: y + start * outChannels * outPlane, bias: bias?.data, accumulate: false)
            }
        }
    } backward: { y in
        let dy = y.gradBuffer()
        if let bias, bias.requiresGrad {
            // db[co] += sum over b, oy, ox of dy[b, co, oy, ox]
            addChannelSums(of: dy, batch: whole.batch, channels: outChannels, plane: outPlane, to: bias.gradBuffer())
        }
        guard x.requiresGrad || weight.requiresGrad else { return }
        let flipped = backwardByConvolution && x.requiresGrad ? flippedKernel(weight) : nil
        let dx = x.requiresGrad ? x.gradBuffer() : nil
        let rowsK = whole.columnRows
        // dW (Cout, Cin k k) += dY (Cout, B Ho Wo) cols^T, straight from the input, part after part
        // of at most 4096 output positions (dY's 16-channel panel, 256 KB, stays in cache), each
        // part's rows shared between threads.
        if weight.requiresGrad {
            let parts = BatchSplit(batch: whole.batch, perPart: max(1, 4096 / outPlane)), dW = weight.gradBuffer()
            for index in 0..<parts.count {
                let images = parts[index]
                ConvWeightGradient.compute(x.data + images.lowerBound * inChannels * inPlane, whole.withBatch(images.count),
                                           dy: dy + images.lowerBound * outChannels * outPlane,
                                           outChannels: outChannels, into: dW, accumulate: true)
            }
        }
        guard let dx else { return }
        Parallel.forEach(chunks.count, workPerItem: 2 * chunkWork) { range in
            let buffers = ConvBuffers(chunks)
            for index in range {
                let (start, g) = chunks[index]
                let dyChunk = dy + start * outChannels * outPlane, xChunk = start * inChannels * inPlane
                if let flipped {
                    // dx += conv(dy; flipped, padding k - 1 - p), whose output is H x W again
                    let transposed = ConvGeometry(batch: g.batch, channels: outChannels, height: g.outHeight,
                                                  width: g.outWidth, kernel: kernel, stride: 1, padding: transposedPadding)
                    convolveChunk(dyChunk, transposed, weight: flipped.data, outChannels: inChannels, buffers,
                                  output: dx + xChunk, bias: nil, accumulate: true)
                } else {
                    // dY (Cout, Bc Ho Wo), channel-major like the forward product (one image: dy itself)
                    var dyCM = UnsafePointer(dyChunk)
                    if g.batch > 1 {
                        gatherChannelMajor(dyChunk, to: buffers.product, batch: g.batch, channels: outChannels,
                                           plane: outPlane)
                        dyCM = UnsafePointer(buffers.product)
                    }
                    // dcols (Cin k k, Bc Ho Wo) = W^T dY, then dx += col2im(dcols)
                    BLAS.sgemm(transA: true, m: rowsK, n: g.columnCount, k: outChannels,
                               a: weight.data, lda: rowsK, b: dyCM, ldb: g.columnCount, c: buffers.columns,
                               ldc: g.columnCount)
                    Im2col.col2im(buffers.columns, g, dx + xChunk)
                }
            }
        }
    }
}

/// The kernel of the convolution that maps dy to dx at stride 1:
/// flipped[c, o, i, j] = W[o, c, k - 1 - i, k - 1 - j]. weight (Cout, Cin, k, k) -> (Cin, Cout, k, k).
private func flippedKernel(_ weight: Tensor) -> Tensor {
    let (outChannels, inChannels, kernel) = (weight.shape[0], weight.shape[1], weight.shape[2])
    let kk = kernel * kernel
    let flipped = Tensor(uninitialized: [inChannels, outChannels, kernel, kernel], requiresGrad: false)
    for o in 0..<outChannels {
        for c in 0..<inChannels {
            let (target, source) = (flipped.data + (c * outChannels + o) * kk, weight.data + (o * inChannels + c) * kk)
            for t in 0..<kk { target[t] = source[kk - 1 - t] }
        }
    }
    return flipped
}

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
    let blockPanels = max(3, (1 << 15) / (16 * rows))
    let blockSize = 16 * rows * blockPanels, blocks = (panelCount + blockPanels - 1) / blockPanels
    if blocks < 4 {
        // Too few blocks to share (one small image): all panels lowered at once, then the rows of
        // the product shared between threads, 6 at a time (the kernel's tile).
        let size = lowering.packedCount(panels: panelCount), packed = BufferCache.shared.allocate(size)
        defer { BufferCache.shared.release(packed, count: size) }
        lowering.lower(0..<panelCount, into: packed)
        Parallel.forEach((outChannels + 5) / 6, workPerItem: 6 * rows * columns) { tiles in
            let first = 6 * tiles.lowerBound, count = min(outChannels, 6 * tiles.upperBound) - first
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
            let first = 16 * panels.lowerBound
            // Y[:, first ..< first + n] (+)= W cols[:, first ..< first + n]
            BLAS.sgemmFixedOrder(m: outChannels, n: min(columns, 16 * panels.upperBound) - first, k: rows, a: weight,
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

/// out[c] += sum over b and p of v[b, c, p]; v is (B, C, P), each channel summed in the same order.
private func addChannelSums(of v: UnsafePointer<Float>, batch: Int, channels: Int, plane: Int,
                    to out: UnsafeMutablePointer<Float>) {
    Parallel.forEach(channels, workPerItem: batch * plane) { range in
        for c in range {
            var sum: Float = 0
            for b in 0..<batch { sum += Reduce.sum(v + (b * channels + c) * plane, count: plane) }
            out[c] += sum
        }
    }
}
