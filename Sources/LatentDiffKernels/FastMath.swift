/// exp(x) in single precision without a libm call, so loops over it vectorize.
///
/// Cephes' expf: x = n ln2 + r with n = round(x / ln2), |r| <= ln2 / 2; exp(r) by a degree-6
/// polynomial; 2^n built in the exponent bits. Relative error about 2 ulp. Inputs are clamped to
/// [-87.3, 88.3], so results stay finite and normal (exp(-inf) gives about 1.2e-38, not 0).
@inlinable @inline(__always)
public func fastExp(_ x: Float) -> Float {
    let x = min(max(x, -87.3), 88.3)
    // Adding 1.5 * 2^23 rounds to an integer held in the low mantissa bits.
    let shifted = x * 1.442_695_04 + 12_582_912
    let n = shifted - 12_582_912
    let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
    let r2 = r * r
    var p: Float = 1.987_569_15e-4
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_59e-2
    p = p * r + 1.666_666_55e-1
    p = p * r + 5.000_000_12e-1
    let expR = p * r2 + r + 1
    let exponent = (Int32(bitPattern: shifted.bitPattern) &- 0x4B40_0000 &+ 127) &<< 23
    return expR * Float(bitPattern: UInt32(bitPattern: exponent))
}

/// The logistic function 1 / (1 + exp(-x)), through `fastExp`.
@inlinable @inline(__always)
public func fastSigmoid(_ x: Float) -> Float { 1 / (1 + fastExp(-x)) }

/// tanh(x) = 1 - 2 / (exp(2x) + 1), through `fastExp` (absolute error about 1e-7).
@inlinable @inline(__always)
public func fastTanh(_ x: Float) -> Float { 1 - 2 / (fastExp(2 * x) + 1) }
