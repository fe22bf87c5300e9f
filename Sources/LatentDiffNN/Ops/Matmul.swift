import LatentDiffKernels

/// C = alpha op(A) op(B) for each matrix of a batch, op(X) = X or X^T (as in attention, QK^T).
/// a (..., M, K) or, transposed, (..., K, M); b (..., K, N) or (..., N, K); the leading (batch)
/// dimensions of a and b must be equal. -> c (..., M, N).
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false,
                   alpha: Float = 1) -> Tensor {
    precondition(a.rank >= 2 && a.rank == b.rank, "matmul: ranks \(a.shape) and \(b.shape)")
    let batchShape = Array(a.shape.dropLast(2))
    precondition(Array(b.shape.dropLast(2)) == batchShape, "matmul: batch dimensions \(a.shape) vs \(b.shape)")
    let (ra, ca) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
    let (rb, cb) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
    let (m, k) = transposeA ? (ca, ra) : (ra, ca)
    let n = transposeB ? rb : cb
    precondition((transposeB ? cb : rb) == k, "matmul: inner dimensions of \(a.shape) and \(b.shape)")
    let batch = batchShape.reduce(1, *)
    let (lda, ldb) = (ca, cb)
    let (sizeA, sizeB, sizeC) = (m * k, k * n, m * n)
    // The products of a batch are independent: spread over threads.
    let work = m * n * k
    // With beta 0 the product writes every entry of c (zeros when k is 0).
    return Tensor.make(shape: batchShape + [m, n], inputs: [a, b], overwrites: true) { c in
        FlopCount.addProduct(m: batch * m, n: n, k: k)
        Parallel.forEach(batch, workPerItem: work) { range in
            for i in range {
                BLAS.sgemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k, alpha: alpha,
                           a: a.data + i * sizeA, lda: lda, b: b.data + i * sizeB, ldb: ldb,
                           c: c + i * sizeC, ldc: n)
            }
        }
    } backward: { c in
        let dc = c.gradBuffer()
        // d op(A) = alpha dC op(B)^T and d op(B) = alpha op(A)^T dC, stored back as A and B are.
        if a.requiresGrad {
            let da = a.gradBuffer()
            Parallel.forEach(batch, workPerItem: work) { range in for i in range {
                let (dci, bi, dai) = (dc + i * sizeC, b.data + i * sizeB, da + i * sizeA)
                if transposeA {  // dA (K, M) = alpha op(B) (K, N) dC^T (N, M)
                    BLAS.sgemm(transA: transposeB, transB: true, m: k, n: m, k: n, alpha: alpha,
                               a: bi, lda: ldb, b: dci, ldb: n, beta: 1, c: dai, ldc: lda)
                } else {  // dA (M, K) = alpha dC (M, N) op(B)^T (N, K)
                    BLAS.sgemm(transA: false, transB: !transposeB, m: m, n: k, k: n, alpha: alpha,
                               a: dci, lda: n, b: bi, ldb: ldb, beta: 1, c: dai, ldc: lda)
                }
            } }
        }
        if b.requiresGrad {
            let db = b.gradBuffer()
            Parallel.forEach(batch, workPerItem: work) { range in for i in range {
                let (dci, ai, dbi) = (dc + i * sizeC, a.data + i * sizeA, db + i * sizeB)
                if transposeB {  // dB (N, K) = alpha dC^T (N, M) op(A) (M, K)
                    BLAS.sgemm(transA: true, transB: transposeA, m: n, n: k, k: m, alpha: alpha,
                               a: dci, lda: n, b: ai, ldb: lda, beta: 1, c: dbi, ldc: ldb)
                } else {  // dB (K, N) = alpha op(A)^T (K, M) dC (M, N)
                    BLAS.sgemm(transA: !transposeA, transB: false, m: k, n: n, k: m, alpha: alpha,
                               a: ai, lda: lda, b: dci, ldb: n, beta: 1, c: dbi, ldc: ldb)
                }
            } }
        }
    }
}
