import LatentDiffKernels

/// Nearest-neighbour resizing to an explicit size: y[b, c, oy, ox] = x[b, c, oy H / Ho, ox W / Wo]
/// (integer division). x (B, C, H, W) -> y (B, C, height, width). Upsampling 4 -> 7 undoes
/// `avgPool2x2`'s 7 -> 4.
public func upsampleNearest(_ x: Tensor, height: Int, width: Int) -> Tensor {
    precondition(x.rank == 4 && height > 0 && width > 0, "upsampleNearest: x must be (B, C, H, W)")
    let planes = x.shape[0] * x.shape[1], inH = x.shape[2], inW = x.shape[3]
    // The source column of each output column.
    let sourceColumn = (0..<width).map { $0 * inW / width }
    let xs = x.data
    return Tensor.make(shape: [x.shape[0], x.shape[1], height, width], inputs: [x], overwrites: true) { y in
        sourceColumn.withUnsafeBufferPointer { column in
            Parallel.forEach(planes, workPerItem: height * width) { range in
                for p in range {
                    for oy in 0..<height {
                        let source = xs + (p * inH + oy * inH / height) * inW, target = y + (p * height + oy) * width
                        for ox in 0..<width { target[ox] = source[column[ox]] }
                    }
                }
            }
        }
    } backward: { y in
        // dx[b, c, iy, ix] += every dy entry copied from there.
        let (dy, dx) = (y.gradBuffer(), x.gradBuffer())
        sourceColumn.withUnsafeBufferPointer { column in
            Parallel.forEach(planes, workPerItem: height * width) { range in
                for p in range {
                    for oy in 0..<height {
                        let target = dx + (p * inH + oy * inH / height) * inW, source = dy + (p * height + oy) * width
                        for ox in 0..<width { target[column[ox]] += source[ox] }
                    }
                }
            }
        }
    }
}
