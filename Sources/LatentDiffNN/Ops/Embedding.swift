#if canImport(Glibc)
import Glibc
#endif

/// Rows of a table: y[n, :] = table[labels[n], :]. table (K, D) -> y (N, D), N = labels.count.
/// Labels must lie in 0..<K; callers validate labels from outside before calling.
public func embedding(_ labels: [Int], table: Tensor) -> Tensor {
    precondition(table.rank == 2, "embedding: table must be (K, D)")
    let rows = table.shape[0], width = table.shape[1]
    precondition(labels.allSatisfy { (0..<rows).contains($0) }, "embedding: a label outside 0..<\(rows)")
    return Tensor.make(shape: [labels.count, width], inputs: [table]) { y in
        for (n, label) in labels.enumerated() { (y + n * width).update(from: table.data + label * width, count: width) }
    } backward: { y in
        // dtable[labels[n], :] += dy[n, :], n in order.
        let (dy, dtable) = (y.gradBuffer(), table.gradBuffer())
        for (n, label) in labels.enumerated() {
            let (source, target) = (dy + n * width, dtable + label * width)
            for j in 0..<width { target[j] += source[j] }
        }
    }
}

/// Sinusoidal timestep embedding (no parameters, no gradient): for t (B) -> y (B, dim),
/// y[b, i] = cos(t_b f_i), y[b, half + i] = sin(t_b f_i), f_i = maxPeriod^(-i / half),
/// half = dim / 2 (an odd dim leaves the last column 0).
public func timestepEmbedding(_ timesteps: [Float], dim: Int, maxPeriod: Double = 10_000) -> Tensor {
    precondition(dim >= 2, "timestepEmbedding: dim must be at least 2")
    let half = dim / 2
    let y = Tensor(zeros: [timesteps.count, dim])
    for (b, t) in timesteps.enumerated() {
        for i in 0..<half {
            let angle = Double(t) * exp(-log(maxPeriod) * Double(i) / Double(half))
            y.data[b * dim + i] = Float(cos(angle))
            y.data[b * dim + half + i] = Float(sin(angle))
        }
    }
    return y
}
