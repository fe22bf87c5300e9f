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

    @Test func threadCountIsSettable() {
        let before = BLAS.threadCount
        BLAS.threadCount = 1
        #expect(BLAS.threadCount == 1)
        let a = seededValues(128 * 128, seed: 3)
        var one = [Float](repeating: 0, count: 128 * 128), two = one
        BLAS.sgemm(m: 128, n: 128, k: 128, a: a, lda: 128, b: a, ldb: 128, c: &one, ldc: 128)
        BLAS.threadCount = 2
        #expect(BLAS.threadCount == 2)
        BLAS.sgemm(m: 128, n: 128, k: 128, a: a, lda: 128, b: a, ldb: 128, c: &two, ldc: 128)
        // OpenBLAS may sum in another order on 2 threads, so the bits can differ; the values may not.
        let worst = zip(one, two).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-4)
        BLAS.threadCount = before
    }
}
