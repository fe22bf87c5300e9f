import CFixedOrderGEMM

/// Matrix products, row-major, in a fixed summation order through our own kernel
/// (`fixed_order_sgemm`, on the fastest `KernelPath` the CPU has): every entry is one FMA chain
/// over k in order, so its bits depend neither on the product's shape nor on the entry's place in
/// it nor on the CPU. A sample's rows come out the same whatever batch they are part of, and
/// training and inference of the same weights give the same bits. (A BLAS does not promise this:
/// OpenBLAS changed 352 of 4,704 entries between N = 49 and N = 98, and its speed depends on its
/// build recognising the CPU.) Threads come from `Parallel`, which splits large products,
/// convolution chunks and batches of products.
public enum BLAS {
    /// Products of at least this many multiply-adds are split into parts computed in parallel.
    static let splitWork = 1 << 25

    /// C (m, n) = alpha * op(A) (m, k) * op(B) (k, n) + beta * C, with op(X) = X or X^T.
    /// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored.
    ///
    /// A product of at least `splitWork` multiply-adds is cut along the longer of m and n into
    /// parts of about 2^22 (and at least 64 rows or columns), computed by `Parallel.forEach`. The
    /// cut depends on the shape only, so the bits do not depend on the thread count.
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
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        let parts = splitParts(m, n, k)
        guard parts > 1 else {
            return product(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        }
        Parallel.forEach(parts, workPerItem: Parallel.minimumWorkToSplit) { range in
            for part in range {
                if m >= n {  // rows r0 ..< r1 of C and op(A)
                    let (r0, r1) = (m * part / parts, m * (part + 1) / parts)
                    product(transA, transB, r1 - r0, n, k, alpha, transA ? a + r0 : a + r0 * lda, lda, b, ldb,
                            beta, c + r0 * ldc, ldc)
                } else {  // columns c0 ..< c1 of C and op(B)
                    let (c0, c1) = (n * part / parts, n * (part + 1) / parts)
                    product(transA, transB, m, c1 - c0, k, alpha, a, lda, transB ? b + c0 * ldb : b + c0, ldb,
                            beta, c + c0, ldc)
                }
            }
        }
    }

    /// How many parts a product of m n k multiply-adds is cut into (see `sgemm`).
    private static func splitParts(_ m: Int, _ n: Int, _ k: Int) -> Int {
        let work = m * n * k
        return work < splitWork ? 1 : min(work >> 22, max(m, n) / 64)
    }

    /// C (m, n) = alpha A (m, k) B (k, n) + beta C, as `sgemm` (the same bits), with
    /// B already packed in panels of 16 columns (`PanelLowering`). Large products are cut as in
    /// `sgemm`, columns at panel boundaries.
    public static func sgemmFixedOrder(
        m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        packedB: UnsafePointer<Float>, beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        let parts = splitParts(m, n, k)
        guard parts > 1 else {
            return fixed_order_sgemm_packed(m, n, k, alpha, a, lda, packedB, beta, c, ldc)
        }
        let width = Int(FIXED_ORDER_PANEL_COLUMNS)
        let panels = (n + width - 1) / width
        Parallel.forEach(parts, workPerItem: Parallel.minimumWorkToSplit) { range in
            for part in range {
                if m >= n {  // rows r0 ..< r1 of C and A
                    let (r0, r1) = (m * part / parts, m * (part + 1) / parts)
                    fixed_order_sgemm_packed(r1 - r0, n, k, alpha, a + r0 * lda, lda, packedB, beta, c + r0 * ldc, ldc)
                } else {  // panels p0 ..< p1 of B: columns 16 p0 ..< min(n, 16 p1)
                    let (p0, p1) = (panels * part / parts, panels * (part + 1) / parts)
                    let (c0, c1) = (width * p0, min(n, width * p1))
                    fixed_order_sgemm_packed(m, c1 - c0, k, alpha, a, lda, packedB + c0 * max(k, 1), beta, c + c0, ldc)
                }
            }
        }
    }

    /// One call of `fixed_order_sgemm`.
    private static func product(
        _ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        let blockCount = fixed_order_sgemm_block_floats(k)
        let block = BufferCache.shared.allocate(blockCount)
        defer { BufferCache.shared.release(block, count: blockCount) }
        fixed_order_sgemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, block)
    }

    /// The sgemm throughput of this machine now on `Parallel.threadCount` threads, in GFLOP/s, on
    /// square products of size `n` (the yardstick benchmarks report fractions of).
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
