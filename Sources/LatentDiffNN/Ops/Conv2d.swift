import LatentDiffKernels

/// y = W * x + b, a 2-D convolution (cross-correlation) with a square kernel.
/// x (B, Cin, H, W), weight (Cout, Cin, k, k), bias (Cout) -> y (B, Cout, Ho, Wo) with
/// Ho = (H + 2 padding - k) / stride + 1.
///
/// Lowered to one sgemm per chunk of the batch: im2col gives cols (Cin k k, Bc Ho Wo), then
/// Y (Cout, Bc Ho Wo) = W (Cout, Cin k k) cols, reordered to NCHW. Chunks keep cols near
/// `columnBudget` floats; they depend on the shapes only, so results do not depend on threads.
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0) -> Tensor {
    conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, columnBudget: 1 << 22)
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
    let inPlane = whole.channels * whole.height * whole.width
    let outPlane = whole.outHeight * whole.outWidth
    let rowsK = whole.columnRows
    let chunks = ConvChunks(whole, columnBudget: columnBudget)
    let inputs = [x, weight] + (bias.map { [$0] } ?? [])
    return Tensor.make(shape: [whole.batch, outChannels, whole.outHeight, whole.outWidth], inputs: inputs) { y in
        let cols = UnsafeMutablePointer<Float>.allocate(capacity: rowsK * chunks.maxColumns)
        let product = UnsafeMutablePointer<Float>.allocate(capacity: outChannels * chunks.maxColumns)
        defer { cols.deallocate(); product.deallocate() }
        for index in 0..<chunks.count {
            let (start, g) = chunks[index]
            Im2col.im2col(x.data + start * inPlane, g, cols)
            // Y (Cout, Bc Ho Wo) = W (Cout, Cin k k) cols (Cin k k, Bc Ho Wo)
            BLAS.sgemm(m: outChannels, n: g.columnCount, k: rowsK, a: weight.data, lda: rowsK,
                       b: cols, ldb: g.columnCount, c: product, ldc: g.columnCount)
            scatterChannelMajor(product, to: y + start * outChannels * outPlane, batch: g.batch,
                                channels: outChannels, plane: outPlane, bias: bias?.data)
        }
    } backward: { y in
        let dy = y.gradBuffer()
        if let bias, bias.requiresGrad {
            // db[co] += sum over b, oy, ox of dy[b, co, oy, ox]
            addChannelSums(of: dy, batch: whole.batch, channels: outChannels, plane: outPlane, to: bias.gradBuffer())
        }
        guard x.requiresGrad || weight.requiresGrad else { return }
        let cols = UnsafeMutablePointer<Float>.allocate(capacity: rowsK * chunks.maxColumns)
        let dyCM = UnsafeMutablePointer<Float>.allocate(capacity: outChannels * chunks.maxColumns)
        defer { cols.deallocate(); dyCM.deallocate() }
        for index in 0..<chunks.count {
            let (start, g) = chunks[index]
            // dY (Cout, Bc Ho Wo), channel-major like the forward product.
            gatherChannelMajor(dy + start * outChannels * outPlane, to: dyCM, batch: g.batch,
                               channels: outChannels, plane: outPlane)
            if weight.requiresGrad {
                // dW (Cout, Cin k k) += dY (Cout, Bc Ho Wo) cols^T
                Im2col.im2col(x.data + start * inPlane, g, cols)
                BLAS.sgemm(transB: true, m: outChannels, n: rowsK, k: g.columnCount, a: dyCM, lda: g.columnCount,
                           b: cols, ldb: g.columnCount, beta: 1, c: weight.gradBuffer(), ldc: rowsK)
            }
            if x.requiresGrad {
                // dcols (Cin k k, Bc Ho Wo) = W^T dY, then dx += col2im(dcols)
                BLAS.sgemm(transA: true, m: rowsK, n: g.columnCount, k: outChannels, a: weight.data, lda: rowsK,
                           b: dyCM, ldb: g.columnCount, c: cols, ldc: g.columnCount)
                Im2col.col2im(cols, g, x.gradBuffer() + start * inPlane)
            }
        }
    }
}

/// The batch of a convolution split into equal-as-can-be chunks of whole images.
struct ConvChunks {
    let whole: ConvGeometry
    let count: Int
    /// Columns (Bc Ho Wo) of the largest chunk.
    let maxColumns: Int

    init(_ whole: ConvGeometry, columnBudget: Int) {
        self.whole = whole
        let perImage = whole.columnRows * whole.outHeight * whole.outWidth
        count = min(whole.batch, max(1, (perImage * whole.batch + columnBudget - 1) / columnBudget))
        maxColumns = (whole.batch + count - 1) / count * whole.outHeight * whole.outWidth
    }

    /// The first image and the geometry of chunk `index`.
    subscript(index: Int) -> (start: Int, geometry: ConvGeometry) {
        let start = whole.batch * index / count, end = whole.batch * (index + 1) / count
        return (start, ConvGeometry(batch: end - start, channels: whole.channels, height: whole.height,
                                    width: whole.width, kernel: whole.kernel, stride: whole.stride,
                                    padding: whole.padding))
    }
}

/// y[b, c, :] = product[c, b, :] (+ bias[c]): (C, B, P) -> (B, C, P).
func scatterChannelMajor(_ product: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>,
                         batch: Int, channels: Int, plane: Int, bias: UnsafePointer<Float>?) {
    Parallel.forEach(batch, workPerItem: channels * plane) { range in
        for b in range {
            for c in 0..<channels {
                let source = product + (c * batch + b) * plane, target = y + (b * channels + c) * plane
                let shift = bias?[c] ?? 0
                for p in 0..<plane { target[p] = source[p] + shift }
            }
        }
    }
}

/// dyCM[c, b, :] = dy[b, c, :]: (B, C, P) -> (C, B, P).
func gatherChannelMajor(_ dy: UnsafePointer<Float>, to dyCM: UnsafeMutablePointer<Float>,
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
func addChannelSums(of v: UnsafePointer<Float>, batch: Int, channels: Int, plane: Int,
                    to out: UnsafeMutablePointer<Float>) {
    Parallel.forEach(channels, workPerItem: batch * plane) { range in
        for c in range {
            var sum: Float = 0
            for b in 0..<batch { sum += Reduce.sum(v + (b * channels + c) * plane, count: plane) }
            out[c] += sum
        }
    }
}
