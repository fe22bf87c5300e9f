import CFixedOrderGEMM
import Testing
@testable import LatentDiffKernels

@Suite struct FixedOrderSgemmTests {
    /// C(i, j) = alpha acc (+ beta C(i, j)), acc the FMA chain over p in order: the promise of
    /// `BLAS.sgemm`, entry for entry, bit for bit.
    static func chain(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: [Float], b: [Float],
                      beta: Float, c: [Float]) -> [Float] {
        var out = c
        for i in 0..<m {
            for j in 0..<n {
                var acc: Float = 0
                for p in 0..<k {
                    acc = acc.addingProduct(transA ? a[p * m + i] : a[i * k + p], transB ? b[j * k + p] : b[p * n + j])
                }
                var value = alpha == 1 ? acc : alpha * acc
                if beta != 0 { value = value + beta * c[i * n + j] }
                out[i * n + j] = value
            }
        }
        return out
    }

    /// Every tile shape the kernels have (1 to 6 rows, 1 to 3 panels, partial panels) and past a
    /// block of 48 columns, for every transposition, alpha and beta; the AVX2 kernel (where the CPU
    /// has it) and the portable one.
    /// (Other tests running meanwhile may get the portable kernel too: the bits are the same.)
    @Test func everyEntryIsTheInOrderFMAChain() {
        KernelPath.forEachSupported { path in
            for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
                checkEveryEntry(transA: transA, transB: transB, path: path)
            }
        }
    }

    func checkEveryEntry(transA: Bool, transB: Bool, path: KernelPath) {
        for (m, n, k) in [(1, 1, 1), (2, 17, 3), (3, 40, 9), (5, 33, 20), (6, 48, 31), (7, 50, 64), (13, 97, 5), (8, 16, 0),
                          (8, 48, 7), (9, 47, 12), (17, 113, 6), (4, 130, 3)] {
            for (alpha, beta): (Float, Float) in [(1, 0), (0.5, 0), (1, 1), (2, -0.25)] {
                let a = seededValues(m * k, seed: 1), b = seededValues(k * n, seed: 2), c0 = seededValues(m * n, seed: 3)
                var c = c0
                BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                           a: a, lda: transA ? m : k, b: b, ldb: transB ? k : n, beta: beta, c: &c, ldc: n)
                let expected = k == 0
                    ? c0.map { beta == 0 ? 0 : beta * $0 }
                    : Self.chain(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, b: b,
                                 beta: beta, c: c0)
                #expect(c == expected, "(\(m), \(n), \(k)) alpha \(alpha) beta \(beta) \(transA) \(transB) \(path)")
            }
        }
    }

    /// A column block of B gives the same bits alone as inside a wider product, wherever it sits;
    /// likewise a row block of A (OpenBLAS does not promise this).
    @Test func blocksDoNotDependOnTheirNeighbours() {
        let (m, k, n) = (96, 864, 49 * 8)
        let a = seededValues(m * k, seed: 4), b = seededValues(k * n, seed: 5)
        var whole = [Float](repeating: 0, count: m * n)
        BLAS.sgemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &whole, ldc: n)
        for first in [0, 49, 5 * 49] {
            var part = [Float](repeating: 0, count: m * 49)
            let columns = (0..<k).flatMap { p in b[(p * n + first)..<(p * n + first + 49)] }
            BLAS.sgemm(m: m, n: 49, k: k, a: a, lda: k, b: columns, ldb: 49, c: &part, ldc: 49)
            let inside = (0..<m).flatMap { i in whole[(i * n + first)..<(i * n + first + 49)] }
            #expect(part == inside, "columns from \(first)")
        }
        var rows = [Float](repeating: 0, count: 7 * n)
        BLAS.sgemm(m: 7, n: n, k: k, a: Array(a[(11 * k)...]), lda: k, b: b, ldb: n, c: &rows, ldc: n)
        #expect(rows == Array(whole[(11 * n)..<(18 * n)]), "rows 11..<18")
    }

    /// The weight gradient (`ConvWeightGradient`): every dW[o, (c k + i) k + j] is the FMA chain over
    /// the batch's output positions (s, y, x) in order of dy[s, o, y, x] x[s, c, y t + i - p, x t + j - p]
    /// (t the stride; 0 outside), replacing or added to dW; every tile shape (rows 27 = 4 x 6 + 3,
    /// 1 and 2 rows ...), partial and whole panels of output channels, strides 1 and 2; the AVX2
    /// kernel and the portable one.
    @Test func convWeightGradientIsTheInOrderFMAChain() {
        // (batch, channels, height, width, kernel, stride, padding, out channels)
        let cases = [(2, 3, 5, 7, 3, 1, 1, 18), (1, 1, 4, 4, 3, 1, 1, 1), (3, 2, 6, 6, 1, 1, 0, 33),
                     (2, 5, 7, 6, 3, 1, 0, 16), (1, 4, 3, 3, 3, 1, 2, 40), (2, 3, 7, 8, 3, 2, 1, 18), (1, 2, 9, 9, 3, 2, 0, 5),
                     (2, 4, 5, 5, 3, 1, 1, 50)]
        KernelPath.forEachSupported { path in
            for (batch, channels, height, width, kernel, stride, padding, outChannels) in cases {
                let g = ConvGeometry(batch: batch, channels: channels, height: height, width: width, kernel: kernel,
                                     stride: stride, padding: padding)
                let rows = g.columnRows, plane = g.outHeight * g.outWidth
                let x = seededValues(batch * channels * height * width, seed: 6)
                let dy = seededValues(batch * outChannels * plane, seed: 7), dW0 = seededValues(outChannels * rows, seed: 8)
                var expected = dW0, sums = dW0
                for o in 0..<outChannels {
                    for r in 0..<rows {
                        let (c, i, j) = (r / (kernel * kernel), r / kernel % kernel, r % kernel)
                        var acc: Float = 0
                        for s in 0..<batch {
                            for y in 0..<g.outHeight {
                                for xo in 0..<g.outWidth {
                                    let (iy, ix) = (y * stride + i - padding, xo * stride + j - padding)
                                    let input = iy >= 0 && iy < height && ix >= 0 && ix < width
                                        ? x[((s * channels + c) * height + iy) * width + ix] : 0
                                    acc = acc.addingProduct(dy[(s * outChannels + o) * plane + y * g.outWidth + xo], input)
                                }
                            }
                        }
                        expected[o * rows + r] = acc
                        sums[o * rows + r] = dW0[o * rows + r] + acc
                    }
                }
                for accumulate in [false, true] {
                    var dW = dW0
                    ConvWeightGradient.compute(x, g, dy: dy, outChannels: outChannels, into: &dW, accumulate: accumulate)
                    #expect(dW == (accumulate ? sums : expected), "\(g) out \(outChannels) accumulate \(accumulate) \(path)")
                }
            }
        }
    }

    /// A batch large enough that the bordered copy of x and dY's panels are shared out by image:
    /// the same dW on 1, 2 and 3 threads.
    @Test func convWeightGradientDoesNotDependOnThreads() {
        let g = ConvGeometry(batch: 64, channels: 16, height: 9, width: 9, kernel: 3, stride: 1, padding: 1)
        let x = seededValues(64 * 16 * 81, seed: 21), dy = seededValues(64 * 16 * 81, seed: 22)
        let before = Parallel.threadCount
        defer { Parallel.threadCount = before }
        let results = [1, 2, 3].map { threads in
            Parallel.threadCount = threads
            var dW = [Float](repeating: 0, count: 16 * g.columnRows)
            ConvWeightGradient.compute(x, g, dy: dy, outChannels: 16, into: &dW, accumulate: false)
            return dW.map(\.bitPattern)
        }
        #expect(results[0] == results[1] && results[0] == results[2])
        #expect(results[0].contains { $0 != 0 })
    }
}
