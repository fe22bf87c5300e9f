import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

/// Bytes read front to back from a source of known size, so a reader can check a header against
/// the size before it reads (and allocates) what the header announces.
protocol ByteSource {
    /// All the bytes the source holds, read or not.
    var size: Int { get }
    /// The next `count` bytes; the caller has checked that they exist.
    mutating func next(_ count: Int) throws(LatentDiffError) -> [UInt8]
}

/// Bytes already in memory.
struct MemorySource: ByteSource {
    let bytes: [UInt8]
    var position = 0

    var size: Int { bytes.count }

    mutating func next(_ count: Int) throws(LatentDiffError) -> [UInt8] {
        guard count <= bytes.count - position else { throw LatentDiffError(.internalError, "read past the end of \(bytes.count) bytes") }
        defer { position += count }
        return Array(bytes[position..<(position + count)])
    }
}

/// Bytes in a caller's buffer, valid while the source is in use.
struct BufferSource: ByteSource {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    var size: Int { bytes.count }

    mutating func next(_ count: Int) throws(LatentDiffError) -> [UInt8] {
        guard count >= 0, count <= bytes.count - position else {
            throw LatentDiffError(.internalError, "read past the end of \(bytes.count) bytes")
        }
        defer { position += count }
        return Array(bytes[position..<(position + count)])
    }
}

/// A regular file, read piece by piece.
final class FileSource: ByteSource {
    let path: String
    let size: Int
    private let file: UnsafeMutablePointer<FILE>

    init(path: String) throws(LatentDiffError) {
        guard let file = fopen(path, "rb") else {
            throw .io("cannot open '\(path)': \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard fstat(fileno(file), &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            fclose(file)
            throw .io("'\(path)' is not a regular file")
        }
        self.path = path
        self.file = file
        size = Int(info.st_size)
    }

    deinit { fclose(file) }

    func next(_ count: Int) throws(LatentDiffError) -> [UInt8] {
        var got = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            got = count == 0 ? 0 : fread(buffer.baseAddress, 1, count, file)
            buffer.baseAddress.map { ($0 + got).initialize(repeating: 0, count: count - got) }  // a short read
            initialized = count
        }
        guard got == count else { throw .io("cannot read '\(path)': it ended early or changed while being read") }
        return bytes
    }
}
