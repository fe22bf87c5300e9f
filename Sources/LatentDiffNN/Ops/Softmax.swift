import LatentDiffKernels

/// Softmax over the last dimension: y[..., j] = exp(x[..., j] - max) / sum_j exp(x[..., j] - max).
/// x (..., N) -> y (..., N).
public func softmax(_ x: Tensor) -> Tensor {
    let width = x.shape.last ?? 1
    let rows = x.count / max(1, width)
    let xs = x.data
    return Tensor.make(shape: x.shape, inputs: [x], overwrites: true) { y in
        Parallel.forEach(rows, workPerItem: 24 * width) { range in
            for r in range {
                let (source, target) = (xs + r * width, y + r * width)
                var top = -Float.infinity
                for j in 0..<width { top = max(top, source[j]) }
                for j in 0..<width { target[j] = fastExp(source[j] - top) }
                let scale = 1 / Reduce.sum(target, count: width)
                for j in 0..<width { target[j] *= scale }
            }
        }
    } backward: { y in
        // dx = y (dy - sum_j dy y)
        let (ys, dy, dx) = (y.data, y.gradBuffer(), x.gradBuffer())
        Parallel.forEach(rows, workPerItem: 4 * width) { range in
            for r in range {
                let (p, g, target) = (ys + r * width, dy + r * width, dx + r * width)
                let inner = Reduce.dot(p, g, count: width)
                for j in 0..<width { target[j] += p[j] * (g[j] - inner) }
            }
        }
    }
}
