import CSIMDLoops
import LatentDiffKernels
import Testing
@testable import LatentDiffNN

/// The C element-wise loops give the bits of the Swift functions they mirror on every kernel path
/// this CPU runs (AVX-512, AVX2, portable), over the whole range `fastExp` clamps and past it.
@Suite struct SIMDLoopsTests {
    /// x from -120 to 120 (with both clamps of fastExp, zero and tiny values), in an odd count so
    /// the vector loops' tails run too.
    static let xs: [Float] = (0..<4001).map { Float($0 - 2000) * 0.06 } + [0, -0.0, 1e-30, -1e-30, 87.3, -87.3, 88.3]

    @Test func scaleShiftIsSiLUOfTheAffineMap() {
        let (scale, shift): (Float, Float) = (1.3, -0.2)
        var y = [Float](repeating: 0, count: Self.xs.count)
        KernelPath.forEachSupported { path in
            for silu in [false, true] {
                simd_scale_shift(Self.xs, &y, Self.xs.count, scale, shift, silu ? 1 : 0)
                let expected = Self.xs.map { silu ? SiLU.value($0 * scale + shift) : $0 * scale + shift }
                #expect(y.map(\.bitPattern) == expected.map(\.bitPattern), "silu \(silu) on \(path)")
            }
        }
    }

    @Test func siluGradientIsTheDerivativeTimesDy() {
        let (scale, shift): (Float, Float) = (0.7, 0.1)
        let dy = Self.xs.indices.map { Float($0 % 7) - 3.1 }
        var out = [Float](repeating: 0, count: Self.xs.count)
        let expected = Self.xs.indices.map { dy[$0] * SiLU.derivative(Self.xs[$0] * scale + shift, 0) }
        KernelPath.forEachSupported { path in
            simd_silu_gradient_of_scale_shift(Self.xs, dy, &out, Self.xs.count, scale, shift)
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
