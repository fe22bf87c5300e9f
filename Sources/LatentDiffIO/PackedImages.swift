import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

/// A decoded image folder: N prepared images (N, C, S, S) of uint8, their labels and split, the
/// class names and the settings that made them; and the packed cache file that stores it:
///
///     offset 0       magic "LDPACK\r\n" (8 bytes)
///     8              u32 LE format version (1)
///     12             u32 LE length L of the JSON header (at most 1 MiB)
///     16             JSON: {"count": N, "channels": C, "size": S, "background": "white"|"black"|"gray",
///                           "requested_size": S or 0 (the default size), "class_names": [...],
///                           "fingerprint": "16 hex digits", "pixels_offset": P}
///     16 + L         N labels, i32 LE, each in 0..<max(1, class count)
///                    N split bytes, 0 = train, 1 = test
///     P              N * C * S * S pixel bytes (P a multiple of 64 past the split bytes), then the end
///
/// The reader checks every field and that the lengths add up to exactly the file's size before it
/// maps the pixels, so a corrupt or truncated cache is a `.format` error naming the file.
public struct PackedImages: Sendable {
    public static let magic = Array("LDPACK\r\n".utf8)
    public static let version: UInt32 = 1
    public static let maxHeaderBytes = 1 << 20
    /// The most images and pixel bytes a cache may hold: 2^26 images, 2^40 bytes.
    public static let maxCount = 1 << 26
    public static let maxPixelBytes = 1 << 40

    public let count: Int
    public let channels: Int
    public let size: Int
    public let background: Background
    /// The size asked for, 0 when the default (the common size) was used.
    public let requestedSize: Int
    public let classNames: [String]
    public let fingerprint: UInt64
    /// N labels (all 0 for an unlabelled folder).
    public let labels: [Int32]
    /// N flags, true for the held-out test split.
    public let heldOut: [Bool]
    /// (N, C, S, S).
    public let store: PixelStore

    public var imageBytes: Int { channels * size * size }

    public init(channels: Int, size: Int, background: Background, requestedSize: Int, classNames: [String],
                fingerprint: UInt64, labels: [Int32], heldOut: [Bool], store: PixelStore) throws(LatentDiffError) {
        guard labels.count == heldOut.count, store.bytes.count == labels.count * channels * size * size else {
            throw LatentDiffError(.internalError, "packed images: \(labels.count) labels, \(heldOut.count) flags, \(store.bytes.count) bytes")
        }
        self.count = labels.count
        self.channels = channels
        self.size = size
        self.background = background
        self.requestedSize = requestedSize
        self.classNames = classNames
        self.fingerprint = fingerprint
        self.labels = labels
        self.heldOut = heldOut
        self.store = store
    }

    /// The images of one split as a data set.
    public func dataset(kind: Dataset.Kind, split: Dataset.Split, limit: Int?) throws(LatentDiffError) -> Dataset {
        let wanted = try Dataset.recordLimit(limit)
        let records = Array((0..<count).filter { heldOut[$0] == (split == .test) }.prefix(wanted))
        return Dataset(kind: kind, split: split, channels: channels, height: size, width: size, store: store,
                       records: records, labels: records.map { labels[$0] }, classNames: classNames)
    }

    // MARK: - The cache file

    /// Writes the cache atomically (a temporary file, then a rename).
    public func write(path: String) throws(LatentDiffError) {
        let header: JSON = [
            "count": .number(Double(count)), "channels": .number(Double(channels)), "size": .number(Double(size)),
            "background": .string(background.rawValue), "requested_size": .number(Double(requestedSize)),
            "class_names": .array(classNames.map { .string($0) }),
            "fingerprint": .string(Self.hex(fingerprint)), "pixels_offset": .number(0),
        ]
        // The pixels' offset depends on the header's length, which depends on the offset's digits:
        // serialize with a placeholder, then with the offset, and pad the text to a fixed length.
        var text = Array(header.serialized().utf8)
        let fixed = text.count + 24
        let offset = Self.pixelsOffset(headerLength: fixed, count: count)
        var object = header.objectValue ?? []
        if let i = object.firstIndex(where: { $0.key == "pixels_offset" }) { object[i].value = .number(Double(offset)) }
        text = Array(JSON.object(object).serialized().utf8)
        text += [UInt8](repeating: UInt8(ascii: " "), count: max(0, fixed - text.count))
        var prefix = Self.magic
        prefix += Self.littleEndian(Self.version) + Self.littleEndian(UInt32(text.count)) + text
        for label in labels { prefix += Self.littleEndian(UInt32(bitPattern: label)) }
        prefix += heldOut.map { $0 ? 1 : 0 }
        prefix += [UInt8](repeating: 0, count: offset - prefix.count)
        let pixels = store.bytes
        try AtomicFile.write(path: path) { (file) throws(LatentDiffError) in
            guard fwrite(prefix, 1, prefix.count, file) == prefix.count,
                  pixels.isEmpty || fwrite(pixels.baseAddress, 1, pixels.count, file) == pixels.count
            else { throw .io("cannot write '\(path)': \(String(cString: strerror(errno)))") }
        }
    }

    /// Reads and validates a cache file, mapping its pixels.
    public static func read(path: String) throws(LatentDiffError) -> PackedImages {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .io("cannot open '\(path)': \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { throw .io("'\(path)' is not a regular file") }
        let fileSize = Int(info.st_size)
        func bad(_ why: String) -> LatentDiffError { .format("'\(path)' is not a valid image cache: \(why)") }
        func readBytes(_ count: Int, at offset: Int) throws(LatentDiffError) -> [UInt8] {
            guard count >= 0, offset >= 0, count <= fileSize - offset else { throw bad("it ends early (\(fileSize) bytes)") }
            var bytes = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let got = bytes.withUnsafeMutableBytes { buffer -> Int in
                    guard let base = buffer.baseAddress else { return 0 }
                    return pread(fd, base + done, count - done, off_t(offset + done))
                }
                guard got > 0 else { throw .io("cannot read '\(path)': \(got < 0 ? String(cString: strerror(errno)) : "it ended early")") }
                done += got
            }
            return bytes
        }
        let start = try readBytes(16, at: 0)
        guard Array(start[0..<8]) == magic else { throw bad("no LDPACK magic") }
        let version = word(start, 8), headerLength = Int(word(start, 12))
        guard version == Self.version else { throw bad("format version \(version), this build reads \(Self.version)") }
        guard headerLength <= maxHeaderBytes else { throw bad("a header of \(headerLength) bytes") }
        let header: JSON
        do throws(LatentDiffError) { header = try JSON.parse(try readBytes(headerLength, at: 16)) } catch { throw bad(error.message) }
        let context = "the image cache '\(path)'"
        let count = try header.int("count", in: context), channels = try header.int("channels", in: context)
        let size = try header.int("size", in: context), requestedSize = try header.int("requested_size", in: context)
        let offset = try header.int("pixels_offset", in: context)
        guard (0...maxCount).contains(count) else { throw bad("\(count) images") }
        guard channels == 1 || channels == 3 else { throw bad("\(channels) channels") }
        guard (4...512).contains(size), requestedSize == 0 || requestedSize == size else { throw bad("image size \(size) (asked \(requestedSize))") }
        guard let background = Background(rawValue: try header.string("background", in: context)) else { throw bad("an unknown background") }
        guard let names = header["class_names"]?.arrayValue else { throw bad("no class_names list") }
        var classNames: [String] = []
        for name in names {
            guard let text = name.stringValue else { throw bad("a class name that is not a string") }
            classNames.append(text)
        }
        guard classNames.count <= 1 << 16 else { throw bad("\(classNames.count) classes") }
        guard let fingerprint = UInt64(try header.string("fingerprint", in: context), radix: 16) else { throw bad("a fingerprint that is not hex") }
        let pixelBytes = count * channels * size * size   // < 2^26 * 3 * 2^18: no overflow
        guard pixelBytes <= maxPixelBytes else { throw bad("\(pixelBytes) pixel bytes") }
        guard offset == pixelsOffset(headerLength: headerLength, count: count) else { throw bad("pixels at offset \(offset)") }
        guard offset <= fileSize, fileSize - offset == pixelBytes else {
            throw bad("\(fileSize) bytes where \(count) images of \(channels)x\(size)x\(size) need \(offset + pixelBytes)")
        }
        let tables = try readBytes(5 * count, at: 16 + headerLength)
        let classCount = max(1, classNames.count)
        var labels = [Int32](repeating: 0, count: count)
        for i in 0..<count {
            let label = Int32(bitPattern: word(tables, 4 * i))
            guard (0..<Int32(classCount)).contains(label) else { throw bad("label \(label) of image \(i) is not below \(classCount)") }
            labels[i] = label
        }
        var heldOut = [Bool](repeating: false, count: count)
        for i in 0..<count {
            let flag = tables[4 * count + i]
            guard flag <= 1 else { throw bad("split byte \(flag) of image \(i)") }
            heldOut[i] = flag == 1
        }
        let store = try PixelStore(mapping: fd, offset: offset, count: pixelBytes, path: path)
        return try PackedImages(channels: channels, size: size, background: background, requestedSize: requestedSize,
                                classNames: classNames, fingerprint: fingerprint, labels: labels, heldOut: heldOut, store: store)
    }

    /// Where the pixels start: after the magic, version, header length, header, labels and split
    /// bytes, rounded up to a multiple of 64.
    static func pixelsOffset(headerLength: Int, count: Int) -> Int {
        (16 + headerLength + 5 * count + 63) / 64 * 64
    }

    static func word(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) }
    }

    static func littleEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
