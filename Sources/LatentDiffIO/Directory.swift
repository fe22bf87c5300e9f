import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

/// Creates the directory `path` (mode 755) unless it exists; its parent must exist.
public func createDirectory(_ path: String) throws(LatentDiffError) {
    guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
        throw .io("cannot create directory '\(path)': \(String(cString: strerror(errno)))")
    }
}
