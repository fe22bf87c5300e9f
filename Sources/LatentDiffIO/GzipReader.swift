import CZlib
import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

/// Sequential reads through zlib's gz* API, which decompresses a gzip file and passes any other
/// file through as it is. Memory grows only with bytes actually read, so a corrupt length in a
/// header cannot make a reader allocate more than the file holds.
final class GzipReader {
    let path: String
    private let file: gzFile

    init(path: String) throws(LatentDiffError) {
        guard let file = gzopen(path, "rb") else {
            throw .io("cannot open '\(path)': \(String(cString: strerror(errno)))")
        }
        gzbuffer(file, 1 << 17)
        self.path = path
        self.file = file
    }

    deinit { gzclose(file) }

    /// Up to `count` bytes; fewer only when the file ends. The buffer grows with the bytes read,
    /// so a count taken from a damaged header allocates nothing the file does not hold.
    func read(upTo count: Int) throws(LatentDiffError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(count, 1 << 20))
        var chunk = [UInt8](repeating: 0, count: min(count, 1 << 20))
        while bytes.count < count {
            let wanted = min(chunk.count, count - bytes.count)
            let got = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32(wanted)) }
            guard got >= 0 else { throw failure() }
            bytes.append(contentsOf: chunk[0..<Int(got)])
            if Int(got) < wanted {
                // A gzip stream cut short reads as a short read plus Z_BUF_ERROR.
                var code: Int32 = 0
                gzerror(file, &code)
                if code != Z_OK { throw failure() }
                break
            }
        }
        return bytes
    }

    /// Exactly `count` bytes; if the file ends sooner, a `.format` error saying it is truncated
    /// while reading `what`.
    func read(exactly count: Int, _ what: String) throws(LatentDiffError) -> [UInt8] {
        let bytes = try read(upTo: count)
        guard bytes.count == count else {
            throw .format("'\(path)' is truncated: it ends \(bytes.count) bytes into \(what) (\(count) bytes)")
        }
        return bytes
    }

    /// Whether no bytes are left.
    func atEnd() throws(LatentDiffError) -> Bool { try read(upTo: 1).isEmpty }

    private func failure() -> LatentDiffError {
        var code: Int32 = 0
        let text = gzerror(file, &code).map { String(cString: $0) } ?? "unknown zlib error"
        if code == Z_ERRNO { return .io("cannot read '\(path)': \(String(cString: strerror(errno)))") }
        if code == Z_BUF_ERROR { return .format("'\(path)' is truncated: its gzip stream ends early") }
        return .format("'\(path)' is damaged: \(text)")
    }
}
