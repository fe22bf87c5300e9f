#if canImport(Glibc)
import Glibc
#endif

/// Large float buffers recycled by exact size.
///
/// Training repeats the same shapes every step. A fresh allocation of megabytes comes from mmap,
/// and the kernel then maps and zeroes every page on first touch: without recycling that cost
/// about 15% of a convolution training step. Buffers below `minimumCount` floats go straight to
/// malloc; larger ones are kept on release while the cache holds under `capacityBytes`.
public final class BufferCache: @unchecked Sendable {
    /// The cache tensors and convolution scratch use. It may hold a quarter of the physical
    /// memory: a step's buffers are all freed at its end, so the cache must hold the whole working
    /// set of the largest step (pixel-space U-Net training at batch 128: over 4 GB) or the next
    /// step faults the rest in again (1 GB held cost 400k page faults per step there).
    public static let shared = BufferCache(capacityBytes: max(1 << 30, physicalMemoryBytes / 4))

    /// Buffers smaller than this (in floats) are not cached: malloc serves them from its heap.
    public static let minimumCount = 1 << 15

    private let lock = Mutex()
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var cachedBytes = 0
    /// The most bytes of released buffers kept for reuse.
    public let capacityBytes: Int

    public init(capacityBytes: Int) {
        self.capacityBytes = capacityBytes
    }

    deinit { trim() }

    /// A buffer of `count` floats (uninitialized; count >= 1).
    public func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count >= Self.minimumCount, let buffer = lock.withLock({ take(count) }) { return buffer }
        return .allocate(capacity: count)
    }

    /// Returns a buffer from `allocate(count)`.
    public func release(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        let kept = count >= Self.minimumCount && lock.withLock { () -> Bool in
            guard cachedBytes + 4 * count <= capacityBytes else { return false }
            free[count, default: []].append(buffer)
            cachedBytes += 4 * count
            return true
        }
        if !kept { buffer.deallocate() }
    }

    /// Frees every cached buffer (e.g. after training, before a long idle time).
    public func trim() {
        let buffers = lock.withLock { () -> [UnsafeMutablePointer<Float>] in
            let all = free.values.flatMap { $0 }
            free = [:]
            cachedBytes = 0
            return all
        }
        for buffer in buffers { buffer.deallocate() }
    }

    /// The bytes of released buffers held now.
    public var heldBytes: Int { lock.withLock { cachedBytes } }

    private func take(_ count: Int) -> UnsafeMutablePointer<Float>? {
        guard let buffer = free[count]?.popLast() else { return nil }
        cachedBytes -= 4 * count
        return buffer
    }
}

/// The machine's physical memory in bytes (0 if unknown).
private var physicalMemoryBytes: Int {
    max(0, sysconf(Int32(_SC_PHYS_PAGES))) * max(0, sysconf(Int32(_SC_PAGESIZE)))
}
