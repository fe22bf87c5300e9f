import LatentDiffKernels

/// MNIST in IDX files (all integers big-endian u32):
///
///     {train,t10k}-images-idx3-ubyte: 2051, n, rows, cols, then n * rows * cols pixel bytes (N, H, W)
///     {train,t10k}-labels-idx1-ubyte: 2049, n, then n label bytes 0...9
///
/// Each plain or `.gz`. Loads as (N, 1, H, W).
public enum MNIST {
    public static let imagesMagic: UInt32 = 2051
    public static let labelsMagic: UInt32 = 2049
    public static let classNames = (0...9).map { String($0) }

    public static func load(
        directory: String, split: Dataset.Split, limit: Int? = nil
    ) throws(LatentDiffError) -> Dataset {
        let wanted = try Dataset.recordLimit(limit)
        try Dataset.checkDirectory(directory, for: "MNIST")
        let prefix = split == .train ? "train" : "t10k"
        let images = try GzipReader(
            path: Dataset.locate("\(prefix)-images-idx3-ubyte", in: directory, what: "MNIST \(split) images"))
        let labels = try GzipReader(
            path: Dataset.locate("\(prefix)-labels-idx1-ubyte", in: directory, what: "MNIST \(split) labels"))

        let imageHeader = try header(images, magic: imagesMagic, words: 3)
        let (n, rows, cols) = (imageHeader[0], imageHeader[1], imageHeader[2])
        guard (1...4096).contains(rows), (1...4096).contains(cols) else {
            throw .format("'\(images.path)': image size \(rows)x\(cols) is out of range")
        }
        let labelCount = try header(labels, magic: labelsMagic, words: 1)[0]
        guard labelCount == n else {
            throw .format("'\(images.path)' holds \(n) images but '\(labels.path)' holds \(labelCount) labels")
        }

        let taken = min(n, wanted)
        guard taken * rows * cols <= Dataset.maxImageBytes else {
            throw .format("'\(images.path)': \(taken) images of \(rows)x\(cols) are more than \(Dataset.maxImageBytes) bytes")
        }
        let pixels = try images.read(exactly: taken * rows * cols, "\(taken) images of \(rows)x\(cols)")
        let labelBytes = try labels.read(exactly: taken, "\(taken) labels")
        if taken == n {
            for reader in [images, labels] {
                guard try reader.atEnd() else {
                    throw .format("'\(reader.path)' has bytes after the \(n) records its header announces")
                }
            }
        }
        return Dataset(
            kind: .mnist, split: split, channels: 1, height: rows, width: cols, bytes: pixels,
            labels: try Dataset.checkedLabels(labelBytes, classCount: classNames.count, path: labels.path),
            classNames: classNames)
    }

    /// The magic number, checked, and the `words` big-endian u32 that follow it.
    private static func header(_ reader: GzipReader, magic: UInt32, words: Int) throws(LatentDiffError) -> [Int] {
        let bytes = try reader.read(exactly: 4 * (1 + words), "the IDX header")
        let values = (0...words).map { i in
            bytes[(4 * i)..<(4 * i + 4)].reduce(0) { $0 << 8 | Int($1) }
        }
        guard values[0] == Int(magic) else {
            throw .format("'\(reader.path)': magic number \(values[0]) is not \(magic)"
                + " (an IDX file of unsigned bytes with \(words) dimension\(words == 1 ? "" : "s"))")
        }
        return Array(values.dropFirst())
    }
}
