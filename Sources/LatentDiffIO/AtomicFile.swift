import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

/// Writes files so that a reader sees the old file or the complete new one, never a part:
/// the content goes to `path.tmp-<pid>-<n>` in the same directory, is flushed to disk, then
/// renamed over `path`. On any failure the temporary file is removed and `path` is untouched.
public enum AtomicFile {
    nonisolated(unsafe) private static var counter = 0
    private static let lock = Mutex()

    public static func write(
        path: String, _ body: (UnsafeMutablePointer<FILE>) throws(LatentDiffError) -> Void
    ) throws(LatentDiffError) {
        guard !path.isEmpty else { throw .invalidArgument("empty output path") }
        let serial = lock.withLock { () -> Int in counter += 1; return counter }
        let temporary = "\(path).tmp-\(getpid())-\(serial)"
        guard let file = fopen(temporary, "wb") else {
            throw .io("cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        var closed = false
        do throws(LatentDiffError) {
            try body(file)
            guard fflush(file) == 0, fsync(fileno(file)) == 0 else {
                throw .io("cannot write '\(path)': \(String(cString: strerror(errno)))")
            }
            closed = true
            guard fclose(file) == 0 else { throw .io("cannot write '\(path)': \(String(cString: strerror(errno)))") }
            guard rename(temporary, path) == 0 else {
                throw .io("cannot rename '\(temporary)' to '\(path)': \(String(cString: strerror(errno)))")
            }
        } catch {
            if !closed { fclose(file) }
            unlink(temporary)
            throw error
        }
    }

    /// Throws `.io` unless the directory of `path` takes new files and `path` is not itself a
    /// directory (the final rename would fail): a check before long work whose result goes there.
    public static func checkWritable(path: String) throws(LatentDiffError) {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        guard access(directory.isEmpty ? "/" : directory, W_OK | X_OK) == 0 else {
            throw .io("cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
            throw .io("cannot write '\(path)': it is a directory")
        }
    }

    /// Removes the temporary files of writes to `path` that a killed process left unfinished:
    /// `path.tmp-<pid>-<n>` whose process no longer exists. Returns how many it removed.
    @discardableResult
    public static func removeStale(path: String) -> Int {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let prefix = (slash.map { String(path[path.index(after: $0)...]) } ?? path) + ".tmp-"
        guard let stream = opendir(directory.isEmpty ? "/" : directory) else { return 0 }
        defer { closedir(stream) }
        var removed = 0
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasPrefix(prefix), let pid = Int32(name.dropFirst(prefix.count).prefix { $0 != "-" }),
                  pid > 0, kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            if unlink("\(directory)/\(name)") == 0 { removed += 1 }
        }
        return removed
    }

    /// Writes `bytes` to `path` atomically.
    public static func write(path: String, bytes: [UInt8]) throws(LatentDiffError) {
        try write(path: path) { (file) throws(LatentDiffError) in
            if bytes.count > 0, fwrite(bytes, 1, bytes.count, file) != bytes.count {
                throw .io("cannot write '\(path)': \(String(cString: strerror(errno)))")
            }
        }
    }
}
