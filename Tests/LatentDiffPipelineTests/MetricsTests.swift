import Testing
import LatentDiffKernels
@testable import LatentDiffPipeline

func gaussianRows(count: Int, mean: [Double], scales: [Double], seed: UInt64) -> [Float] {
    let philox = Philox(seed: seed)
    var rows: [Float] = []
    for r in 0..<count {
        let z = philox.normals(stream: 0, index: UInt64(r))
        let values = [z.0, z.1, z.2, z.3]
        for i in 0..<mean.count { rows.append(Float(mean[i] + scales[i] * Double(values[i]))) }
    }
    return rows
}

@Suite struct MetricsTests {
    /// For N(m1, diag s1^2) and N(m2, diag s2^2) the distance is |m1 - m2|^2 + sum (s1 - s2)^2.
    @Test func frechetDistanceMatchesTheClosedForm() throws {
        let a = gaussianRows(count: 20000, mean: [0, 0, 0], scales: [1, 2, 0.5], seed: 1)
        let b = gaussianRows(count: 20000, mean: [1, 0, -1], scales: [1, 1, 0.5], seed: 2)
        let expected = 2.0 + 1.0
        #expect(abs(try frechetDistance(a, b, dimension: 3) - expected) < 0.1)
        #expect(abs(try frechetDistance(a, a, dimension: 3)) < 1e-6)
        #expect(throws: LatentDiffError.self) { try frechetDistance([1, 2], [1, 2], dimension: 2) }
    }

    @Test func slicedWassersteinSeesShiftsNotSamples() {
        let a = gaussianRows(count: 4000, mean: [0, 0], scales: [1, 1], seed: 3)
        let b = gaussianRows(count: 4000, mean: [0, 0], scales: [1, 1], seed: 4)
        let c = gaussianRows(count: 4000, mean: [1, 0], scales: [1, 1], seed: 5)
        let points = { (rows: [Float]) in stride(from: 0, to: rows.count, by: 2).map { (Double(rows[$0]), Double(rows[$0 + 1])) } }
        let same = slicedWasserstein(points(a), points(b)), shifted = slicedWasserstein(points(a), points(c))
        // A shift by 1 along x moves each projection by |cos theta|: mean 2 / pi.
        #expect(same < 0.05)
        #expect(abs(shifted - 2 / Double.pi) < 0.05)
    }
}
