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
}

/// Lowering a convolution to one matrix product, and its adjoint.
public enum Im2col {
    /// cols (C k k, B Ho Wo), with
    /// cols[(c k + i) k + j, (b Ho + oy) Wo + ox] = x[b, c, oy s - p + i, ox s - p + j] (0 outside).
    /// x is (B, C, H, W). At stride 1 each row of cols is the input shifted (`shift`); otherwise a
    /// padded input is first copied into a zero-bordered buffer, so the lowering is row copies.
    public static func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ cols: UnsafeMutablePointer<Float>) {
        if g.stride == 1 { return shifted(x, g, cols) }
        guard g.padding > 0 else { return lower(x, g, height: g.height, width: g.width, cols) }
        let (height, width) = (g.height + 2 * g.padding, g.width + 2 * g.padding)
        let paddedCount = g.batch * g.channels * height * width
        let padded = BufferCache.shared.allocate(paddedCount)
        defer { BufferCache.shared.release(padded, count: paddedCount) }
        // padded[b, c, y + p, x + p] = x[b, c, y, x], zero elsewhere.
        Parallel.forEach(g.batch * g.channels, workPerItem: height * width) { planes in
            for plane in planes {
                let target = padded + plane * height * width, source = x + plane * g.height * g.width
                target.update(repeating: 0, count: g.padding * width)
                for y in 0..<g.height {
                    let row = target + (y + g.padding) * width
                    row.update(repeating: 0, count: g.padding)
                    copy(row + g.padding, source + y * g.width, g.width)
                    (row + g.padding + g.width).update(repeating: 0, count: g.padding)
                }
                (target + (g.height + g.padding) * width).update(repeating: 0, count: g.padding * width)
            }
        }
        lower(padded, g, height: height, width: width, cols)
    }

    /// `im2col` at stride 1: row (c, i, j) holds, per image, x[b, c] shifted by (i - p, j - p).
    private static func shifted(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ cols: UnsafeMutablePointer<Float>) {
        let k = g.kernel, columns = g.columnCount, plane = g.height * g.width, outPlane = g.outHeight * g.outWidth
        Parallel.forEach(g.channels, workPerItem: 2 * k * k * columns) { channelRange in
            for i in 0..<k {
                for j in 0..<k {
                    let shift = ShiftedCopy(g, dy: i - g.padding, dx: j - g.padding)
                    for c in channelRange {
                        let row = cols + ((c * k + i) * k + j) * columns
                        for b in 0..<g.batch {
                            shift.apply(x + (b * g.channels + c) * plane, row + b * outPlane)
                        }
                    }
                }
            }
        }
    }

    /// `im2col` of an input already padded to (B, C, height, width), read with padding 0.
    private static func lower(_ x: UnsafePointer<Float>, _ g: ConvGeometry, height: Int, width: Int,
                              _ cols: UnsafeMutablePointer<Float>) {
        let k = g.kernel, s = g.stride, columns = g.columnCount
        // Work per item: a read and a write per column entry.
        Parallel.forEach(g.channels, workPerItem: 2 * k * k * columns) { channelRange in
            for c in channelRange {
                for i in 0..<k {
                    for j in 0..<k {
                        var row = cols + ((c * k + i) * k + j) * columns
                        for b in 0..<g.batch {
                            let image = x + (b * g.channels + c) * height * width + i * width + j
                            for oy in 0..<g.outHeight {
                                let source = image + oy * s * width
                                if s == 1 {
                                    copy(row, source, g.outWidth)
                                } else {
                                    for ox in 0..<g.outWidth { row[ox] = source[ox * s] }
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
        // One channel per item: the k k rows of a channel all land in that channel only. Work per
        // item: two reads and a write per column entry.
        Parallel.forEach(g.channels, workPerItem: 3 * k * k * columns) { channelRange in
            for c in channelRange {
                for i in 0..<k {
                    for j in 0..<k {
                        // Output columns ox whose input column ox s - p + j lies in [0, W).
                        let lo = max(0, (g.padding - j + g.stride - 1) / g.stride)
                        let hi = max(lo, min(g.outWidth, (g.width - 1 + g.padding - j) / g.stride + 1))
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

    /// target[0..<count] = source[0..<count], eight floats at a time (the runs are short, so a
    /// memmove call per run would cost more than the copy).
    @inline(__always)
    static func copy(_ target: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, _ count: Int) {
        var i = 0
        while i + 8 <= count {
            UnsafeMutableRawPointer(target + i).storeBytes(
                of: UnsafeRawPointer(source + i).loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
            i += 8
        }
        while i < count { target[i] = source[i]; i += 1 }
    }
}
