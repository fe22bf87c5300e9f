import Testing
import LatentDiffKernels
@testable import LatentDiffIO

#if canImport(Glibc)
import Glibc
#endif

/// SafeTensorsFile.rewriteMetadata: a new __metadata__, the data section and the tensor entries
/// (dtypes included) as they were.
@Suite struct SafeTensorsMetadataTests {
    static func write(_ bytes: [UInt8], to path: String) {
        let file = fopen(path, "wb")!
        fwrite(bytes, 1, bytes.count, file)
        fclose(file)
    }

    static func read(_ path: String) -> [UInt8] {
        let file = fopen(path, "rb")!
        defer { fclose(file) }
        var bytes = [UInt8](repeating: 0, count: 1 << 16)
        bytes.removeSubrange(fread(&bytes, 1, bytes.count, file)...)
        return bytes
    }

    @Test func keepsHalfPrecisionTensorsByteForByte() throws {
        let path = "/tmp/latentdiff-metadata-\(getpid()).safetensors"
        defer { unlink(path) }
        // An F16 tensor of 3 values (6 bytes) then an F32 one: 10 bytes of data, unaligned on purpose.
        let data: [UInt8] = [0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x00, 0x00, 0x80, 0x3f]
        let header = #"{"__metadata__": {"a": "1", "b": "2"}, "h": {"dtype": "F16", "shape": [3], "data_offsets": [0, 6]}, "#
            + #""f": {"dtype": "F32", "shape": [1], "data_offsets": [6, 10]}}"#
        Self.write(safetensorsBytes(header, data: data), to: path)
        let before = try SafeTensorsFile.read(path: path)

        try SafeTensorsFile.rewriteMetadata(path: path, [("b", "two"), ("c", "three \"quoted\"")])
        let bytes = Self.read(path)
        let length = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        #expect(length % 8 == 0, "header padded to 8 bytes")
        #expect(Array(bytes[(8 + length)...]) == data, "the data section is unchanged")
        let headerText = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
        #expect(headerText.contains(#""dtype":"F16""#), "the F16 tensor stays F16")
        let after = try SafeTensorsFile.read(path: path)
        #expect(after.tensors == before.tensors)
        #expect(after.metadata.map(\.key) == ["b", "c"] && after.metadataValue(forKey: "c") == "three \"quoted\"")

        try SafeTensorsFile.rewriteMetadata(path: path, [])
        #expect(try SafeTensorsFile.read(path: path).metadata.isEmpty)
        #expect(!String(decoding: Self.read(path), as: UTF8.self).contains("__metadata__"))
    }

    @Test func refusesDamagedFilesAndRepeatedKeysWritingNothing() throws {
        let path = "/tmp/latentdiff-metadata-bad-\(getpid()).safetensors"
        defer { unlink(path) }
        let damaged = safetensorsBytes(#"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#, data: [0, 0, 0, 0])
        Self.write(damaged, to: path)
        #expect(throws: LatentDiffError.self) { try SafeTensorsFile.rewriteMetadata(path: path, [("a", "b")]) }
        #expect(Self.read(path) == damaged)
        let good = safetensorsBytes(#"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0])
        Self.write(good, to: path)
        #expect(throws: LatentDiffError.self) { try SafeTensorsFile.rewriteMetadata(path: path, [("a", "b"), ("a", "c")]) }
        #expect(Self.read(path) == good)
        #expect(throws: LatentDiffError.self) { try SafeTensorsFile.rewriteMetadata(path: "/nonexistent/x.safetensors", []) }
    }
}
