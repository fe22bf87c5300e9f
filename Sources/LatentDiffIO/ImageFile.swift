import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

/// Reading one image file whole, with the checks every image reader shares.
public enum ImageFile {
    /// The bytes of the regular file at `path` (a C string), at most `ImagePreparation.maxFileBytes`;
    /// `.io` naming the file (`name`) when it cannot be read, `.format` when it is too large.
    public static func readBytes(path: [CChar], name: String) throws(LatentDiffError) -> [UInt8] {
        // O_NONBLOCK: a FIFO put where a scan saw a file must not block the open (fstat refuses it).
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { throw .io("cannot read '\(name)': \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { throw .io("cannot read '\(name)': not a regular file") }
        let size = Int(info.st_size)
        guard size <= ImagePreparation.maxFileBytes else {
            throw .format("'\(name)' is \(size) bytes, over the limit of \(ImagePreparation.maxFileBytes) for one image")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let got = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return Glibc.read(fd, base + done, size - done)
            }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else {
                throw .io("cannot read '\(name)': \(got < 0 ? String(cString: strerror(errno)) : "it ended early")")
            }
            done += got
        }
        return bytes
    }

    /// The image file at `path` (PNG or JPEG by its extension) prepared as `preparation` says:
    /// (C, size, size) bytes, planar.
    public static func read(path: String, preparation: ImagePreparation) throws(LatentDiffError) -> [UInt8] {
        guard let type = ImagePreparation.FileType(fileName: Array(path.utf8)) else {
            throw .invalidArgument("'\(path)' is not a .png, .jpg or .jpeg file")
        }
        let bytes = try readBytes(path: path.utf8CString.map { $0 }, name: path)
        return try preparation.prepare(bytes: bytes, type: type, name: path)
    }
}
