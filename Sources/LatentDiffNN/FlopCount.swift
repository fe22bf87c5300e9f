import Synchronization

/// The floating-point operations that forward passes of the matrix ops have done in this process,
/// counted as benchmarks count them: 2 per multiply-add of conv2d, linear and matmul (attention).
/// Backward passes, element-wise ops and normalizations are not counted. Read it before and after
/// a piece of work to get that work's FLOPs.
public enum FlopCount {
    private static let counter = Atomic<Int>(0)

    public static var total: Int { counter.load(ordering: .relaxed) }

    /// Adds 2 m n k for one product of (m, k) by (k, n).
    static func addProduct(m: Int, n: Int, k: Int) {
        counter.add(2 * m * n * k, ordering: .relaxed)
    }
}
