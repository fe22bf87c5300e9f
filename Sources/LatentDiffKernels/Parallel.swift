import Dispatch

/// The process-wide thread count and a parallel loop over independent items.
///
/// OpenBLAS does the matrix work with its own threads; this loop is for element-wise and
/// normalization work. A hand-off to other threads costs microseconds, so a loop is split only
/// when its estimated work is well over 100 µs.
public enum Parallel {
    /// Threads used by `forEach` and by every OpenBLAS product (the same process-wide setting:
    /// setting it sets `BLAS.threadCount`).
    public static var threadCount: Int {
        get { BLAS.threadCount }
        set { BLAS.threadCount = newValue }
    }

    /// Estimated work (in simple float operations) below which a loop runs on the calling thread.
    public static let minimumWorkToSplit = 1 << 18

    /// Calls `body` on contiguous ranges covering `0..<count`, on up to `threadCount` threads when
    /// `count * workPerItem` is at least `minimumWorkToSplit`, else once with the whole range.
    /// Items must be independent and each computed the same way whatever range holds it, so
    /// results do not depend on the thread count.
    public static func forEach(_ count: Int, workPerItem: Int, _ body: (Range<Int>) -> Void) {
        let threads = min(threadCount, count)
        guard threads > 1, count * workPerItem >= minimumWorkToSplit else {
            if count > 0 { body(0..<count) }
            return
        }
        // The items are independent (the caller's promise), so sharing `body` across threads is safe.
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                body(part(t, of: threads, count: count))
            }
        }
    }

    /// The t-th of `parts` contiguous, nearly equal ranges that together cover 0..<count.
    static func part(_ t: Int, of parts: Int, count: Int) -> Range<Int> {
        count * t / parts ..< count * (t + 1) / parts
    }
}

extension Parallel {
    /// Calls `body(i)` for every i in 0..<count, on `threads` threads (thread t takes i = t,
    /// t + threads, ...), whatever the work per item: for coarse items such as whole samples.
    public static func forEachItem(_ count: Int, threads: Int, _ body: (Int) -> Void) {
        let workers = max(1, min(threads, count))
        guard workers > 1 else {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for i in stride(from: worker, to: count, by: workers) { body(i) }
            }
        }
    }
}
