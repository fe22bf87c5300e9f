import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

/// Labeled images held in memory as Float32: a byte b becomes b / 127.5 - 1, in [-1, 1].
public struct Dataset: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case mnist, cifar10

        /// The data set a file's configuration names; throws `.format` naming `owner` (e.g. "the
        /// model") for an unknown one.
        public static func named(_ name: String, by owner: String) throws(LatentDiffError) -> Kind {
            guard let kind = Kind(rawValue: name) else { throw .format("\(owner) names an unknown data set '\(name)'") }
            return kind
        }
    }

    public enum Split: String, Sendable, CaseIterable {
        case train, test
    }

    public let kind: Kind
    public let split: Split
    public let count: Int
    public let channels: Int
    public let height: Int
    public let width: Int
    /// (N, C, H, W), contiguous.
    public let pixels: [Float]
    /// N labels, each in 0..<classNames.count.
    public let labels: [Int32]
    public let classNames: [String]

    /// The most pixel bytes a reader accepts, 1 GiB (all of CIFAR-10's training set is 154 MB): a
    /// corrupt header or a gzip bomb cannot make it exhaust memory.
    public static let maxImageBytes = 1 << 30

    /// Floats per image: C * H * W.
    public var imageSize: Int { channels * height * width }

    /// Reads a split of a data set from `directory`, which holds the standard files, each plain
    /// or gzip-compressed (`name` or `name.gz`). `limit` reads only the first that many images.
    /// Missing files are `.io` errors; damaged ones `.format`, naming the file.
    public static func load(
        _ kind: Kind, directory: String, split: Split, limit: Int? = nil
    ) throws(LatentDiffError) -> Dataset {
        switch kind {
        case .mnist: try MNIST.load(directory: directory, split: split, limit: limit)
        case .cifar10: try CIFAR10.load(directory: directory, split: split, limit: limit)
        }
    }

    /// `bytes` (N, C, H, W) of 8-bit pixels, already validated by the reader.
    init(kind: Kind, split: Split, channels: Int, height: Int, width: Int,
         bytes: [UInt8], labels: [Int32], classNames: [String]) {
        self.kind = kind
        self.split = split
        self.count = labels.count
        self.channels = channels
        self.height = height
        self.width = width
        self.pixels = [Float](unsafeUninitializedCapacity: bytes.count) { out, initialized in
            bytes.withUnsafeBufferPointer { source in
                for i in source.indices { out[i] = Float(source[i]) / 127.5 - 1 }
            }
            initialized = bytes.count
        }
        self.labels = labels
        self.classNames = classNames
    }

    /// How many images each class has, indexed by label.
    public func classCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: classNames.count)
        for label in labels { counts[Int(label)] += 1 }
        return counts
    }
}

// MARK: - Helpers for the readers

extension Dataset {
    /// The number of images `limit` allows: all for nil, else a positive count.
    static func recordLimit(_ limit: Int?) throws(LatentDiffError) -> Int {
        guard let limit else { return Int.max }
        guard limit > 0 else { throw .invalidArgument("limit must be positive, not \(limit)") }
        return limit
    }

    /// Throws `.io` unless `directory` is a directory.
    static func checkDirectory(_ directory: String, for dataset: String) throws(LatentDiffError) {
        var info = stat()
        guard stat(directory, &info) == 0 else {
            throw .io("\(dataset) directory '\(directory)': \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw .io("\(dataset) directory '\(directory)' is not a directory") }
    }

    /// `directory/name`, else `directory/name.gz`, whichever is a regular file; nil if neither.
    static func find(_ name: String, in directory: String) -> String? {
        for candidate in ["\(directory)/\(name)", "\(directory)/\(name).gz"] {
            var info = stat()
            if stat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFREG { return candidate }
        }
        return nil
    }

    /// `find`, or an `.io` error listing the names looked for.
    static func locate(_ name: String, in directory: String, what: String) throws(LatentDiffError) -> String {
        guard let path = find(name, in: directory) else {
            throw .io("no \(what) in '\(directory)': looked for \(name) and \(name).gz")
        }
        return path
    }

    /// The labels of `bytes`, each checked to be below `classCount`.
    static func checkedLabels(_ bytes: [UInt8], classCount: Int, path: String) throws(LatentDiffError) -> [Int32] {
        if let bad = bytes.firstIndex(where: { Int($0) >= classCount }) {
            throw .format("'\(path)': label \(bytes[bad]) of image \(bad) is not below \(classCount)")
        }
        return bytes.map { Int32($0) }
    }
}
