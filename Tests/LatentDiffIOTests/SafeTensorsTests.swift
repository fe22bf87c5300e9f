import Testing
import LatentDiffKernels
@testable import LatentDiffIO

#if canImport(Glibc)
import Glibc
#endif

/// A safetensors file made by hand: the length of `header` (or `length`), `header`, then `data`.
func safetensorsBytes(_ header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
    let json = Array(header.utf8)
    let n = length ?? UInt64(json.count)
    return (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) } + json + data
}

/// `path` relative to this file's directory.
func besideThisFile(_ path: String, file: String = #filePath) -> String {
    String(file[..<(file.lastIndex(of: "/") ?? file.startIndex)]) + "/" + path
}

/// A bad input, the status it must give and words its message must contain.
struct BadFile: CustomTestStringConvertible, Sendable {
    let name: String
    let bytes: [UInt8]
    var status = LatentDiffError.Status.format
    let words: [String]
    var testDescription: String { name }
}

let badFiles: [BadFile] = [
    BadFile(name: "shorter than 8 bytes", bytes: [1, 0, 0], words: ["3 bytes", "too short"]),
    BadFile(name: "header length past the end", bytes: safetensorsBytes("{}", length: 100),
            words: ["header length 100", "past the end"]),
    BadFile(name: "absurd header length", bytes: safetensorsBytes("{}", length: 1 << 40),
            words: ["not a safetensors file", "over the limit"]),
    BadFile(name: "invalid JSON", bytes: safetensorsBytes(#"{"w": {"dtype": "F32",}}"#),
            words: ["JSON header", "invalid JSON at byte 22"]),
    BadFile(name: "header not an object", bytes: safetensorsBytes("[1, 2]"), words: ["not an object"]),
    BadFile(name: "entry not an object", bytes: safetensorsBytes(#"{"w": 3}"#),
            words: [#"tensor "w""#, "entry is not an object"]),
    BadFile(name: "missing field", bytes: safetensorsBytes(#"{"w": {"dtype": "F32", "shape": [1]}}"#, data: [0, 0, 0, 0]),
            words: [#"tensor "w""#, #"missing field "data_offsets""#]),
    BadFile(name: "extra field",
            bytes: safetensorsBytes(#"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "scale": 2}}"#, data: [0, 0, 0, 0]),
            words: [#"tensor "w""#, #"unexpected field "scale""#]),
    BadFile(name: "unknown dtype", bytes: safetensorsBytes(#"{"w": {"dtype": "Q7", "shape": [1], "data_offsets": [0, 1]}}"#, data: [0]),
            words: [#"tensor "w""#, #"unknown dtype "Q7""#]),
    BadFile(name: "dtype not a string", bytes: safetensorsBytes(#"{"w": {"dtype": 4, "shape": [1], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
            words: [#"tensor "w""#, "dtype is not a string"]),
    BadFile(name: "unsupported dtype", bytes: safetensorsBytes(#"{"w": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}}"#, data: [UInt8](repeating: 0, count: 8)),
            status: .unsupported, words: [#"tensor "w""#, "F64 is not supported"]),
    BadFile(name: "negative dimension", bytes: safetensorsBytes(#"{"w": {"dtype": "F32", "shape": [2, -1], "data_offsets": [0, 0]}}"#),
            words: [#"tensor "w""#, "[2,-1]", "not a non-negative integer"]),
    BadFile(name: "fractional dimension", bytes: safetensorsBytes(#"{"w": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
            words: [#"tensor "w""#, "not a non-negative integer"]),
    BadFile(name: "dimension beyond Int", bytes: safetensorsBytes(#"{"w": {"dtype": "F32", "shape": [1e300], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
            words: [#"tensor "w""#, "not a non-negative integer"]),
    BadFile(name: "shape product overflows", bytes: safetensorsBytes(#"{"w": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
            words: [#"tensor "w""#, "too many elements"]),
    BadFile(name: "byte count overflows", bytes: safetensorsBytes(#"{"w": {"dtype": "F32", "shape": [4611686018427387904], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
            words: [#"tensor "w""#, "too many elements"]),
    BadFile(name: "huge shape, small file", bytes: safetensorsBytes(#"{"w": {"dtype": "F32", "shape": [1000000000000], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
            words: [#"tensor "w""#, "4 bytes for shape [1000000000000] of F32, which needs 4000000000000"]),
    BadFile(name: "byte count does not match shape", bytes: safetensorsBytes(#"{"w": {"dtype": "F16", "shape": [3], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
            words: [#"tensor "w""#, "4 bytes for shape [3] of F16, which needs 6"]),
    BadFile(name: "malformed offsets", bytes: safetensorsBytes(#"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}"#, data: [0, 0, 0, 0]),
            words: [#"tensor "w""#, "data_offsets must be"]),
    BadFile(name: "offsets out of range", bytes: safetensorsBytes(#"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#, data: [0, 0, 0, 0]),
            words: [#"tensor "w""#, "[0, 8] run past the data section (4 bytes)"]),
    BadFile(name: "overlapping offsets",
            bytes: safetensorsBytes(#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#, data: [UInt8](repeating: 0, count: 8)),
            words: [#"tensor "b" [4, 8) overlaps tensor "a" [0, 8)"#]),
    BadFile(name: "hole between tensors",
            bytes: safetensorsBytes(#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}"#, data: [UInt8](repeating: 0, count: 12)),
            words: [#"data bytes [4, 8) before tensor "b" belong to no tensor"#]),
    BadFile(name: "bytes after the last tensor",
            bytes: safetensorsBytes(#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#, data: [UInt8](repeating: 0, count: 6)),
            words: ["data bytes [4, 6) after the last tensor"]),
    BadFile(name: "duplicate names",
            bytes: safetensorsBytes(#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#, data: [UInt8](repeating: 0, count: 8)),
            words: [#"duplicate key "a""#]),
    BadFile(name: "metadata not an object", bytes: safetensorsBytes(#"{"__metadata__": ["a"]}"#),
            words: ["__metadata__ is not an object"]),
    BadFile(name: "metadata value not a string", bytes: safetensorsBytes(#"{"__metadata__": {"steps": 1000}}"#),
            words: [#"__metadata__ value of "steps" is not a string: 1000"#]),
]

@Suite struct SafeTensorsTests {
    @Test(arguments: badFiles)
    func rejectsBadFile(bad: BadFile) {
        let error = caught { try SafeTensorsFile.decode(bad.bytes, source: "bad.safetensors") }
        #expect(error?.status == bad.status)
        for word in ["'bad.safetensors'"] + bad.words {
            #expect(error?.message.contains(word) == true, "\(error?.message ?? "no error") lacks \(word)")
        }
    }

    @Test func badFileOnDiskNamesThePath() throws {
        let path = temporaryDirectory() + "/truncated.safetensors"
        let full = try sample.encoded()
        try AtomicFile.write(path: path, bytes: Array(full.dropLast(3)))
        let error = caught { try SafeTensorsFile.read(path: path) }
        #expect(error?.status == .format)
        #expect(error?.message.contains(path) == true)
    }

    @Test func missingFileAndDirectoryAreIOErrors() {
        #expect(caught { try SafeTensorsFile.read(path: "/nonexistent/model.safetensors") }?.status == .io)
        #expect(caught { try SafeTensorsFile.read(path: temporaryDirectory()) }?.message.contains("not a regular file") == true)
    }

    /// A 100 GiB sparse file used to be read whole before its header was looked at, and the
    /// allocation killed the process; now the header is checked against the size first.
    @Test func hugeFileWithABadHeaderIsRefusedUnread() throws {
        let path = temporaryDirectory() + "/sparse.safetensors"
        try AtomicFile.write(path: path, bytes: safetensorsBytes("{}", length: 1 << 20))
        #expect(truncate(path, 100 << 30) == 0)
        defer { unlink(path) }
        let error = caught { try SafeTensorsFile.read(path: path) }
        #expect(error?.status == .format && error?.message.contains("JSON header") == true, "\(error?.message ?? "no error")")
    }

    @Test func dataSectionOverTheLimitIsOutOfMemory() throws {
        let path = temporaryDirectory() + "/big.safetensors"
        let count = SafeTensorsFile.maxDataBytes / 4 + 1
        let header = safetensorsBytes(#"{"w": {"dtype": "F32", "shape": [\#(count)], "data_offsets": [0, \#(4 * count)]}}"#)
        try AtomicFile.write(path: path, bytes: header)
        #expect(truncate(path, off_t(header.count + 4 * count)) == 0)
        defer { unlink(path) }
        let error = caught { try SafeTensorsFile.read(path: path) }
        #expect(error?.status == .outOfMemory && error?.message.contains("over the limit") == true, "\(error?.message ?? "no error")")
    }

    let sample = SafeTensorsFile(
        tensors: [
            .init(name: "codec.encoder.conv_in.weight", shape: [2, 1, 3], values: [1, -2, 0.5, .infinity, -0.0, 0x1p-140]),
            .init(name: "scalar", shape: [], values: [42]),
            .init(name: "empty", shape: [0, 5], values: []),
            .init(name: "b", shape: [3], values: [0.1, 0.2, 0.3]),
        ],
        metadata: [(key: "config", value: #"{"codec":"pca","k":2}"#), (key: "format", value: "1")])

    @Test func roundTripKeepsTensorsMetadataAndOrder() throws {
        let path = temporaryDirectory() + "/model.safetensors"
        try sample.write(path: path)
        let back = try SafeTensorsFile.read(path: path)
        #expect(back.tensors == sample.tensors)
        #expect(back.metadata.map(\.key) == ["config", "format"])
        #expect(back.metadataValue(forKey: "config") == #"{"codec":"pca","k":2}"#)
        #expect(back.tensor(named: "scalar")?.values == [42])
        #expect(back.tensor(named: "nope") == nil)
    }

    @Test func headerIsPaddedToEightBytesAndWrittenDeterministically() throws {
        let bytes = try sample.encoded()
        let length = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        #expect((8 + length) % 8 == 0)
        #expect(bytes[8 + length - 1] == UInt8(ascii: " ") || bytes[8 + length - 1] == UInt8(ascii: "}"))
        #expect(bytes.count == 8 + length + 4 * (6 + 1 + 0 + 3))
        #expect(try sample.encoded() == bytes)
        let header = try JSON.parse(Array(bytes[8..<(8 + length)]))
        #expect(header.objectValue?.map(\.key) == ["__metadata__", "codec.encoder.conv_in.weight", "scalar", "empty", "b"])
        #expect(header["b"] == ["dtype": "F32", "shape": [3], "data_offsets": [28, 40]])
    }

    @Test func writeRejectsInconsistentTensors() {
        let cases: [SafeTensorsFile] = [
            .init(tensors: [.init(name: "a", shape: [2], values: [1])]),
            .init(tensors: [.init(name: "a", shape: [-1], values: [])]),
            .init(tensors: [.init(name: "a", shape: [1], values: [1]), .init(name: "a", shape: [1], values: [2])]),
            .init(tensors: [.init(name: "", shape: [1], values: [1])]),
            .init(tensors: [.init(name: "__metadata__", shape: [1], values: [1])]),
            .init(metadata: [(key: "k", value: "1"), (key: "k", value: "2")]),
        ]
        for file in cases {
            #expect(caught { try file.encoded() }?.status == .invalidArgument)
        }
        let path = temporaryDirectory() + "/never.safetensors"
        #expect(caught { try cases[0].write(path: path) }?.status == .invalidArgument)
        #expect(caught { try SafeTensorsFile.read(path: path) }?.status == .io)
    }

    @Test func convertsHalfPrecision() throws {
        // F16 bits: 1, -2, max 65504, min normal 2^-14, min subnormal 2^-24, max subnormal, +inf, -inf, -0, NaN
        let f16: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0400, 0x0001, 0x03FF, 0x7C00, 0xFC00, 0x8000, 0x7E00]
        let values = try decodeOne(dtype: "F16", bits: f16)
        let expected: [Float] = [1, -2, 65504, 0x1p-14, 0x1p-24, 1023 * 0x1p-24, .infinity, -.infinity, -0.0]
        #expect(Array(values.prefix(9)) == expected)
        #expect(values[8].sign == .minus)
        #expect(values[9].isNaN)
    }

    @Test func convertsBFloat16() throws {
        // BF16 bits: 1, -2, pi rounded (3.140625), min subnormal 2^-133, max finite, +inf, NaN
        let bf16: [UInt16] = [0x3F80, 0xC000, 0x4049, 0x0001, 0x7F7F, 0x7F80, 0x7FC0]
        let values = try decodeOne(dtype: "BF16", bits: bf16)
        #expect(Array(values.prefix(6)) == [1, -2, 3.140625, 0x1p-133, Float(bitPattern: 0x7F7F_0000), .infinity])
        #expect(values[3].isSubnormal)
        #expect(values[6].isNaN)
    }

    /// The values of a one-tensor file holding `bits` as `dtype`.
    private func decodeOne(dtype: String, bits: [UInt16]) throws -> [Float] {
        let data = bits.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
        let header = #"{"x": {"dtype": "\#(dtype)", "shape": [\#(bits.count)], "data_offsets": [0, \#(data.count)]}}"#
        let file = try SafeTensorsFile.decode(safetensorsBytes(header, data: data))
        #expect(file.tensors.count == 1 && file.tensors[0].shape == [bits.count])
        return file.tensors[0].values
    }

    /// Written by Python's safetensors (Fixtures/make_python_fixture.py).
    @Test func readsPythonWrittenFile() throws {
        let file = try SafeTensorsFile.read(path: besideThisFile("Fixtures/python_written.safetensors"))
        #expect(file.tensors.map(\.name) == ["empty", "layer.weight", "scalar", "brain", "half"])
        #expect(file.metadataValue(forKey: "format") == "np")
        #expect(file.metadataValue(forKey: "note") == "written by Python é☃")
        #expect(file.metadataValue(forKey: "config") == #"{"k": [1, 2]}"#)
        #expect(file.tensor(named: "layer.weight") == .init(name: "layer.weight", shape: [2, 3], values: [0, 1, -2.5, 3.25, 1e-3, -1e10]))
        #expect(file.tensor(named: "half") == .init(
            name: "half", shape: [8], values: [1, -0.5, 65504, 0x1p-14, 0x1p-24, 1023 * 0x1p-24, .infinity, -.infinity]))
        #expect(file.tensor(named: "brain") == .init(name: "brain", shape: [3, 2], values: [1, -3.140625, 0.0078125, .infinity, 0x1p-133, 0]))
        #expect(file.tensor(named: "scalar") == .init(name: "scalar", shape: [1], values: [7.5]))
        #expect(file.tensor(named: "empty") == .init(name: "empty", shape: [0, 4], values: []))
    }
}
