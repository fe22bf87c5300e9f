import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

/// Read-only 8-bit pixels of a data set, (N, C, H, W) records: in memory, or a region of a file
/// mapped with mmap (a packed image cache), so a large data set stays bytes on disk that the
/// kernel pages in as batches touch them. Immutable once made, hence safe to share.
public final class PixelStore: @unchecked Sendable {
    /// All the bytes.
    public let bytes: UnsafeBufferPointer<UInt8>
    /// What to unmap (the whole mapping) or free.
    private let owned: (base: UnsafeMutableRawPointer, length: Int, mapped: Bool)?

    /// A copy of `pixels` in memory.
    public init(copying pixels: [UInt8]) {
        guard !pixels.isEmpty else {
            bytes = UnsafeBufferPointer(start: nil, count: 0)
            owned = nil
            return
        }
        let base = UnsafeMutablePointer<UInt8>.allocate(capacity: pixels.count)
        base.initialize(from: pixels, count: pixels.count)
        bytes = UnsafeBufferPointer(start: base, count: pixels.count)
        owned = (UnsafeMutableRawPointer(base), pixels.count, false)
    }

    /// Maps bytes offset..<offset + count of the open file `fd` (the caller checked they exist).
    init(mapping fd: Int32, offset: Int, count: Int, path: String) throws(LatentDiffError) {
        guard count > 0 else {
            bytes = UnsafeBufferPointer(start: nil, count: 0)
            owned = nil
            return
        }
        // mmap's offset must be a multiple of the page size: map from the page holding `offset`.
        let page = max(4096, Int(sysconf(Int32(_SC_PAGESIZE))))
        let start = offset / page * page
        let length = offset - start + count
        guard let base = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, off_t(start)), base != MAP_FAILED else {
            throw .io("cannot map '\(path)': \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeBufferPointer(start: (base + (offset - start)).assumingMemoryBound(to: UInt8.self), count: count)
        owned = (base, length, true)
    }

    deinit {
        guard let owned else { return }
        if owned.mapped {
            munmap(owned.base, owned.length)
        } else {
            owned.base.deallocate()
        }
    }
}
