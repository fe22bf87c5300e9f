#if canImport(Glibc)
import Glibc
#endif
import LatentDiffKernels

/// SiLU (swish): y = x sigmoid(x). Any shape.
public func silu(_ x: Tensor) -> Tensor { elementwise(x, SiLU.self) }

/// GELU, tanh approximation: y = x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). Any shape.
public func gelu(_ x: Tensor) -> Tensor { elementwise(x, GELU.self) }

/// y = 1 / (1 + exp(-x)). Any shape.
public func sigmoid(_ x: Tensor) -> Tensor { elementwise(x, Sigmoid.self) }

/// y = tanh(x). Any shape.
public func tanh(_ x: Tensor) -> Tensor { elementwise(x, Tanh.self) }

/// y = log(1 + exp(x)), computed as max(x, 0) + log1p(exp(-|x|)). Any shape.
public func softplus(_ x: Tensor) -> Tensor { elementwise(x, Softplus.self) }

/// y = x for x > 0, else slope x (Maas et al. 2013). Any shape.
public func leakyReLU(_ x: Tensor, slope: Float = 0.2) -> Tensor {
    let xs = x.data, count = x.count
    return Tensor.make(shape: x.shape, inputs: [x], overwrites: true) { y in
        elementRanges(count) { r in for i in r { y[i] = xs[i] > 0 ? xs[i] : slope * xs[i] } }
    } backward: { y in
        // dx += dy for x > 0, else slope dy
        let (dy, dx) = (y.gradBuffer(), x.gradBuffer())
        elementRanges(count) { r in for i in r { dx[i] += xs[i] > 0 ? dy[i] : slope * dy[i] } }
    }
}

/// y = max(x, 0). Any shape.
public func relu(_ x: Tensor) -> Tensor { leakyReLU(x, slope: 0) }

/// A scalar function applied to every element, with its derivative.
protocol ElementwiseFunction {
    static func value(_ x: Float) -> Float
    /// dy/dx at x, where y = value(x).
    static func derivative(_ x: Float, _ y: Float) -> Float
}

/// y = F(x) element-wise; dx += dy F'(x).
func elementwise<F: ElementwiseFunction>(_ x: Tensor, _: F.Type) -> Tensor {
    let xs = x.data, count = x.count
    return Tensor.make(shape: x.shape, inputs: [x], overwrites: true) { y in
        Parallel.forEach(count, workPerItem: 16) { range in
            for i in range { y[i] = F.value(xs[i]) }
        }
    } backward: { y in
        let (ys, dy, dx) = (y.data, y.gradBuffer(), x.gradBuffer())
        Parallel.forEach(count, workPerItem: 24) { range in
            for i in range { dx[i] += dy[i] * F.derivative(xs[i], ys[i]) }
        }
    }
}

enum SiLU: ElementwiseFunction {
    @inline(__always) static func value(_ x: Float) -> Float { x * fastSigmoid(x) }
    // d/dx x s(x) = s (1 + x (1 - s))
    @inline(__always) static func derivative(_ x: Float, _ y: Float) -> Float {
        let s = fastSigmoid(x)
        return s * (1 + x * (1 - s))
    }
}

enum GELU: ElementwiseFunction {
    static var c: Float { 0.797_884_56 }  // sqrt(2 / pi)
    @inline(__always) static func value(_ x: Float) -> Float {
        0.5 * x * (1 + fastTanh(c * (x + 0.044_715 * x * x * x)))
    }
    // d/dx = (1 + t)/2 + x/2 (1 - t^2) c (1 + 3 0.044715 x^2), t = tanh(c (x + 0.044715 x^3))
    @inline(__always) static func derivative(_ x: Float, _ y: Float) -> Float {
        let t = fastTanh(c * (x + 0.044_715 * x * x * x))
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044_715 * x * x)
    }
}

enum Sigmoid: ElementwiseFunction {
    @inline(__always) static func value(_ x: Float) -> Float { fastSigmoid(x) }
    @inline(__always) static func derivative(_ x: Float, _ y: Float) -> Float { y * (1 - y) }
}

enum Tanh: ElementwiseFunction {
    @inline(__always) static func value(_ x: Float) -> Float { fastTanh(x) }
    @inline(__always) static func derivative(_ x: Float, _ y: Float) -> Float { 1 - y * y }
}

enum Softplus: ElementwiseFunction {
    @inline(__always) static func value(_ x: Float) -> Float { max(x, 0) + log1pf(fastExp(-abs(x))) }
    @inline(__always) static func derivative(_ x: Float, _ y: Float) -> Float { fastSigmoid(x) }
}
