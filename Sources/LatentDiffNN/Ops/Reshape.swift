/// The same values under another shape with the same element count; no copy (a view).
/// One dimension may be -1, inferred from the others.
public func reshape(_ x: Tensor, _ shape: [Int]) -> Tensor {
    var shape = shape
    if let unknown = shape.firstIndex(of: -1) {
        let known = shape.enumerated().reduce(1) { $1.offset == unknown ? $0 : $0 * $1.element }
        precondition(known > 0 && x.count % known == 0, "reshape: \(x.shape) to \(shape)")
        shape[unknown] = x.count / known
    }
    precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == x.count, "reshape: \(x.shape) to \(shape)")
    let y = Tensor(viewing: x, shape: shape)
    if x.requiresGrad {
        y.node = Tensor.Node(inputs: [x]) { y in
            let (dy, dx) = (y.gradBuffer(), x.gradBuffer())
            elementRanges(x.count) { r in for i in r { dx[i] += dy[i] } }
        }
    }
    return y
}

/// (B, ...) -> (B, product of the rest).
public func flatten(_ x: Tensor) -> Tensor {
    precondition(x.rank >= 1, "flatten: x needs a batch dimension")
    return reshape(x, [x.shape[0], x.count / max(1, x.shape[0])])
}
