import LatentDiffKernels

/// Inverted dropout: y = x m / (1 - p) with m[i] = 1 when u[i] >= p, else 0, where u[i] is the i-th
/// uniform of Philox(key: seed) stream `stream`, so a (seed, stream) pair always drops the same
/// elements. The identity when `training` is false or p is 0. Any shape.
public func dropout(_ x: Tensor, probability p: Float, seed: UInt64, stream: UInt64, training: Bool) -> Tensor {
    precondition(p >= 0 && p < 1, "dropout: probability \(p) outside [0, 1)")
    guard training && p > 0 else { return x }
    let count = x.count
    // m / (1 - p) for every element.
    let mask = [Float](unsafeUninitializedCapacity: count) { m, initialized in
        guard let base = m.baseAddress else { return }
        Philox(seed: seed).fillUniforms(base, count: count, stream: stream)
        let keep = 1 / (1 - p)
        for i in 0..<count { base[i] = base[i] >= p ? keep : 0 }
        initialized = count
    }
    let xs = x.data
    return Tensor.make(shape: x.shape, inputs: [x]) { y in
        elementRanges(count) { r in for i in r { y[i] = xs[i] * mask[i] } }
    } backward: { y in
        let (dy, dx) = (y.gradBuffer(), x.gradBuffer())
        elementRanges(count) { r in for i in r { dx[i] += dy[i] * mask[i] } }
    }
}
