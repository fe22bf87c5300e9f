import Testing
@testable import LatentDiffKernels

/// C = op(A) op(B) computed with three loops in Double, the reference for BLAS.sgemm.
func naiveGemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, a: [Float], b: [Float]) -> [Float] {
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0
            for p in 0..<k {
                let x = transA ? a[p * m + i] : a[i * k + p]
                let y = transB ? b[j * k + p] : b[p * n + j]
                sum += Double(x) * Double(y)
            }
            c[i * n + j] = Float(sum)
        }
    }
    return c
}

func seededValues(_ count: Int, seed: UInt64) -> [Float] {
    let philox = Philox(seed: seed)
    var values = [Float](repeating: 0, count: count)
    values.withUnsafeMutableBufferPointer { philox.fillNormals($0.baseAddress!, count: count, stream: 0) }
    return values
}

@Suite struct SgemmTests {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matchesNaiveReference(transA: Bool, transB: Bool) {
        for (m, n, k) in [(1, 1, 1), (3, 5, 7), (17, 9, 33), (64, 48, 80)] {
            let a = seededValues(m * k, seed: 1), b = seededValues(k * n, seed: 2)
            var c = [Float](repeating: .nan, count: m * n)
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k,
                                   a: pa.baseAddress!, lda: transA ? m : k,
                                   b: pb.baseAddress!, ldb: transB ? k : n,
                                   c: pc.baseAddress!, ldc: n)
                    }
                }
            }
            let reference = naiveGemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, b: b)
            for i in 0..<(m * n) {
                #expect(abs(c[i] - reference[i]) <= 1e-4 * Float(k).squareRoot() * 4, "(\(m),\(n),\(k)) at \(i)")
            }
        }
    }

    @Test func alphaBetaAccumulate() {
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        var c: [Float] = [1, 1, 1, 1]
        BLAS.sgemm(m: 2, n: 2, k: 2, alpha: 2, a: a, lda: 2, b: b, ldb: 2, beta: 3, c: &c, ldc: 2)
        // 2 * [[19, 22], [43, 50]] + 3
        #expect(c == [41, 47, 89, 103])
    }

    /// A product large enough to be split into parts: the same bits on 1 and 2 threads, and the
    /// values of an unsplit product, for every transposition (rows or columns cut).
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func splitProductDoesNotDependOnThreads(transA: Bool, transB: Bool) {
        for (m, n) in [(512, 256), (96, 1024)] {
            let k = BLAS.splitWork / (m * n) + 1
            let a = seededValues(m * k, seed: 3), b = seededValues(k * n, seed: 4)
            let (lda, ldb) = (transA ? m : k, transB ? k : n)
            let before = Parallel.threadCount
            defer { Parallel.threadCount = before }
            func product(threads: Int) -> [Float] {
                Parallel.threadCount = threads
                var c = [Float](repeating: 0, count: m * n)
                BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: &c, ldc: n)
                return c
            }
            let one = product(threads: 1)
            #expect(one == product(threads: 2))
            // The reference: column j of C by itself (n = 1 is never split).
            for j in [0, n / 2 + 1, n - 1] {
                var column = [Float](repeating: 0, count: m)
                let bj = transB ? Array(b[(j * k)..<(j * k + k)]) : (0..<k).map { b[$0 * n + j] }
                BLAS.sgemm(transA: transA, transB: transB, m: m, n: 1, k: k, a: a, lda: lda, b: bj, ldb: transB ? k : 1,
                           c: &column, ldc: 1)
                #expect((0..<m).allSatisfy { abs(one[$0 * n + j] - column[$0]) <= 1e-3 })
            }
        }
    }
}
