import CLatentDiffABI
import LatentDiffKernels
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The process-wide cap of `ld_set_max_threads` and the per-call counts under it.
enum Threads {
    /// The cap as set (0 = one per online core).
    private static let setting = Atomic<Int>(0)

    static var cores: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// The cap in force, at least 1.
    static var cap: Int {
        let value = setting.load(ordering: .relaxed)
        return value == 0 ? cores : value
    }

    static func setCap(_ value: Int32) throws(LatentDiffError) {
        guard (0...1024).contains(value) else { throw .invalidArgument("max_threads must be in 0...1024, not \(value)") }
        setting.store(Int(value), ordering: .relaxed)
    }

    /// A call's `threads` field: 0 = the cap, else min(requested, cap).
    static func forCall(_ requested: Int32) throws(LatentDiffError) -> Int {
        guard (0...1024).contains(requested) else { throw .invalidArgument("threads must be in 0...1024, not \(requested)") }
        return requested == 0 ? cap : min(Int(requested), cap)
    }

    /// `body` with the calling thread's parallel loops limited to the cap (calls without a
    /// `threads` setting, such as loading).
    static func withCap<T>(_ body: () throws(LatentDiffError) -> T) throws(LatentDiffError) -> T {
        try Parallel.withThreadLimit(cap, body)
    }
}

@c public func ld_set_max_threads(_ maxThreads: Int32) -> Int32 {
    withStatus("ld_set_max_threads") { () throws(LatentDiffError) in try Threads.setCap(maxThreads) }
}

@c public func ld_max_threads() -> Int32 {
    Int32(Threads.cap)
}
