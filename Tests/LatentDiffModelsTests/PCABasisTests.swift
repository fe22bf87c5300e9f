import Testing
import LatentDiffKernels
@testable import LatentDiffModels

@Suite struct PCABasisTests {
    /// Points on a tilted plane in 5-D plus small noise: 2 components explain nearly everything,
    /// latents are whitened, and decode(encode(x)) recovers x up to the noise.
    @Test func recoversAPlane() throws {
        let n = 2000, d = 5
        let philox = Philox(seed: 3)
        var data = [Float](repeating: 0, count: n * d)
        let u: [Float] = [1, 2, 0, -1, 0.5], v: [Float] = [0, 1, -1, 1, 2]
        for i in 0..<n {
            let (a, b, e1, e2) = philox.normals(stream: 0, index: UInt64(i))
            for j in 0..<d { data[i * d + j] = 3 * a * u[j] + b * v[j] + 0.01 * (j % 2 == 0 ? e1 : e2) + Float(j) }
        }
        let pca = try PCABasis.fit(data: data, count: n, dimension: d, components: 2)
        #expect(pca.explainedVariance > 0.999)
        var z = [Float](repeating: 0, count: n * 2), back = [Float](repeating: 0, count: n * d)
        pca.encode(data, count: n, into: &z)
        pca.decode(z, count: n, into: &back)
        for c in 0..<2 {
            let values = (0..<n).map { Double(z[$0 * 2 + c]) }
            let mean = values.reduce(0, +) / Double(n)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
            #expect(abs(mean) < 1e-3 && abs(variance - 1) < 1e-3, "component \(c)")
        }
        let worst = zip(data, back).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 0.1)
    }

    @Test func rejectsBadArguments() {
        let data = [Float](repeating: 1, count: 12)
        #expect(throws: LatentDiffError.self) { try PCABasis.fit(data: data, count: 4, dimension: 3, components: 4) }
        #expect(throws: LatentDiffError.self) { try PCABasis.fit(data: data, count: 1, dimension: 3, components: 1) }
    }
}
