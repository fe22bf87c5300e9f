import CZlib
import LatentDiffKernels

/// tEXt chunks spliced into an encoded PNG right after IHDR (libpng's simplified API writes none).
/// A chunk is: length (u32 BE) | "tEXt" | keyword NUL text | CRC-32 of type and data (u32 BE).
enum PNGTextChunks {
    static func insert(_ text: [(key: String, value: String)], into png: [UInt8]) throws(LatentDiffError) -> [UInt8] {
        guard !text.isEmpty else { return png }
        // Signature (8) + IHDR chunk (4 + 4 + 13 + 4).
        let ihdrEnd = 8 + 25
        guard png.count > ihdrEnd, Array(png[12..<16]) == Array("IHDR".utf8) else {
            throw .init(.internalError, "libpng wrote an unexpected PNG layout")
        }
        var chunks: [UInt8] = []
        for (key, value) in text {
            let keyword = Array(key.utf8)
            guard (1...79).contains(keyword.count), keyword.allSatisfy({ (32...126).contains($0) }) else {
                throw .invalidArgument("PNG text keyword '\(key)' must be 1-79 printable ASCII characters")
            }
            // tEXt holds Latin-1; characters beyond it become '?'.
            let latin1 = value.unicodeScalars.map { $0.value < 256 && $0.value != 0 ? UInt8($0.value) : UInt8(ascii: "?") }
            let data = Array("tEXt".utf8) + keyword + [0] + latin1
            chunks += bigEndian(UInt32(data.count - 4)) + data
            let crc = data.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) }
            chunks += bigEndian(UInt32(truncatingIfNeeded: crc))
        }
        return Array(png[0..<ihdrEnd]) + chunks + Array(png[ihdrEnd...])
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
    }
}
