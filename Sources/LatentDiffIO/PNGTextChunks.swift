import CZlib
import LatentDiffKernels

/// Text chunks spliced into an encoded PNG right after IHDR (libpng's simplified API writes none).
/// A chunk is: length (u32 BE) | type | data | CRC-32 of type and data (u32 BE). A value all in
/// Latin-1 is a tEXt chunk (data: keyword NUL text in Latin-1), any other an uncompressed iTXt
/// chunk (keyword NUL, compression flag 0, method 0, empty language tag NUL, empty translated
/// keyword NUL, text in UTF-8), so folder class names in any script survive. NUL characters in a
/// value, which neither chunk can hold, become '?'.
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
            let scalars = value.unicodeScalars.map { $0.value == 0 ? Unicode.Scalar(UInt8(ascii: "?")) : $0 }
            let data: [UInt8]
            if scalars.allSatisfy({ $0.value < 256 }) {
                data = Array("tEXt".utf8) + keyword + [0] + scalars.map { UInt8($0.value) }
            } else {
                var text = String.UnicodeScalarView()
                text.append(contentsOf: scalars)
                data = Array("iTXt".utf8) + keyword + [0, 0, 0, 0, 0] + Array(String(text).utf8)
            }
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
