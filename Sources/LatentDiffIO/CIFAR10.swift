import LatentDiffKernels

/// CIFAR-10 binary batches: records of 1 label byte (0...9) and 3072 pixel bytes, the R, G and B
/// planes of a 32x32 image with rows top to bottom, i.e. (C, H, W) = (3, 32, 32).
///
/// Training split: whichever of data_batch_1.bin ... data_batch_5.bin exist (at least one), in
/// that order; test split: test_batch.bin. Each plain or `.gz`. Class names come from
/// batches.meta.txt (one per line) when it is there, else they are the standard ten.
public enum CIFAR10 {
    public static let recordSize = 1 + 3 * 32 * 32
    public static let standardClassNames = [
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    ]

    public static func load(
        directory: String, split: Dataset.Split, limit: Int? = nil
    ) throws(LatentDiffError) -> Dataset {
        let wanted = try Dataset.recordLimit(limit)
        try Dataset.checkDirectory(directory, for: "CIFAR-10")
        let names = split == .train ? (1...5).map { "data_batch_\($0).bin" } : ["test_batch.bin"]
        let paths = names.compactMap { Dataset.find($0, in: directory) }
        guard !paths.isEmpty else {
            throw .io("no CIFAR-10 \(split) batches in '\(directory)': looked for \(names.joined(separator: ", ")) (each plain or .gz)")
        }
        let classNames = try classNames(in: directory)

        var pixels: [UInt8] = []
        var labels: [Int32] = []
        for path in paths where labels.count < wanted {
            let allowed = (Dataset.maxImageBytes - pixels.count) / (recordSize - 1)  // records within the limit
            let bytes = try GzipReader(path: path).read(upTo: min(wanted - labels.count, allowed + 1) * recordSize)
            guard bytes.count % recordSize == 0 else {
                throw .format("'\(path)' is truncated: \(bytes.count) bytes is not a whole number of \(recordSize)-byte records")
            }
            let records = bytes.count / recordSize
            guard records <= allowed else {
                throw .format("'\(path)': the batches hold more than \(Dataset.maxImageBytes) bytes of images")
            }
            labels += try Dataset.checkedLabels(
                (0..<records).map { bytes[$0 * recordSize] }, classCount: classNames.count, path: path)
            pixels.reserveCapacity(pixels.count + records * (recordSize - 1))
            for r in 0..<records {
                pixels += bytes[(r * recordSize + 1)..<((r + 1) * recordSize)]
            }
        }
        guard !labels.isEmpty else {
            throw .format("no CIFAR-10 \(split) images in '\(directory)': \(paths.joined(separator: ", ")) hold no records")
        }
        return Dataset(
            kind: .cifar10, split: split, channels: 3, height: 32, width: 32, bytes: pixels, labels: labels,
            classNames: classNames)
    }

    /// The ten names in batches.meta.txt, one per line (blank lines ignored), or the standard ones.
    private static func classNames(in directory: String) throws(LatentDiffError) -> [String] {
        guard let path = Dataset.find("batches.meta.txt", in: directory) else { return standardClassNames }
        let text = String(decoding: try GzipReader(path: path).read(upTo: 1 << 16), as: UTF8.self)
        let names = text.split(whereSeparator: \.isNewline).compactMap { line -> String? in
            var name = line
            while name.first?.isWhitespace == true { name.removeFirst() }
            while name.last?.isWhitespace == true { name.removeLast() }
            return name.isEmpty ? nil : String(name)
        }
        guard names.count == standardClassNames.count else {
            throw .format("'\(path)' names \(names.count) classes, not \(standardClassNames.count)")
        }
        return names
    }
}
