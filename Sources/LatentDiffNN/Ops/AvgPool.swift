import LatentDiffKernels

/// 2x2 average pooling, stride 2, ceil mode: y[b, c, oy, ox] = mean of x[b, c, 2oy + i, 2ox + j]
/// over the i, j in {0, 1} that lie inside the image (an edge window of an odd size averages fewer
/// values). x (B, C, H, W) -> y (B, C, ceil(H/2), ceil(W/2)), so 7x7 -> 4x4.
public func avgPool2x2(_ x: Tensor) -> Tensor {
    precondition(x.rank == 4, "avgPool2x2: x must be (B, C, H, W)")
    let planes = x.shape[0] * x.shape[1], inH = x.shape[2], inW = x.shape[3]
    let outH = (inH + 1) / 2, outW = (inW + 1) / 2
    let xs = x.data
    /// Calls visit(input index, 1 / window size) for each input of output (p, oy, ox).
    @inline(__always) func window(_ p: Int, _ oy: Int, _ ox: Int, _ visit: (Int, Float) -> Void) {
        let rows = min(2, inH - 2 * oy), columns = min(2, inW - 2 * ox)
        let weight = 1 / Float(rows * columns)
        for i in 0..<rows {
            for j in 0..<columns { visit((p * inH + 2 * oy + i) * inW + 2 * ox + j, weight) }
        }
    }
    return Tensor.make(shape: [x.shape[0], x.shape[1], outH, outW], inputs: [x], overwrites: true) { y in
        Parallel.forEach(planes, workPerItem: 4 * outH * outW) { range in
            for p in range {
                for oy in 0..<outH {
                    for ox in 0..<outW {
                        var sum: Float = 0
                        window(p, oy, ox) { i, w in sum += w * xs[i] }
                        y[(p * outH + oy) * outW + ox] = sum
                    }
                }
            }
        }
    } backward: { y in
        let (dy, dx) = (y.gradBuffer(), x.gradBuffer())
        Parallel.forEach(planes, workPerItem: 4 * outH * outW) { range in
            for p in range {
                for oy in 0..<outH {
                    for ox in 0..<outW {
                        let g = dy[(p * outH + oy) * outW + ox]
                        window(p, oy, ox) { i, w in dx[i] += w * g }
                    }
                }
            }
        }
    }
}
