import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

/// One image file found by `FolderScan`. Paths are raw bytes: a file name need not be UTF-8.
public struct FolderEntry: Sendable, Equatable {
    /// The path below the scanned folder, components joined by "/".
    public let relativePath: [UInt8]
    public let type: ImagePreparation.FileType
    public let byteCount: Int
    /// Modification time, seconds and nanoseconds since 1970.
    public let modified: (seconds: Int64, nanoseconds: Int64)

    /// The path for messages (bytes that are not UTF-8 shown as U+FFFD).
    public var displayPath: String { String(decoding: relativePath, as: UTF8.self) }

    /// The top-level sub-folder the file sits in (its class), nil at the top level.
    public var topFolder: [UInt8]? {
        relativePath.firstIndex(of: UInt8(ascii: "/")).map { Array(relativePath[..<$0]) }
    }

    /// In the held-out test split when FNV-1a 64 of the relative path's bytes is 0 mod 10 (10%).
    public var isHeldOut: Bool { fnv1a64(bytes: relativePath) % 10 == 0 }

    public static func == (a: FolderEntry, b: FolderEntry) -> Bool {
        a.relativePath == b.relativePath && a.type == b.type && a.byteCount == b.byteCount
            && a.modified == b.modified
    }
}

/// The image files below a folder, found recursively. Symbolic links are followed, but a
/// directory already visited (the same (device, inode)) is not entered again, so a link loop
/// ends; names starting with "." are skipped; a directory or link that cannot be read is reported
/// and skipped. Entries are sorted by path bytes, so the order does not depend on the file system.
public struct FolderScan: Sendable {
    public let root: String
    public private(set) var images: [FolderEntry] = []
    /// Files that are not .png/.jpg/.jpeg (and hidden files, and special files).
    public private(set) var otherFiles = 0
    /// One line per directory or link that could not be read or was already visited.
    public private(set) var problems: [String] = []

    /// The deepest folder nesting entered.
    public static let maxDepth = 32

    public init(root: String) throws(LatentDiffError) {
        self.root = root
        var info = stat()
        guard stat(root, &info) == 0 else { throw .io("image folder '\(root)': \(String(cString: strerror(errno)))") }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw .io("'\(root)' is not a directory") }
        var visited: Set<[UInt64]> = [[UInt64(info.st_dev), UInt64(info.st_ino)]]
        try walk([], depth: 0, visited: &visited)
        images.sort { $0.relativePath.lexicographicallyPrecedes($1.relativePath) }
    }

    /// `root/relative` as a NUL-terminated C string.
    public func cPath(_ relative: [UInt8]) -> [CChar] {
        let bytes = Array(root.utf8) + (relative.isEmpty ? [] : [UInt8(ascii: "/")] + relative)
        return bytes.map { CChar(bitPattern: $0) } + [0]
    }

    /// `root/relative` for messages.
    public func displayPath(_ relative: [UInt8]) -> String {
        relative.isEmpty ? root : root + "/" + String(decoding: relative, as: UTF8.self)
    }

    private mutating func walk(_ directory: [UInt8], depth: Int, visited: inout Set<[UInt64]>) throws(LatentDiffError) {
        guard let handle = opendir(cPath(directory)) else {
            problems.append("skipped folder '\(displayPath(directory))': \(String(cString: strerror(errno)))")
            return
        }
        var names: [[UInt8]] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if name.first == UInt8(ascii: ".") {
                if name != Array(".".utf8), name != Array("..".utf8) { otherFiles += 1 }
                continue
            }
            names.append(name)
        }
        closedir(handle)
        for name in names {
            let relative = directory.isEmpty ? name : directory + [UInt8(ascii: "/")] + name
            var info = stat()
            guard stat(cPath(relative), &info) == 0 else {
                problems.append("skipped '\(displayPath(relative))': \(String(cString: strerror(errno)))")
                continue
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                guard visited.insert([UInt64(info.st_dev), UInt64(info.st_ino)]).inserted else {
                    problems.append("skipped folder '\(displayPath(relative))': already visited (a symbolic link loop or a second link to it)")
                    continue
                }
                guard depth + 1 < Self.maxDepth else {
                    problems.append("skipped folder '\(displayPath(relative))': nested more than \(Self.maxDepth) deep")
                    continue
                }
                try walk(relative, depth: depth + 1, visited: &visited)
            case S_IFREG:
                guard let type = ImagePreparation.FileType(fileName: name) else {
                    otherFiles += 1
                    continue
                }
                images.append(FolderEntry(
                    relativePath: relative, type: type, byteCount: Int(info.st_size),
                    modified: (Int64(info.st_mtim.tv_sec), Int64(info.st_mtim.tv_nsec))))
            default:
                otherFiles += 1
            }
        }
    }

    /// The bytes of an image file (at most `ImagePreparation.maxFileBytes`); `.io` naming the
    /// file when it cannot be read.
    public func read(_ entry: FolderEntry) throws(LatentDiffError) -> [UInt8] {
        try ImageFile.readBytes(path: cPath(entry.relativePath), name: displayPath(entry.relativePath))
    }
}
