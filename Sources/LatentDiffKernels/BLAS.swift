import COpenBLAS

/// Matrix products through OpenBLAS. All matrices are row-major.
public enum BLAS {
    /// Threads OpenBLAS uses for every product in the process (OpenBLAS' setting is process-wide).
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// C (m, n) = alpha * op(A) (m, k) * op(B) (k, n) + beta * C, with op(X) = X or X^T.
    /// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored.
    @inlinable
    public static func sgemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            // OpenBLAS handles k = 0 as C = beta * C already, but keep the contract explicit.
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        cblas_sgemm(
            CblasRowMajor,
            transA ? CblasTrans : CblasNoTrans,
            transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb),
            beta, c, Int32(ldc))
    }

    /// The sgemm throughput of this machine now, in GFLOP/s, on square products of size `n`
    /// (the yardstick benchmarks report fractions of).
    public static func measureSgemmGFLOPS(n: Int = 384, seconds: Double = 0.5) -> Double {
        measureSgemmGFLOPS(m: n, n: n, k: n, seconds: seconds)
    }

    /// The sgemm throughput in GFLOP/s of C (m, n) = A (m, k) B (k, n), e.g. the shape a
    /// convolution lowers to.
    public static func measureSgemmGFLOPS(m: Int, n: Int, k: Int, seconds: Double = 0.5) -> Double {
        let a = UnsafeMutablePointer<Float>.allocate(capacity: m * k)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: k * n)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        for i in 0..<(m * k) { a[i] = Float(i % 7) * 0.1 }
        for i in 0..<(k * n) { b[i] = Float(i % 5) * 0.1 }
        sgemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: c, ldc: n)  // warm-up
        var runs = 0
        let start = MonotonicClock.now()
        var elapsed = 0.0
        repeat {
            sgemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: c, ldc: n)
            runs += 1
            elapsed = MonotonicClock.now() - start
        } while elapsed < seconds
        return 2 * Double(m * n * k) * Double(runs) / elapsed / 1e9
    }
}
