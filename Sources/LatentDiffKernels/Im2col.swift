import CFixedOrderGEMM

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

    /// The same convolution over `batch` images.
    public func withBatch(_ batch: Int) -> ConvGeometry {
        ConvGeometry(batch: batch, channels: channels, height: height, width: width, kernel: kernel, stride: stride,
                     padding: padding)
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
        pad(x, g, into: padded)
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

    /// padded[b, c, y + p, x + p] = x[b, c, y, x], 0 elsewhere: (B, C, H + 2p, W + 2p).
    static func pad(_ x: UnsafePointer<Float>, _ g: ConvGeometry, into padded: UnsafeMutablePointer<Float>) {
        let (height, width) = (g.height + 2 * g.padding, g.width + 2 * g.padding)
        Parallel.forEach(g.batch * g.channels, workPerItem: height * width) { planes in
            fixed_order_pad(x + planes.lowerBound * g.height * g.width, padded + planes.lowerBound * height * width,
                            planes.count, g.height, g.width, g.padding)
        }
    }

    /// `im2col` at stride 2 or more of an input already padded to (B, C, height, width), read with
    /// padding 0.
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
                                for ox in 0..<g.outWidth { row[ox] = source[ox * s] }
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
}

/// `im2col` at stride 1 for `BLAS.sgemmFixedOrder`, a few panels at a time: the same
/// (R = C k k, B Ho Wo) matrix, cut into panels of 16 columns, each lowered straight from the
/// input (`fixed_order_lower_panel`: masked loads where the kernel path has them, zeros for the
/// border).
public struct PanelLowering {
    public let geometry: ConvGeometry
    private let input: UnsafePointer<Float>

    /// Panels of 16 columns covering the B Ho Wo columns.
    public var panelCount: Int { (geometry.columnCount + panelWidth - 1) / panelWidth }

    /// x (B, C, H, W) as `g` describes it, read by `lower` (so alive until then); stride 1.
    public init(_ x: UnsafePointer<Float>, _ g: ConvGeometry) {
        precondition(g.stride == 1, "PanelLowering: stride 1 only")
        (geometry, input) = (g, x)
    }

    /// Floats of a buffer that `lower` fills with `panels` panels.
    public func packedCount(panels: Int) -> Int { panelWidth * geometry.columnRows * panels }

    /// Writes panels `range`, one after another, each (R, 16): entry (r, n) of the matrix at
    /// packed[(n / 16 - range.lowerBound) 16 R + 16 r + n % 16]; columns past B Ho Wo are 0.
    /// `packed` holds `packedCount(panels: range.count)` floats.
    public func lower(_ range: Range<Int>, into packed: UnsafeMutablePointer<Float>) {
        let g = geometry, panelSize = panelWidth * g.columnRows
        for panel in range {
            fixed_order_lower_panel(packed + (panel - range.lowerBound) * panelSize, input, g.channels, g.height,
                                    g.width, g.kernel, g.padding, panelWidth * panel,
                                    min(panelWidth, g.columnCount - panelWidth * panel))
        }
    }
}
