import Testing
import LatentDiffKernels
@testable import LatentDiffIO

#if canImport(Glibc)
import Glibc
#endif

/// Tests/Fixtures/<name>: data cut from the real sets by scripts/make_fixtures.py.
func fixtureDirectory(_ name: String) -> String { besideThisFile("../Fixtures/\(name)") }

func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    try AtomicFile.write(path: path, bytes: bytes)
}

/// The decompressed contents of a (gzip or plain) file.
func contents(_ path: String) throws -> [UInt8] { try GzipReader(path: path).read(upTo: Int.max) }

/// An IDX file of unsigned bytes: magic, big-endian dimensions, then `body`.
func idx(magic: UInt32, dims: [Int], body: [UInt8]) -> [UInt8] {
    ([Int(magic)] + dims).flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) } } + body
}

/// A temporary directory holding MNIST files built from `images` and `labels` (plain, standard train names).
func mnistDirectory(images: [UInt8], labels: [UInt8]) throws -> String {
    let directory = temporaryDirectory()
    try writeFile(directory + "/train-images-idx3-ubyte", images)
    try writeFile(directory + "/train-labels-idx1-ubyte", labels)
    return directory
}

func expectError(
    _ body: () throws -> Dataset, _ status: LatentDiffError.Status, _ words: String...,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let error = caught(body)
    #expect(error?.status == status, "\(error?.message ?? "no error")", sourceLocation: sourceLocation)
    for word in words {
        #expect(error?.message.contains(word) == true, "\(error?.message ?? "no error") lacks \(word)",
                sourceLocation: sourceLocation)
    }
}

@Suite struct MNISTTests {
    let directory = fixtureDirectory("mnist")

    @Test func readsCompressedFixture() throws {
        let train = try Dataset.load(.mnist, directory: directory, split: .train)
        #expect((train.count, train.channels, train.height, train.width) == (300, 1, 28, 28))
        #expect(train.allPixels().count == 300 * 784 && train.labels.count == 300)
        #expect(Array(train.labels.prefix(5)) == [5, 0, 4, 1, 9])
        #expect(train.classCounts() == [34, 39, 28, 34, 32, 23, 29, 29, 21, 31])
        #expect(train.classNames == ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"])
        // Image 0, row 14, columns 13...15 hold bytes 81, 240, 253.
        #expect(Array(train.allPixels()[(14 * 28 + 13)...(14 * 28 + 15)]) == [81, 240, 253].map { Float($0) / 127.5 - 1 })
        #expect(train.allPixels().min() == -1 && train.allPixels().max() == 1)

        let test = try MNIST.load(directory: directory, split: .test)
        #expect(test.count == 100 && test.labels.first == 7 && test.split == .test)
        #expect(test.classCounts() == [8, 14, 8, 11, 14, 7, 10, 15, 2, 11])
    }

    @Test func readsPlainFilesTheSame() throws {
        let plain = temporaryDirectory()
        for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"] {
            try writeFile("\(plain)/\(name)", contents("\(directory)/\(name).gz"))
        }
        let a = try Dataset.load(.mnist, directory: plain, split: .train)
        let b = try Dataset.load(.mnist, directory: directory, split: .train)
        #expect(a.allPixels() == b.allPixels() && a.labels == b.labels)
    }

    @Test func limitReadsTheFirstImages() throws {
        let all = try MNIST.load(directory: directory, split: .train)
        let first = try MNIST.load(directory: directory, split: .train, limit: 7)
        #expect(first.count == 7 && first.labels == Array(all.labels.prefix(7)))
        #expect(first.allPixels() == Array(all.allPixels().prefix(7 * 784)))
        #expect(try MNIST.load(directory: directory, split: .train, limit: 10_000).count == 300)
        expectError({ try MNIST.load(directory: directory, split: .train, limit: 0) }, .invalidArgument, "limit")
    }

    let images = idx(magic: 2051, dims: [3, 2, 2], body: Array(0..<12))
    let labels = idx(magic: 2049, dims: [3], body: [1, 2, 3])

    @Test func readsHandMadeFiles() throws {
        let data = try MNIST.load(directory: mnistDirectory(images: images, labels: labels), split: .train)
        #expect((data.count, data.height, data.width) == (3, 2, 2))
        #expect(data.labels == [1, 2, 3] && data.allPixels()[5] == 5 / 127.5 - 1)
    }

    @Test func rejectsWrongMagic() throws {
        let wrong = try mnistDirectory(images: idx(magic: 2049, dims: [3, 2, 2], body: Array(0..<12)), labels: labels)
        expectError({ try MNIST.load(directory: wrong, split: .train) }, .format,
                    "\(wrong)/train-images-idx3-ubyte", "magic number 2049 is not 2051")
        let swapped = try mnistDirectory(images: images, labels: images)
        expectError({ try MNIST.load(directory: swapped, split: .train) }, .format,
                    "train-labels-idx1-ubyte", "magic number 2051 is not 2049")
    }

    @Test func rejectsTruncatedFiles() throws {
        let short = try mnistDirectory(images: Array(images.dropLast()), labels: labels)
        expectError({ try MNIST.load(directory: short, split: .train) }, .format,
                    "train-images-idx3-ubyte' is truncated", "11 bytes into 3 images of 2x2")
        let noHeader = try mnistDirectory(images: Array(images.prefix(10)), labels: labels)
        expectError({ try MNIST.load(directory: noHeader, split: .train) }, .format, "truncated", "IDX header")
        // A gzip stream cut in half.
        let gz = try [UInt8](contentsOfFile: "\(directory)/train-images-idx3-ubyte.gz")
        let cut = temporaryDirectory()
        try writeFile(cut + "/train-images-idx3-ubyte.gz", Array(gz.prefix(gz.count / 2)))
        try writeFile(cut + "/train-labels-idx1-ubyte", contents("\(directory)/train-labels-idx1-ubyte.gz"))
        expectError({ try MNIST.load(directory: cut, split: .train) }, .format, "train-images-idx3-ubyte.gz' is truncated")
    }

    @Test func rejectsCountMismatchAndExtraBytes() throws {
        let fewer = try mnistDirectory(images: images, labels: idx(magic: 2049, dims: [2], body: [1, 2]))
        expectError({ try MNIST.load(directory: fewer, split: .train) }, .format, "holds 3 images but", "holds 2 labels")
        let extra = try mnistDirectory(images: images + [0], labels: labels)
        expectError({ try MNIST.load(directory: extra, split: .train) }, .format, "bytes after the 3 records")
        let badLabel = try mnistDirectory(images: images, labels: idx(magic: 2049, dims: [3], body: [1, 10, 3]))
        expectError({ try MNIST.load(directory: badLabel, split: .train) }, .format, "label 10 of image 1")
        let badSize = try mnistDirectory(images: idx(magic: 2051, dims: [3, 0, 2], body: []), labels: labels)
        expectError({ try MNIST.load(directory: badSize, split: .train) }, .format, "image size 0x2")
    }

    @Test func hugeCountsInHeaderAreRefusedBeforeReading() throws {
        let huge = try mnistDirectory(images: idx(magic: 2051, dims: [0xFFFF_FFFF, 4096, 4096], body: Array(0..<12)),
                                      labels: idx(magic: 2049, dims: [0xFFFF_FFFF], body: [1, 2, 3]))
        expectError({ try MNIST.load(directory: huge, split: .train) }, .format, "are more than 1073741824 bytes")
        // Within the limit but far beyond the data: memory only grows with the bytes really there.
        let big = try mnistDirectory(images: idx(magic: 2051, dims: [1_000_000, 28, 28], body: Array(0..<12)),
                                     labels: idx(magic: 2049, dims: [1_000_000], body: [1, 2, 3]))
        expectError({ try MNIST.load(directory: big, split: .train) }, .format, "truncated", "ends 12 bytes into")
    }

    @Test func missingDirectoryOrFilesNameWhatWasLookedFor() throws {
        expectError({ try MNIST.load(directory: "/nonexistent/mnist", split: .train) }, .io, "'/nonexistent/mnist'")
        let empty = temporaryDirectory()
        expectError({ try MNIST.load(directory: empty, split: .test) }, .io,
                    "no MNIST test images in '\(empty)'", "t10k-images-idx3-ubyte and t10k-images-idx3-ubyte.gz")
    }
}

@Suite struct CIFAR10Tests {
    let directory = fixtureDirectory("cifar10")

    @Test func readsCompressedFixture() throws {
        let train = try Dataset.load(.cifar10, directory: directory, split: .train)
        #expect((train.count, train.channels, train.height, train.width) == (300, 3, 32, 32))
        #expect(Array(train.labels.prefix(5)) == [5, 8, 0, 8, 6])
        #expect(train.classCounts() == [29, 23, 30, 37, 25, 25, 29, 34, 33, 35])
        #expect(train.classNames == CIFAR10.standardClassNames)
        // Image 0, pixel (0, 0): R 33, G 34, B 52 (planes 1024 floats apart).
        #expect([train.allPixels()[0], train.allPixels()[1024], train.allPixels()[2048]] == [33, 34, 52].map { Float($0) / 127.5 - 1 })
        #expect(train.allPixels().allSatisfy { (-1...1).contains($0) })

        let test = try CIFAR10.load(directory: directory, split: .test)
        #expect(test.count == 100 && Array(test.labels.prefix(3)) == [8, 2, 3])
        #expect(test.classCounts() == [9, 10, 11, 12, 8, 5, 8, 10, 14, 13])
    }

    @Test func readsPlainFilesAndAnySubsetOfBatches() throws {
        let records = try contents("\(directory)/data_batch_1.bin.gz")
        let plain = temporaryDirectory()
        try writeFile(plain + "/data_batch_2.bin", Array(records.prefix(100 * 3073)))
        try writeFile(plain + "/data_batch_4.bin", Array(records[(100 * 3073)...]))
        let split = try CIFAR10.load(directory: plain, split: .train)
        let whole = try CIFAR10.load(directory: directory, split: .train)
        #expect(split.allPixels() == whole.allPixels() && split.labels == whole.labels)
        let limited = try CIFAR10.load(directory: plain, split: .train, limit: 150)
        #expect(limited.count == 150 && limited.labels == Array(whole.labels.prefix(150)))
        #expect(try CIFAR10.load(directory: plain, split: .train, limit: 20).count == 20)
    }

    @Test func rejectsTruncatedRecordsAndBadLabels() throws {
        let dir = temporaryDirectory()
        try writeFile(dir + "/test_batch.bin", [UInt8](repeating: 1, count: 2 * 3073 + 5))
        expectError({ try CIFAR10.load(directory: dir, split: .test) }, .format,
                    "test_batch.bin' is truncated", "6151 bytes is not a whole number of 3073-byte records")
        var bad = [UInt8](repeating: 0, count: 2 * 3073)
        bad[3073] = 10
        try writeFile(dir + "/test_batch.bin", bad)
        expectError({ try CIFAR10.load(directory: dir, split: .test) }, .format, "label 10 of image 1")
        try writeFile(dir + "/test_batch.bin", [])
        expectError({ try CIFAR10.load(directory: dir, split: .test) }, .format, "hold no records")
    }

    @Test func missingBatchesAreListed() {
        let empty = temporaryDirectory()
        expectError({ try CIFAR10.load(directory: empty, split: .train) }, .io,
                    "no CIFAR-10 train batches in '\(empty)'", "data_batch_1.bin, data_batch_2.bin", "data_batch_5.bin")
        expectError({ try CIFAR10.load(directory: empty + "/missing", split: .test) }, .io, "CIFAR-10 directory")
    }

    @Test func classNamesComeFromMetaFile() throws {
        let dir = temporaryDirectory()
        try writeFile(dir + "/test_batch.bin", [UInt8](repeating: 0, count: 3073))
        #expect(try CIFAR10.load(directory: dir, split: .test).classNames == CIFAR10.standardClassNames)
        try writeFile(dir + "/batches.meta.txt", Array("a\r\nb\nc\nd\ne\nf\ng\nh\n i \nj\n\n".utf8))
        #expect(try CIFAR10.load(directory: dir, split: .test).classNames == ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"])
        try writeFile(dir + "/batches.meta.txt", Array("cat\ndog\n".utf8))
        expectError({ try CIFAR10.load(directory: dir, split: .test) }, .format, "names 2 classes, not 10")
    }
}

@Suite struct BatchTests {
    let data: Dataset

    init() throws { data = try CIFAR10.load(directory: fixtureDirectory("cifar10"), split: .train) }

    @Test func permutationIsSeededAndComplete() {
        let p = data.permutation(seed: 42, epoch: 0)
        #expect(p.sorted() == Array(0..<300))
        #expect(p != Array(0..<300))
        #expect(data.permutation(seed: 42, epoch: 0) == p)
        #expect(data.permutation(seed: 42, epoch: 1) != p)
        #expect(data.permutation(seed: 43, epoch: 0) != p)
    }

    @Test func batchesCoverTheEpochInPermutationOrder() throws {
        let pixels = data.allPixels()
        let batches = Array(try data.batches(size: 64, seed: 7, epoch: 3))
        #expect(batches.map(\.count) == [64, 64, 64, 64, 44])
        #expect(batches.flatMap(\.indices) == data.permutation(seed: 7, epoch: 3))
        let size = data.imageSize
        for batch in batches {
            #expect(batch.pixels.count == batch.count * size)
            for (b, index) in batch.indices.enumerated() {
                #expect(batch.labels[b] == data.labels[index])
                #expect(batch.pixels[(b * size)..<((b + 1) * size)] == pixels[(index * size)..<((index + 1) * size)])
            }
        }
        let other = Array(try data.batches(size: 100, seed: 7, epoch: 3, dropLast: true))
        #expect(other.map(\.count) == [100, 100, 100])
        #expect(Array(try data.batches(size: 128, seed: 7, epoch: 3, dropLast: true)).map(\.count) == [128, 128])
        #expect(caught { try data.batches(size: 0, seed: 7, epoch: 3) }?.status == .invalidArgument)
    }

    @Test func flipsMirrorRowsOfHalfTheImagesReproducibly() throws {
        let pixels = data.allPixels()
        let batches = Array(try data.batches(size: 50, seed: 5, epoch: 2, flip: true))
        let again = Array(try data.batches(size: 30, seed: 5, epoch: 2, flip: true))
        #expect(batches.flatMap(\.pixels) == again.flatMap(\.pixels))
        var flipped = 0
        for batch in batches {
            for (b, index) in batch.indices.enumerated() {
                let isFlipped = data.transform(index: index, .init(flip: true, seed: 5, epoch: 2)).flipped
                flipped += isFlipped ? 1 : 0
                for row in 0..<(3 * 32) {
                    for x in [0, 13, 31] {
                        let source = x
                        let shown = isFlipped ? 31 - x : x
                        #expect(batch.pixels[b * 3072 + row * 32 + shown] == pixels[index * 3072 + row * 32 + source])
                    }
                }
            }
        }
        #expect((110...190).contains(flipped))
    }

    @Test func shiftsTranslateImagesWithZerosWhereNothingIsCovered() throws {
        let pixels = data.allPixels()
        let batches = Array(try data.batches(size: 64, seed: 9, epoch: 1, flip: true, maxShift: 4))
        #expect(batches.flatMap(\.pixels) == Array(try data.batches(size: 100, seed: 9, epoch: 1, flip: true, maxShift: 4)).flatMap(\.pixels))
        var shifts = Set<[Int]>(), flips = 0
        for batch in batches {
            for (b, index) in batch.indices.enumerated() {
                let (flipped, dx, dy) = data.transform(index: index, .init(flip: true, maxShift: 4, seed: 9, epoch: 1))
                #expect((-4...4).contains(dx) && (-4...4).contains(dy))
                shifts.insert([dx, dy])
                flips += flipped ? 1 : 0
                for c in 0..<3 {
                    for y in 0..<32 {
                        for x in 0..<32 {
                            let (sy, sx) = (y + dy, x + dx)
                            let inside = (0..<32).contains(sy) && (0..<32).contains(sx)
                            let expected = inside ? pixels[index * 3072 + (c * 32 + sy) * 32 + (flipped ? 31 - sx : sx)] : 0
                            if batch.pixels[b * 3072 + (c * 32 + y) * 32 + x] != expected {
                                Issue.record("image \(index) (\(flipped), \(dx), \(dy)) differs at \(c),\(y),\(x)")
                                return
                            }
                        }
                    }
                }
            }
        }
        #expect(shifts.count > 60)                    // of 81 possible, for 300 images
        #expect((110...190).contains(flips))
        // No shift without maxShift; the other epoch draws other shifts.
        #expect(data.transform(index: 3, .init(flip: false, seed: 9, epoch: 1)) == (false, 0, 0))
        #expect(caught { try data.batches(size: 8, seed: 9, epoch: 1, maxShift: 33) }?.status == .invalidArgument)
        #expect(caught { try data.batches(size: 8, seed: 9, epoch: 1, maxShift: -1) }?.status == .invalidArgument)
        #expect(data.transform(index: 3, .init(flip: false, maxShift: .max, seed: 9, epoch: 1)).dx.magnitude <= 32)
        #expect((0..<300).contains { data.transform(index: $0, .init(flip: true, maxShift: 4, seed: 9, epoch: 1)) !=
                                     data.transform(index: $0, .init(flip: true, maxShift: 4, seed: 9, epoch: 2)) })
    }

    @Test func batchByIndicesChecksThem() throws {
        let batch = try data.batch(indices: [299, 0])
        #expect(batch.labels == [data.labels[299], data.labels[0]])
        #expect(caught { try data.batch(indices: [300]) }?.status == .invalidArgument)
        #expect(caught { try data.batch(indices: [-1]) }?.status == .invalidArgument)
    }
}

extension [UInt8] {
    /// The raw bytes of a file (for cutting fixtures in tests).
    init(contentsOfFile path: String) throws {
        let file = fopen(path, "rb")
        defer { if let file { fclose(file) } }
        guard let file else { throw LatentDiffError.io("cannot open \(path)") }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        self = bytes
    }
}
