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
        let threads = min(threadCount, callerLimit, count)
        guard threads > 1, count * workPerItem >= minimumWorkToSplit, !isWorker else {
            if count > 0 { ThreadLog.current?.note(); body(0..<count) }
            return
        }
        // Up to 4 ranges per thread, claimed as threads come free: a thread that is slowed down
        // (or starts late) leaves its share to the others.
        let parts = min(count, 4 * threads)
        run(parts, threads: threads) { t in body(part(t, of: parts, count: count)) }
    }

    /// Runs `body` with the calling thread's loops limited to `threads` threads (at least 1):
    /// `forEach`, `forEachItem` and `forEachBatch` called on this thread, directly or inside
    /// `body`, use at most that many, whatever `threadCount` or the count they are given. Limits
    /// nest (the smaller wins) and end with `body`. This is how a call that asked for one thread
    /// keeps the operations it runs from fanning out over the process-wide `threadCount`.
    public static func withThreadLimit<T, E: Error>(_ threads: Int, _ body: () throws(E) -> T) throws(E) -> T {
        let outer = pthread_getspecific(limitKey)
        let limit = min(max(1, threads), callerLimit)
        pthread_setspecific(limitKey, UnsafeRawPointer(bitPattern: limit))
        defer { pthread_setspecific(limitKey, outer) }
        return try body()
    }

    /// The calling thread's limit from `withThreadLimit`, or `Int.max` outside one.
    public static var callerLimit: Int {
        guard let limit = pthread_getspecific(limitKey) else { return Int.max }
        return Int(bitPattern: limit)
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
        let log = ThreadLog.current
        WorkerPool.shared.run(parts: parts, threads: threads) { t in
            log?.note()
            body(t)
        }
    }

    /// Marks the calling thread, for good, as a worker of parallel loops (`WorkerPool`'s threads).
    static func markAsWorker() {
        pthread_setspecific(workerKey, UnsafeRawPointer(bitPattern: 1))
    }
}

/// Thread-specific limit set by `Parallel.withThreadLimit` (the count as a pointer's bits), or nil.
private let limitKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

/// A test hook: `record` notes every thread that runs a part of a parallel loop started, directly
/// or inside other loops, on the calling thread during `body` (the calling thread included), so a
/// test can count the threads one call used, whatever other threads of the process do meanwhile.
public final class ThreadLog: @unchecked Sendable {
    private let lock = Mutex()
    private var threads = Set<UInt>()

    private init() {}

    /// Runs `body` and returns its result and the distinct threads that ran its loops' bodies.
    public static func record<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> (result: T, threads: Set<UInt>) {
        let log = ThreadLog()
        let outer = pthread_getspecific(logKey)
        pthread_setspecific(logKey, Unmanaged.passUnretained(log).toOpaque())
        defer { pthread_setspecific(logKey, outer) }
        let result = try body()
        return (result, log.lock.withLock { log.threads })
    }

    /// The log recording on the calling thread, if any (carried to the workers of its loops).
    static var current: ThreadLog? {
        pthread_getspecific(logKey).map { Unmanaged<ThreadLog>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Notes the calling thread.
    func note() {
        let id = UInt(pthread_self())
        lock.withLock { _ = threads.insert(id) }
    }
}

private let logKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

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
        let workers = max(1, min(threads, callerLimit, count))
        guard workers > 1, !isWorker else {
            if count > 0 { ThreadLog.current?.note() }
            for i in 0..<count { body(i) }
            return
        }
        run(workers, threads: workers) { worker in
            for i in stride(from: worker, to: count, by: workers) { body(i) }
        }
    }
}
