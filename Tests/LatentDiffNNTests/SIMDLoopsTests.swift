import CSIMDLoops
import LatentDiffKernels
import Testing
@testable import LatentDiffNN

/// The C element-wise loops give the bits of the Swift functions they mirror on every kernel path
/// this CPU runs (AVX-512, AVX2, portable), over the whole range `fastExp` clamps and past it.
@Suite struct SIMDLoopsTests {
    /// x from -120 to 120 (with both clamps of fastExp, zero and tiny values), 4,008 of them (not a multiple of 16), so
    /// the vector loops' tails run too.
    static let xs: [Float] = (0..<4001).map { Float($0 - 2000) * 0.06 } + [0, -0.0, 1e-30, -1e-30, 87.3, -87.3, 88.3]

    /// xs as 8 planes of 501 (odd, so the vector loops' tails run in each), with a map per plane.
    static let (planes, plane) = (8, 501)
    static let scales: [Float] = (0..<planes).map { 1.3 - 0.35 * Float($0) }
    static let shifts: [Float] = (0..<planes).map { -0.2 + 0.15 * Float($0) }

    @Test func scaleShiftIsSiLUOfTheAffineMap() {
        #expect(Self.xs.count == Self.planes * Self.plane)
        var y = [Float](repeating: 0, count: Self.xs.count)
        KernelPath.forEachSupported { path in
            for silu in [false, true] {
                simd_scale_shift(Self.xs, &y, Self.planes, Self.plane, Self.scales, Self.shifts, silu ? 1 : 0)
                let expected = Self.xs.indices.map { i -> Float in
                    let h = Self.xs[i] * Self.scales[i / Self.plane] + Self.shifts[i / Self.plane]
                    return silu ? SiLU.value(h) : h
                }
                #expect(y.map(\.bitPattern) == expected.map(\.bitPattern), "silu \(silu) on \(path)")
            }
        }
    }

    @Test func siluGradientIsTheDerivativeTimesDy() {
        let dy = Self.xs.indices.map { Float($0 % 7) - 3.1 }
        var out = [Float](repeating: 0, count: Self.xs.count)
        let expected = Self.xs.indices.map { i in
            dy[i] * SiLU.derivative(Self.xs[i] * Self.scales[i / Self.plane] + Self.shifts[i / Self.plane], 0)
        }
        KernelPath.forEachSupported { path in
            simd_silu_gradient_of_scale_shift(Self.xs, dy, &out, Self.planes, Self.plane, Self.scales, Self.shifts)
            #expect(out.map(\.bitPattern) == expected.map(\.bitPattern), "on \(path)")
        }
    }

    @Test func groupNormInputGradientAddsTheFormula() {
        let (a, mean, r, b, c): (Float, Float, Float, Float, Float) = (0.9, 0.3, 1.7, -0.05, 0.02)
        let dy = Self.xs.indices.map { Float($0 % 11) * 0.3 - 1.4 }, start = Self.xs.map { $0 * 0.01 }
        let expected = Self.xs.indices.map { i -> Float in
            let xhat = (Self.xs[i] - mean) * r
            return start[i] + (a * dy[i] - r * (b + xhat * c))
        }
        KernelPath.forEachSupported { path in
            var dx = start
            simd_group_norm_input_gradient(Self.xs, dy, &dx, Self.xs.count, a, mean, r, b, c)
            #expect(dx.map(\.bitPattern) == expected.map(\.bitPattern), "on \(path)")
        }
    }
}
