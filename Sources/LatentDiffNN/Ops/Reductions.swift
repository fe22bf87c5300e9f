import LatentDiffKernels

/// The sum of all elements, as a scalar tensor (shape []). Accumulated in Double.
public func sum(_ x: Tensor) -> Tensor { scaledTotal(x, scale: 1) }

/// The mean of all elements, as a scalar tensor (shape []).
public func mean(_ x: Tensor) -> Tensor { scaledTotal(x, scale: 1 / Double(max(1, x.count))) }

/// y = scale sum_i x[i]; dx[i] += scale dy.
private func scaledTotal(_ x: Tensor, scale: Double) -> Tensor {
    let xs = x.data, count = x.count
    return Tensor.make(shape: [], inputs: [x]) { y in
        var total = 0.0
        for i in 0..<count { total += Double(xs[i]) }
        y[0] = Float(total * scale)
    } backward: { y in
        let (g, dx) = (Float(scale) * y.gradBuffer()[0], x.gradBuffer())
        elementRanges(count) { r in for i in r { dx[i] += g } }
    }
}

/// The mean over the given axes, which are removed from the shape: x (d_0, ..., d_{r-1}) ->
/// y (the d_i with i not in axes). E.g. axes [1, 2, 3] of (B, C, H, W) gives a per-sample mean (B).
public func mean(_ x: Tensor, axes: [Int]) -> Tensor {
    let reduced = Set(axes)
    precondition(reduced.allSatisfy { (0..<x.rank).contains($0) }, "mean: axes \(axes) for \(x.shape)")
    let kept = (0..<x.rank).filter { !reduced.contains($0) }
    let outShape = kept.map { x.shape[$0] }
    let scale = Float(outShape.reduce(1, *)) / Float(max(1, x.count))
    // The output stride of each input axis (0 for reduced axes).
    var outStride = [Int](repeating: 0, count: x.rank)
    var outCount = 1
    for axis in kept.reversed() { outStride[axis] = outCount; outCount *= x.shape[axis] }
    // For each input element, the index of the output element it averages into.
    var target = [Int](repeating: 0, count: x.count)
    var position = [Int](repeating: 0, count: x.rank)
    var outIndex = 0
    for i in 0..<x.count {
        target[i] = outIndex
        // Step the multi-index, last axis fastest.
        var axis = x.rank - 1
        while axis >= 0 {
            position[axis] += 1
            outIndex += outStride[axis]
            if position[axis] < x.shape[axis] { break }
            outIndex -= outStride[axis] * position[axis]
            position[axis] = 0
            axis -= 1
        }
    }
    let xs = x.data
    return Tensor.make(shape: outShape, inputs: [x]) { y in
        for i in 0..<x.count { y[target[i]] += xs[i] }
        for j in 0..<outCount { y[j] *= scale }
    } backward: { y in
        let (dy, dx) = (y.gradBuffer(), x.gradBuffer())
        for i in 0..<x.count { dx[i] += scale * dy[target[i]] }
    }
}
