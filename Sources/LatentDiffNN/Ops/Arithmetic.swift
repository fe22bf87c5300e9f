import LatentDiffKernels

/// y = a + b, element-wise; a and b of the same shape.
public func add(_ a: Tensor, _ b: Tensor) -> Tensor {
    binary(a, b, value: { $0 + $1 }, gradA: { dy, _ in dy }, gradB: { dy, _ in dy })
}

/// y = a - b, element-wise; a and b of the same shape.
public func subtract(_ a: Tensor, _ b: Tensor) -> Tensor {
    binary(a, b, value: { $0 - $1 }, gradA: { dy, _ in dy }, gradB: { dy, _ in -dy })
}

/// y = a b, element-wise; a and b of the same shape.
public func multiply(_ a: Tensor, _ b: Tensor) -> Tensor {
    binary(a, b, value: { $0 * $1 }, gradA: { dy, other in dy * other }, gradB: { dy, other in dy * other })
}

/// y = s x for a scalar s. Any shape.
public func multiply(_ x: Tensor, _ s: Float) -> Tensor {
    let xs = x.data, count = x.count
    return Tensor.make(shape: x.shape, inputs: [x]) { y in
        elementLoop(count) { i in y[i] = s * xs[i] }
    } backward: { y in
        let (dy, dx) = (y.gradBuffer(), x.gradBuffer())
        elementLoop(count) { i in dx[i] += s * dy[i] }
    }
}

/// y = x + s for a scalar s. Any shape.
public func add(_ x: Tensor, _ s: Float) -> Tensor {
    let xs = x.data, count = x.count
    return Tensor.make(shape: x.shape, inputs: [x]) { y in
        elementLoop(count) { i in y[i] = xs[i] + s }
    } backward: { y in
        let (dy, dx) = (y.gradBuffer(), x.gradBuffer())
        elementLoop(count) { i in dx[i] += dy[i] }
    }
}

/// y = value(a, b) element-wise; da += gradA(dy, b), db += gradB(dy, a).
@inline(__always)
private func binary(
    _ a: Tensor, _ b: Tensor, value: @escaping (Float, Float) -> Float,
    gradA: @escaping (_ dy: Float, _ b: Float) -> Float, gradB: @escaping (_ dy: Float, _ a: Float) -> Float
) -> Tensor {
    precondition(a.shape == b.shape, "element-wise op on shapes \(a.shape) and \(b.shape)")
    let (pa, pb, count) = (a.data, b.data, a.count)
    return Tensor.make(shape: a.shape, inputs: [a, b]) { y in
        elementLoop(count) { i in y[i] = value(pa[i], pb[i]) }
    } backward: { y in
        let dy = y.gradBuffer()
        if a.requiresGrad {
            let da = a.gradBuffer()
            elementLoop(count) { i in da[i] += gradA(dy[i], pb[i]) }
        }
        if b.requiresGrad {
            let db = b.gradBuffer()
            elementLoop(count) { i in db[i] += gradB(dy[i], pa[i]) }
        }
    }
}

/// Runs body(i) for i in 0..<count, split over threads for large counts.
@inline(__always)
func elementLoop(_ count: Int, _ body: (Int) -> Void) {
    Parallel.forEach(count, workPerItem: 1) { range in
        for i in range { body(i) }
    }
}
