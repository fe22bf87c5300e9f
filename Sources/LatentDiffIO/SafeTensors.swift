import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

#if _endian(big)
#error("SafeTensorsFile writes Float arrays as they are in memory, which must be little-endian")
#endif

/// A `.safetensors` file (https://github.com/huggingface/safetensors):
///
///     u64 little-endian N | N bytes of JSON header, padded with spaces | data section
///     header = {"__metadata__": {string: string}, name: {"dtype": "F32", "shape": [d0, ...],
///               "data_offsets": [begin, end]}, ...}
///
/// Offsets are relative to the data section, and the tensors' [begin, end) ranges must cover it
/// exactly. Values are row-major, little-endian. This type holds every tensor as Float32 in
/// header order; it reads F32, F16 and BF16, and writes F32.
public struct SafeTensorsFile: Sendable {
    public struct Tensor: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        /// Row-major values: the product of `shape` of them.
        public var values: [Float]

        public init(name: String, shape: [Int], values: [Float]) {
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    public var tensors: [Tensor]
    /// `__metadata__`, in order (written first in the header, and only when not empty).
    public var metadata: [(key: String, value: String)]

    public init(tensors: [Tensor] = [], metadata: [(key: String, value: String)] = []) {
        self.tensors = tensors
        self.metadata = metadata
    }

    public func tensor(named name: String) -> Tensor? { tensors.first { $0.name == name } }
    public func metadataValue(forKey key: String) -> String? { metadata.first { $0.key == key }?.value }

    /// The largest JSON header accepted (a guard against a corrupt length).
    public static let maxHeaderBytes = 100_000_000
    /// The largest data section accepted, 2 GiB (the project's models are a few MB): reading holds
    /// it several times over (bytes, Float32 values, tensors).
    public static let maxDataBytes = 1 << 31

    /// The number of elements of `shape`, or nil if a dimension is negative or the product overflows.
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }
}

// MARK: - Reading

extension SafeTensorsFile {
    enum DType: String {
        case f32 = "F32", f16 = "F16", bf16 = "BF16"

        var size: Int { self == .f32 ? 4 : 2 }

        /// Other dtypes the format defines, refused as `.unsupported` rather than `.format`.
        static let others: Set<String> = [
            "BOOL", "U8", "I8", "U16", "I16", "U32", "I32", "U64", "I64", "F64", "C64",
            "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4",
        ]
    }

    /// One header entry, validated against the data section's size.
    private struct Entry {
        let name: String
        let dtype: DType
        let shape: [Int]
        let begin: Int
        let end: Int
    }

    /// Reads `path`: the header first, validated against the file's size, and only then the data
    /// section, so a header that declares more than the file holds costs no allocation.
    public static func read(path: String) throws(LatentDiffError) -> SafeTensorsFile {
        var source = try FileSource(path: path)
        return try parse(&source, name: path)
    }

    /// Parses a whole file's bytes in a caller's buffer (read only during the call), as `read`
    /// parses a file. `source` names the buffer in error messages.
    public static func decode(_ bytes: UnsafeRawBufferPointer, source: String) throws(LatentDiffError) -> SafeTensorsFile {
        var memory = BufferSource(bytes: bytes)
        return try parse(&memory, name: source)
    }

    /// Parses a whole file's bytes. `source` names the file in error messages.
    public static func decode(_ bytes: [UInt8], source: String = "<memory>") throws(LatentDiffError) -> SafeTensorsFile {
        var memory = MemorySource(bytes: bytes)
        return try parse(&memory, name: source)
    }

    /// The file from `source`, in order: header length, header, data section. Every malformed
    /// input throws `.format` (`.unsupported` for a dtype the format knows but this reader does
    /// not; `.outOfMemory` for a data section over `maxDataBytes`).
    private static func parse(_ source: inout some ByteSource, name: String) throws(LatentDiffError) -> SafeTensorsFile {
        let bad = { (what: String) in LatentDiffError.format("'\(name)': \(what)") }
        let size = source.size
        guard size >= 8 else {
            throw bad("\(size) bytes is too short for a safetensors file (it starts with an 8-byte header length)")
        }
        let lengthBytes = try source.next(8)
        let length = (0..<8).reduce(UInt64(0)) { $0 | UInt64(lengthBytes[$1]) << (8 * UInt64($1)) }
        guard length <= UInt64(maxHeaderBytes) else {
            throw bad("not a safetensors file: its first 8 bytes give a header length of \(length), over the limit of \(maxHeaderBytes)")
        }
        guard 8 + Int(length) <= size else {
            throw bad("header length \(length) runs past the end of the file (\(size) bytes)")
        }
        let header: JSON
        do { header = try JSON.parse(try source.next(Int(length))) } catch { throw bad("JSON header: \(error.message)") }
        guard let members = header.objectValue else { throw bad("the JSON header is not an object") }

        let dataSize = size - 8 - Int(length)
        var file = SafeTensorsFile()
        var entries: [Entry] = []
        for (key, value) in members {
            if key == "__metadata__" {
                file.metadata = try metadata(value, bad)
            } else {
                entries.append(try entry(key, value, dataSize: dataSize, source: name))
            }
        }
        try checkCoverage(entries, dataSize: dataSize, bad)
        guard dataSize <= maxDataBytes else {
            throw LatentDiffError(.outOfMemory, "'\(name)': \(dataSize) bytes of tensors is over the limit of \(maxDataBytes)")
        }
        let data = try source.next(dataSize)
        file.tensors = data.withUnsafeBytes { raw in
            entries.map { e in
                Tensor(name: e.name, shape: e.shape, values: floats(raw, from: e.begin, count: (e.end - e.begin) / e.dtype.size, e.dtype))
            }
        }
        return file
    }

    private static func metadata(
        _ value: JSON, _ bad: (String) -> LatentDiffError
    ) throws(LatentDiffError) -> [(key: String, value: String)] {
        guard let members = value.objectValue else { throw bad("__metadata__ is not an object") }
        var result: [(key: String, value: String)] = []
        for (key, item) in members {
            guard let text = item.stringValue else {
                throw bad("__metadata__ value of \(quoted(key)) is not a string: \(item.serialized())")
            }
            result.append((key: key, value: text))
        }
        return result
    }

    private static func entry(
        _ name: String, _ value: JSON, dataSize: Int, source: String
    ) throws(LatentDiffError) -> Entry {
        let tensor = "tensor \(quoted(name))"
        let bad = { (what: String) in LatentDiffError.format("'\(source)': \(tensor): \(what)") }
        guard let fields = value.objectValue else { throw bad("entry is not an object") }
        let known = ["dtype", "shape", "data_offsets"]
        if let extra = fields.first(where: { !known.contains($0.key) }) {
            throw bad("unexpected field \(quoted(extra.key))")
        }
        if let missing = known.first(where: { value[$0] == nil }) {
            throw bad("missing field \(quoted(missing))")
        }
        guard let dtypeName = value["dtype"]?.stringValue else { throw bad("dtype is not a string") }
        guard let dtype = DType(rawValue: dtypeName) else {
            if DType.others.contains(dtypeName) {
                throw .unsupported("'\(source)': \(tensor): dtype \(dtypeName) is not supported (F32, F16, BF16 are)")
            }
            throw bad("unknown dtype \(quoted(dtypeName))")
        }
        guard let dims = value["shape"]?.arrayValue else { throw bad("shape is not an array") }
        var shape: [Int] = []
        for d in dims {
            guard let n = d.intValue, n >= 0 else {
                throw bad("shape \(JSON.array(dims).serialized()) has a dimension that is not a non-negative integer")
            }
            shape.append(n)
        }
        guard let count = elementCount(shape), case (let byteCount, false) = count.multipliedReportingOverflow(by: dtype.size) else {
            throw bad("shape \(shape) has too many elements")
        }
        guard let offsets = value["data_offsets"]?.arrayValue, offsets.count == 2,
              let begin = offsets[0].intValue, let end = offsets[1].intValue, begin >= 0, begin <= end
        else { throw bad("data_offsets must be [begin, end] with 0 <= begin <= end") }
        guard end <= dataSize else {
            throw bad("data_offsets [\(begin), \(end)] run past the data section (\(dataSize) bytes)")
        }
        guard end - begin == byteCount else {
            throw bad("\(end - begin) bytes for shape \(shape) of \(dtypeName), which needs \(byteCount)")
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
    }

    /// The ranges, sorted, must tile [0, dataSize): no overlap, no hole, nothing left over.
    private static func checkCoverage(
        _ entries: [Entry], dataSize: Int, _ bad: (String) -> LatentDiffError
    ) throws(LatentDiffError) {
        var covered = 0
        var previous: Entry?
        for e in entries.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            if e.begin < covered, let previous {
                throw bad("tensor \(quoted(e.name)) [\(e.begin), \(e.end)) overlaps tensor \(quoted(previous.name)) [\(previous.begin), \(previous.end))")
            }
            if e.begin > covered {
                throw bad("data bytes [\(covered), \(e.begin)) before tensor \(quoted(e.name)) belong to no tensor")
            }
            covered = e.end
            previous = e
        }
        guard covered == dataSize else {
            throw bad("data bytes [\(covered), \(dataSize)) after the last tensor belong to no tensor")
        }
    }

    /// `count` values of `dtype` at byte `offset` of `raw` (validated by the caller), as Float32.
    private static func floats(_ raw: UnsafeRawBufferPointer, from offset: Int, count: Int, _ dtype: DType) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { out, initialized in
            for i in 0..<count {
                switch dtype {
                case .f32:
                    out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4 * i, as: UInt32.self)))
                case .f16:
                    out[i] = Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 2 * i, as: UInt16.self))))
                case .bf16:
                    // bfloat16 is the high half of a Float32.
                    out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 2 * i, as: UInt16.self))) << 16)
                }
            }
            initialized = count
        }
    }
}

// MARK: - Writing

extension SafeTensorsFile {
    /// Writes the file atomically (see `AtomicFile`), all tensors as F32.
    /// Throws `.invalidArgument` for an empty, reserved or repeated name, a repeated metadata key,
    /// or values that do not match their shape.
    public func write(path: String) throws(LatentDiffError) {
        try AtomicFile.write(path: path) { (file) throws(LatentDiffError) in
            try forEachChunk { (chunk) throws(LatentDiffError) in
                guard chunk.isEmpty || fwrite(chunk.baseAddress, 1, chunk.count, file) == chunk.count else {
                    throw .io("cannot write '\(path)': \(String(cString: strerror(errno)))")
                }
            }
        }
    }

    /// The bytes `write(path:)` writes.
    public func encoded() throws(LatentDiffError) -> [UInt8] {
        var bytes: [UInt8] = []
        try forEachChunk { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// The file in order: header length, header, then each tensor's values.
    private func forEachChunk(_ body: (UnsafeRawBufferPointer) throws(LatentDiffError) -> Void) throws(LatentDiffError) {
        let header = try headerBytes()
        try withUnsafeBytes(of: UInt64(header.count).littleEndian) { (raw) throws(LatentDiffError) in try body(raw) }
        try header.withUnsafeBufferPointer { (buffer) throws(LatentDiffError) in try body(UnsafeRawBufferPointer(buffer)) }
        for t in tensors {
            try t.values.withUnsafeBufferPointer { (buffer) throws(LatentDiffError) in try body(UnsafeRawBufferPointer(buffer)) }
        }
    }

    /// The JSON header, padded with spaces so that the data section starts 8-byte aligned.
    private func headerBytes() throws(LatentDiffError) -> [UInt8] {
        var members: [(key: String, value: JSON)] = []
        var keys = Set<String>()
        for (key, _) in metadata where !keys.insert(key).inserted {
            throw .invalidArgument("metadata key \(quoted(key)) appears twice")
        }
        if !metadata.isEmpty {
            members.append((key: "__metadata__", value: .object(metadata.map { (key: $0.key, value: .string($0.value)) })))
        }
        var names = Set<String>()
        var offset = 0
        for t in tensors {
            guard !t.name.isEmpty, t.name != "__metadata__" else {
                throw .invalidArgument("tensor name \(quoted(t.name)) is empty or reserved")
            }
            guard names.insert(t.name).inserted else { throw .invalidArgument("tensor \(quoted(t.name)) appears twice") }
            guard Self.elementCount(t.shape) == t.values.count else {
                throw .invalidArgument("tensor \(quoted(t.name)) has \(t.values.count) values for shape \(t.shape)")
            }
            let end = offset + 4 * t.values.count
            members.append((key: t.name, value: [
                "dtype": "F32",
                "shape": .array(t.shape.map { .number(Double($0)) }),
                "data_offsets": [.number(Double(offset)), .number(Double(end))],
            ]))
            offset = end
        }
        var header = Array(JSON.object(members).serialized().utf8)
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))
        return header
    }
}

/// A name as a JSON string literal, for error messages (shows quotes, escapes and emptiness).
func quoted(_ name: String) -> String { JSON.string(name).serialized() }
