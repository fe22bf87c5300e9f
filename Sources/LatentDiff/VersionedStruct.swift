import CLatentDiffABI
import LatentDiffDiffusion
import LatentDiffKernels

/// The header's rule for versioned structs (ld_sample_params, ld_codec_params, ld_model_desc):
/// the caller's struct has `callerSize` bytes (its sizeof, passed by the header's inline wrappers
/// or stored in `struct_size` by the *_init functions) and the library reads and writes exactly
/// `min(callerSize, own size)` of them.
enum VersionedStruct {
    /// The largest struct size accepted: anything larger is a garbage `struct_size`.
    static let maxSize = 65536

    /// Checks `callerSize` against `minimum` (the struct's first version) and the 64 KiB bound.
    static func checkSize(_ callerSize: Int, minimum: Int, name: String, what: String) throws(LatentDiffError) {
        guard callerSize >= minimum else {
            throw .invalidArgument("\(what) is \(callerSize) bytes, smaller than the first version of \(name) (\(minimum) bytes)")
        }
        guard callerSize <= maxSize else {
            throw .invalidArgument("\(what) is \(callerSize) bytes, over the \(maxSize) accepted: is \(name) initialized?")
        }
    }

    /// An input struct of the caller's `callerSize` bytes at `pointer` (its `struct_size`, read as the
    /// first 8 bytes only, so that a struct smaller than the library's is never over-read): the library's defaults for
    /// the fields an older (smaller) struct lacks; a newer (larger) struct only if every byte
    /// past the library's own struct is zero, else `.unsupported` naming the first such offset.
    static func read<T>(
        _ pointer: UnsafeRawPointer, callerSize: Int, minimum: Int, defaults: T, name: String, what: String
    ) throws(LatentDiffError) -> T {
        try checkSize(callerSize, minimum: minimum, name: name, what: what)
        let own = MemoryLayout<T>.size
        if callerSize > own {
            for offset in own..<callerSize where pointer.load(fromByteOffset: offset, as: UInt8.self) != 0 {
                throw .unsupported(
                    "\(name) of \(callerSize) bytes has a non-zero byte at offset \(offset), past the \(own) bytes "
                        + "this library (\(LatentDiffVersion.string)) knows: a field of a newer version that this one "
                        + "cannot honour; leave it at its default (zero) or use a newer library")
            }
        }
        var value = defaults
        withUnsafeMutableBytes(of: &value) { raw in
            raw.baseAddress!.copyMemory(from: pointer, byteCount: min(callerSize, own))
        }
        return value
    }

    /// Writes `value` into the caller's struct of `callerSize` bytes at `pointer`: its first
    /// `min(callerSize, own size)` bytes, and zeros past the library's own struct.
    static func write<T>(_ value: T, to pointer: UnsafeMutableRawPointer, callerSize: Int) {
        let own = MemoryLayout<T>.size
        withUnsafeBytes(of: value) { raw in
            pointer.copyMemory(from: raw.baseAddress!, byteCount: min(callerSize, own))
        }
        if callerSize > own { (pointer + own).initializeMemory(as: UInt8.self, repeating: 0, count: callerSize - own) }
    }
}

/// Checks that a caller's buffer of `capacity` bytes holds `needed` bytes.
func checkCapacity(_ capacity: Int, needed: Int, name: String, what: String) throws(LatentDiffError) {
    guard capacity >= needed else {
        throw .invalidArgument("\(name) holds \(capacity) bytes; \(what) need \(needed) bytes")
    }
}
