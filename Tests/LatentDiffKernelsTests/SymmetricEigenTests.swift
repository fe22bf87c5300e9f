import Testing
@testable import LatentDiffKernels

@Suite struct SymmetricEigenTests {
    @Test func reconstructsTheMatrix() throws {
        // A = B B^T is symmetric positive semi-definite.
        let n = 7
        let b = seededValues(n * n, seed: 4).map(Double.init)
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { for k in 0..<n { a[i * n + j] += b[i * n + k] * b[j * n + k] } } }
        let (values, vectors) = try SymmetricEigen.decompose(a, n: n)
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 >= $1 }, "descending")
        // A v_i = lambda_i v_i and |v_i| = 1.
        for i in 0..<n {
            var norm = 0.0
            for j in 0..<n {
                var av = 0.0
                for k in 0..<n { av += a[j * n + k] * vectors[i * n + k] }
                #expect(abs(av - values[i] * vectors[i * n + j]) < 1e-9 * max(1, abs(values[0])))
                norm += vectors[i * n + j] * vectors[i * n + j]
            }
            #expect(abs(norm - 1) < 1e-12)
        }
    }

    @Test func rejectsBadShapes() {
        #expect(throws: LatentDiffError.self) { try SymmetricEigen.decompose([1, 2, 3], n: 2) }
    }
}
