/// The shape of a 2-D convolution over NCHW images with a square kernel.
public struct ConvGeometry: Equatable, Sendable {
    public let batch: Int, channels: Int, height: Int, width: Int
    public let kernel: Int, stride: Int, padding: Int
    /// Output size: (H + 2 padding - kernel) / stride + 1, likewise for W.
    public let outHeight: Int, outWidth: Int

    public init(batch: Int, channels: Int, height: Int, width: Int, kernel: Int, stride: Int, padding: Int) {
        precondition(kernel > 0 && stride > 0 && padding >= 0, "ConvGeometry: bad kernel/stride/padding")
        self.batch = batch
        self.channels = channels
        self.height = height
        self.width = width
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        outHeight = (height + 2 * padding - kernel) / stride + 1
        outWidth = (width + 2 * padding - kernel) / stride + 1
        precondition(outHeight > 0 && outWidth > 0, "ConvGeometry: kernel larger than padded input")
    }

    /// Rows of the column matrix: C k k.
    public var columnRows: Int { channels * kernel * kernel }
    /// Columns of the column matrix: B Ho Wo.
    public var columnCount: Int { batch * outHeight * outWidth }

    /// The output columns ox in [lo, hi) whose input column ox s - p + j lies inside [0, W).
    @inlinable
    func validOutputColumns(kernelColumn j: Int) -> (lo: Int, hi: Int) {
        // ox s - p + j >= 0  <=>  ox >= ceil((p - j) / s);  ox s - p + j <= W - 1.
        let lo = max(0, (padding - j + stride - 1) / stride)
        let hi = min(outWidth, (width - 1 + padding - j) / stride + 1)
        return (lo, max(lo, hi))
    }
}

/// Lowering a convolution to one matrix product, and its adjoint.
public enum Im2col {
    /// cols (C k k, B Ho Wo), with
    /// cols[(c k + i) k + j, (b Ho + oy) Wo + ox] = x[b, c, oy s - p + i, ox s - p + j] (0 outside).
    /// x is (B, C, H, W).
    public static func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ cols: UnsafeMutablePointer<Float>) {
        let k = g.kernel, plane = g.height * g.width
        let columns = g.columnCount
        Parallel.forEach(g.channels, workPerItem: k * k * columns) { channelRange in
            for c in channelRange {
                for i in 0..<k {
                    for j in 0..<k {
                        let (lo, hi) = g.validOutputColumns(kernelColumn: j)
                        var row = cols + ((c * k + i) * k + j) * columns
                        for b in 0..<g.batch {
                            let image = x + (b * g.channels + c) * plane
                            for oy in 0..<g.outHeight {
                                let iy = oy * g.stride - g.padding + i
                                if iy < 0 || iy >= g.height {
                                    row.update(repeating: 0, count: g.outWidth)
                                } else {
                                    row.update(repeating: 0, count: lo)
                                    let source = image + iy * g.width - g.padding + j
                                    if g.stride == 1 {
                                        (row + lo).update(from: source + lo, count: hi - lo)
                                    } else {
                                        for ox in lo..<hi { row[ox] = source[ox * g.stride] }
                                    }
                                    (row + hi).update(repeating: 0, count: g.outWidth - hi)
                                }
                                row += g.outWidth
                            }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of `im2col`: dx[b, c, iy, ix] += every cols entry that `im2col` copies from there.
    /// dx is (B, C, H, W) and is accumulated into.
    public static func col2im(_ cols: UnsafePointer<Float>, _ g: ConvGeometry, _ dx: UnsafeMutablePointer<Float>) {
        let k = g.kernel, plane = g.height * g.width
        let columns = g.columnCount
        // One channel per item: the k k rows of a channel all land in that channel only.
        Parallel.forEach(g.channels, workPerItem: k * k * columns) { channelRange in
            for c in channelRange {
                for i in 0..<k {
                    for j in 0..<k {
                        let (lo, hi) = g.validOutputColumns(kernelColumn: j)
                        var row = cols + ((c * k + i) * k + j) * columns
                        for b in 0..<g.batch {
                            let image = dx + (b * g.channels + c) * plane
                            for oy in 0..<g.outHeight {
                                let iy = oy * g.stride - g.padding + i
                                if iy >= 0 && iy < g.height {
                                    let target = image + iy * g.width - g.padding + j
                                    for ox in lo..<hi { target[ox * g.stride] += row[ox] }
                                }
                                row += g.outWidth
                            }
                        }
                    }
                }
            }
        }
    }
}
