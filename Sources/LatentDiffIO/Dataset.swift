import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

/// Labelled images as 8-bit pixels (in memory, or mapped from a packed image cache); batches
/// convert them to Float32 as they are cut: a byte b becomes b / 127.5 - 1, in [-1, 1].
public struct Dataset: Sendable {
    public enum Split: String, Sendable, CaseIterable {
        case train, test
    }

    public let kind: Kind
    public let split: Split
    public let count: Int
    public let channels: Int
    public let height: Int
    public let width: Int
    /// N labels, each in 0..<max(1, classNames.count) (0 for all of an unlabelled folder).
    public let labels: [Int32]
    /// The class names; empty for an unlabelled data set.
    public let classNames: [String]
    /// (M, C, H, W) bytes; image i is record `records?[i] ?? i`.
    let store: PixelStore
    let records: [Int]?

    /// The most pixel bytes a reader accepts, 1 GiB (all of CIFAR-10's training set is 154 MB): a
    /// corrupt header or a gzip bomb cannot make it exhaust memory.
    public static let maxImageBytes = 1 << 30

    /// Floats per image: C * H * W.
    public var imageSize: Int { channels * height * width }

    /// Reads a split of a data set from `directory` as `kind` says (MNIST and CIFAR-10: the
    /// standard files, each plain or gzip-compressed; a folder: its images). `limit` reads only
    /// the first that many images. Missing files are `.io` errors; damaged ones `.format`, naming
    /// the file. `log` gets what a folder skipped.
    public static func load(
        _ kind: Kind, directory: String, split: Split, limit: Int? = nil, log: (String) -> Void = { _ in }
    ) throws(LatentDiffError) -> Dataset {
        try kind.load(directory, split, limit, log)
    }

    /// `bytes` (N, C, H, W) of 8-bit pixels, already validated by the reader.
    init(kind: Kind, split: Split, channels: Int, height: Int, width: Int,
         bytes: [UInt8], labels: [Int32], classNames: [String]) {
        self.init(kind: kind, split: split, channels: channels, height: height, width: width,
                  store: PixelStore(copying: bytes), records: nil, labels: labels, classNames: classNames)
    }

    /// Images `records` (or all) of `store`, already validated by the reader.
    init(kind: Kind, split: Split, channels: Int, height: Int, width: Int,
         store: PixelStore, records: [Int]?, labels: [Int32], classNames: [String]) {
        self.kind = kind
        self.split = split
        self.count = labels.count
        self.channels = channels
        self.height = height
        self.width = width
        self.store = store
        self.records = records
        self.labels = labels
        self.classNames = classNames
    }

    /// The byte offset of image `index` (in 0..<count) in the store.
    @inline(__always) func offset(of index: Int) -> Int { (records?[index] ?? index) * imageSize }

    /// All images as floats (N, C, H, W), b / 127.5 - 1: a new array of N C H W floats each
    /// call, for the small sets evaluation needs at once (batches convert only their images).
    public func allPixels() -> [Float] {
        let size = imageSize
        return [Float](unsafeUninitializedCapacity: count * size) { out, initialized in
            for i in 0..<count {
                let source = offset(of: i)
                for k in 0..<size { out[i * size + k] = Float(store.bytes[source + k]) / 127.5 - 1 }
            }
            initialized = count * size
        }
    }

    /// How many images each class has, indexed by label.
    public func classCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: classNames.count)
        for label in labels where Int(label) < counts.count { counts[Int(label)] += 1 }
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
