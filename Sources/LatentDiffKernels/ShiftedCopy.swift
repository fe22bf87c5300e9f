/// target[oy, ox] = image[oy + dy, ox + dx], 0 outside the H x W image, for a Ho x Wo target: one
/// row of a stride-1 im2col. The bounds are worked out once per shift and applied to many images.
///
/// When Wo = W, the target rows that have a source row are one run of the image, copied at once;
/// the |dx| entries per row that wrapped around from a neighbouring row are then zeroed.
/// (Where the run starts before or ends after the image, it is clipped: those entries are zeroed.)
struct ShiftedCopy {
    let width: Int, outWidth: Int, outPlane: Int, dy: Int, dx: Int
    /// Target rows [top, bottom) read image rows inside it; target columns [left, right) likewise.
    let top: Int, bottom: Int, left: Int, right: Int
    /// Wo = W: target indices [first, last) copy image indices shifted by `offset`.
    let first: Int, last: Int, offset: Int
    /// 0, read from memory at run time: with a constant zero the optimizer replaces the short
    /// zeroing loops by memset calls.
    let zero = zeroCell.pointee

    init(_ g: ConvGeometry, dy: Int, dx: Int) {
        (width, outWidth, outPlane, self.dy, self.dx) = (g.width, g.outWidth, g.outHeight * g.outWidth, dy, dx)
        top = min(g.outHeight, max(0, -dy))
        bottom = max(top, min(g.outHeight, g.height - dy))
        left = min(g.outWidth, max(0, -dx))
        right = max(left, min(g.outWidth, g.width - dx))
        offset = dy * g.width + dx
        // Clipped to the image; the clipped ends are wrap-around entries, zeroed anyway.
        first = max(top * g.width, -offset)
        last = max(first, min(bottom * g.width, g.height * g.width - offset))
    }

    /// Inline loops: the runs are short (a few to a few hundred floats), and libc calls per run
    /// measured 15-25% slower on 4x4 to 8x8 images (equal on 28x28).
    @inline(__always)
    func apply(_ image: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>) {
        guard outWidth == width else { return applyByRows(image, target) }
        var i = 0
        while i < first { target[i] = zero; i &+= 1 }
        let source = image + offset
        while i &+ 8 <= last {
            UnsafeMutableRawPointer(target + i).storeBytes(
                of: UnsafeRawPointer(source + i).loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
            i &+= 8
        }
        while i < last { target[i] = source[i]; i &+= 1 }
        while i < outPlane { target[i] = zero; i &+= 1 }
        var oy = top
        while oy < bottom {
            let row = target + oy &* width
            var ox = 0
            while ox < left { row[ox] = zero; ox &+= 1 }
            ox = right
            while ox < width { row[ox] = zero; ox &+= 1 }
            oy &+= 1
        }
    }

    /// Wo != W (a kernel wider than 2 p + 1): row by row.
    private func applyByRows(_ image: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>) {
        target.update(repeating: 0, count: top * outWidth)
        for oy in top..<bottom {
            let row = target + oy * outWidth
            row.update(repeating: 0, count: left)
            (row + left).update(from: image + (oy + dy) * width + left + dx, count: right - left)
            (row + right).update(repeating: 0, count: outWidth - right)
        }
        (target + bottom * outWidth).update(repeating: 0, count: outPlane - bottom * outWidth)
    }
}

/// Holds `ShiftedCopy.zero`.
nonisolated(unsafe) private let zeroCell: UnsafePointer<Float> = {
    let cell = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    cell.initialize(to: 0)
    return UnsafePointer(cell)
}()
