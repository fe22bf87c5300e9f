#if canImport(Glibc)
import Glibc
#endif

/// A pthread mutex for the few pieces of shared mutable state (counters, caches).
public final class Mutex: @unchecked Sendable {
    private let handle = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    public init() { pthread_mutex_init(handle, nil) }
    deinit {
        pthread_mutex_destroy(handle)
        handle.deallocate()
    }

    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(handle)
        defer { pthread_mutex_unlock(handle) }
        return try body()
    }
}
