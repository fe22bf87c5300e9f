import LatentDiffKernels

/// y = a + b, element-wise; a and b of the same shape.
public func add(_ a: Tensor, _ b: Tensor) -> Tensor { binary(a, b, Sum.self) }

/// y = a - b, element-wise; a and b of the same shape.
public func subtract(_ a: Tensor, _ b: Tensor) -> Tensor { binary(a, b, Difference.self) }

/// y = a b, element-wise; a and b of the same shape.
public func multiply(_ a: Tensor, _ b: Tensor) -> Tensor { binary(a, b, Product.self) }

/// y = s x for a scalar s. Any shape.
public func multiply(_ x: Tensor, _ s: Float) -> Tensor {
    let xs = x.data, count = x.count
    return Tensor.make(shape: x.shape, inputs: [x], overwrites: true) { y in
        elementRanges(count) { r in for i in r { y[i] = s * xs[i] } }
    } backward: { y in
        let (dy, dx) = (y.gradBuffer(), x.gradBuffer())
        elementRanges(count) { r in for i in r { dx[i] += s * dy[i] } }
    }
}

/// y = x + s for a scalar s. Any shape.
public func add(_ x: Tensor, _ s: Float) -> Tensor {
    let xs = x.data, count = x.count
    return Tensor.make(shape: x.shape, inputs: [x], overwrites: true) { y in
        elementRanges(count) { r in for i in r { y[i] = xs[i] + s } }
    } backward: { y in
        let (dy, dx) = (y.gradBuffer(), x.gradBuffer())
        elementRanges(count) { r in for i in r { dx[i] += dy[i] } }
    }
}

/// A scalar function of two values with its partial derivatives.
protocol BinaryFunction {
    static func value(_ a: Float, _ b: Float) -> Float
    /// dy/da at (a, b), given b.
    static func derivativeA(_ b: Float) -> Float
    /// dy/db at (a, b), given a.
    static func derivativeB(_ a: Float) -> Float
}

enum Sum: BinaryFunction {
    @inline(__always) static func value(_ a: Float, _ b: Float) -> Float { a + b }
    @inline(__always) static func derivativeA(_ b: Float) -> Float { 1 }
    @inline(__always) static func derivativeB(_ a: Float) -> Float { 1 }
}

enum Difference: BinaryFunction {
    @inline(__always) static func value(_ a: Float, _ b: Float) -> Float { a - b }
    @inline(__always) static func derivativeA(_ b: Float) -> Float { 1 }
    @inline(__always) static func derivativeB(_ a: Float) -> Float { -1 }
}

enum Product: BinaryFunction {
    @inline(__always) static func value(_ a: Float, _ b: Float) -> Float { a * b }
    @inline(__always) static func derivativeA(_ b: Float) -> Float { b }
    @inline(__always) static func derivativeB(_ a: Float) -> Float { a }
}

/// y = F(a, b) element-wise; da += dy dF/da, db += dy dF/db.
private func binary<F: BinaryFunction>(_ a: Tensor, _ b: Tensor, _: F.Type) -> Tensor {
    precondition(a.shape == b.shape, "element-wise op on shapes \(a.shape) and \(b.shape)")
    let (pa, pb, count) = (a.data, b.data, a.count)
    return Tensor.make(shape: a.shape, inputs: [a, b], overwrites: true) { y in
        elementRanges(count) { r in for i in r { y[i] = F.value(pa[i], pb[i]) } }
    } backward: { y in
        let dy = y.gradBuffer()
        if a.requiresGrad {
            let da = a.gradBuffer()
            elementRanges(count) { r in for i in r { da[i] += dy[i] * F.derivativeA(pb[i]) } }
        }
        if b.requiresGrad {
            let db = b.gradBuffer()
            elementRanges(count) { r in for i in r { db[i] += dy[i] * F.derivativeB(pa[i]) } }
        }
    }
}

/// Calls `body` on ranges covering 0..<count, split over threads for large counts; the
/// per-element loop goes inside `body`, so it compiles to one tight loop.
func elementRanges(_ count: Int, _ body: (Range<Int>) -> Void) {
    Parallel.forEach(count, workPerItem: 1, body)
}

/// buffer[0 ..< count] = 0; large buffers are shared between threads.
func zeroFill(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
    elementRanges(count) { r in (buffer + r.lowerBound).update(repeating: 0, count: r.count) }
}
