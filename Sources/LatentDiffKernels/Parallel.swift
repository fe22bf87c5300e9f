import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The process-wide thread count and parallel loops over independent items.
///
/// Every thread of the process is ours: OpenBLAS runs each product on the calling thread (see
/// `BLAS`), and large products, convolution chunks and element-wise loops are split here. Idle
/// OpenBLAS workers would otherwise spin on a core between products, which on two cores costs more
/// than its threading gains. Loops run on the caller and `WorkerPool`'s persistent threads. A
/// hand-off to a worker that is still watching for work costs microseconds (one that slept, tens
/// of them), so a loop is split only when its estimated work is well over 100 µs. A loop inside
/// another parallel loop runs on its caller's thread.
public enum Parallel {
    private static let threads = Atomic<Int>(max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Threads used by `forEach` (default: the online processors).
    public static var threadCount: Int {
        get { threads.load(ordering: .relaxed) }
        set { threads.store(max(1, newValue), ordering: .relaxed) }
    }

    /// Estimated work (in simple float operations) below which a loop runs on the calling thread.
    public static let minimumWorkToSplit = 1 << 18

    /// Calls `body` on contiguous ranges covering `0..<count`, on up to `threadCount` threads when
    /// `count * workPerItem` is at least `minimumWorkToSplit` (and this is not already a worker of
    /// a parallel loop), else once with the whole range. Items must be independent and each
    /// computed the same way whatever range holds it, so results do not depend on the thread count.
    public static func forEach(_ count: Int, workPerItem: Int, _ body: (Range<Int>) -> Void) {
        let threads = min(threadCount, count)
        guard threads > 1, count * workPerItem >= minimumWorkToSplit, !isWorker else {
            if count > 0 { body(0..<count) }
            return
        }
        // Up to 4 ranges per thread, claimed as threads come free: a thread that is slowed down
        // (or starts late) leaves its share to the others.
        let parts = min(count, 4 * threads)
        run(parts, threads: threads) { t in body(part(t, of: parts, count: count)) }
    }

    /// The t-th of `parts` contiguous, nearly equal ranges that together cover 0..<count.
    static func part(_ t: Int, of parts: Int, count: Int) -> Range<Int> {
        count * t / parts ..< count * (t + 1) / parts
    }

    /// Whether the calling thread is running a parallel loop's body.
    static var isWorker: Bool { pthread_getspecific(workerKey) != nil }

    /// `body(t)` for t in 0..<parts on up to `threads` threads (`WorkerPool`), each marked as a
    /// worker meanwhile.
    private static func run(_ parts: Int, threads: Int, _ body: (Int) -> Void) {
        let outer = pthread_getspecific(workerKey)
        pthread_setspecific(workerKey, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(workerKey, outer) }
        WorkerPool.shared.run(parts: parts, threads: threads, body)
    }

    /// Marks the calling thread, for good, as a worker of parallel loops (`WorkerPool`'s threads).
    static func markAsWorker() {
        pthread_setspecific(workerKey, UnsafeRawPointer(bitPattern: 1))
    }
}

/// Thread-specific flag: non-nil while a thread runs a parallel loop's body.
private let workerKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

extension Parallel {
    /// Calls `body(batch)` for contiguous, nearly equal batches covering 0..<count, of at most
    /// `largest` items and at least one per thread (when there are as many items), spread over
    /// `threads` threads as `forEachItem` spreads items.
    public static func forEachBatch(_ count: Int, threads: Int, largest: Int, _ body: (Range<Int>) -> Void) {
        let batchCount = max(min(count, max(1, threads)), (count + largest - 1) / max(1, largest))
        forEachItem(batchCount, threads: threads) { body(part($0, of: batchCount, count: count)) }
    }

    /// Calls `body(i)` for every i in 0..<count, on `threads` threads (thread t takes i = t,
    /// t + threads, ...), whatever the work per item: for coarse items such as whole samples.
    /// Loops inside `body` run on its thread.
    public static func forEachItem(_ count: Int, threads: Int, _ body: (Int) -> Void) {
        let workers = max(1, min(threads, count))
        guard workers > 1, !isWorker else {
            for i in 0..<count { body(i) }
            return
        }
        run(workers, threads: workers) { worker in
            for i in stride(from: worker, to: count, by: workers) { body(i) }
        }
    }
}
