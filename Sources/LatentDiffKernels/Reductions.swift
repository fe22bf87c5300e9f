/// Sums over contiguous floats with eight-lane partial sums, so they vectorize. The order of
/// additions depends on `count` only, never on threads.
public enum Reduce {
    /// sum_i x[i]
    @inlinable
    public static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            lanes += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = lanes.sum()
        while i < count { total += x[i]; i += 1 }
        return total
    }

    /// sum_i x[i] y[i]
    @inlinable
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            lanes += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = lanes.sum()
        while i < count { total += x[i] * y[i]; i += 1 }
        return total
    }

    /// sum_i (x[i] - center)^2
    @inlinable
    public static func squaredDeviation(_ x: UnsafePointer<Float>, count: Int, center: Float) -> Float {
        var lanes = SIMD8<Float>()
        let c = SIMD8<Float>(repeating: center)
        var i = 0
        while i + 8 <= count {
            let d = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - c
            lanes += d * d
            i += 8
        }
        var total = lanes.sum()
        while i < count { total += (x[i] - center) * (x[i] - center); i += 1 }
        return total
    }
}
