import CZlib
import Testing
import LatentDiffKernels
@testable import LatentDiffIO

#if canImport(Glibc)
import Glibc
#endif

/// A fresh empty directory under /tmp for one test.
func temporaryDirectory() -> String {
    var template = Array("/tmp/latentdiff-test-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    return made.map { String(cString: $0) } ?? "/tmp"
}

func gradient(width: Int, height: Int, channels: Int) -> Image8 {
    var pixels = [UInt8](repeating: 0, count: width * height * channels)
    for i in pixels.indices { pixels[i] = UInt8((i * 37 + i / channels) % 256) }
    return Image8(width: width, height: height, channels: channels, pixels: pixels)
}

@Suite struct PNGTests {
    @Test(arguments: [1, 2, 3, 4])
    func roundTripKeepsPixels(channels: Int) throws {
        let path = temporaryDirectory() + "/image.png"
        let image = gradient(width: 13, height: 7, channels: channels)
        try PNG.write(path: path, image: image)
        #expect(try PNG.read(path: path) == image)
    }

    @Test func convertsChannelsOnRead() throws {
        let path = temporaryDirectory() + "/gray.png"
        let gray = gradient(width: 5, height: 4, channels: 1)
        try PNG.write(path: path, image: gray)
        let rgb = try PNG.read(path: path, channels: 3)
        #expect(rgb.channels == 3)
        for i in 0..<(5 * 4) {
            #expect(rgb.pixels[i * 3] == gray.pixels[i] && rgb.pixels[i * 3 + 2] == gray.pixels[i])
        }
    }

    @Test func rejectsNonPNG() throws {
        let path = temporaryDirectory() + "/text.png"
        let text = Array("this is not a PNG file at all".utf8)
        try AtomicFile.write(path: path, bytes: text)
        #expect { try PNG.read(path: path) } throws: { ($0 as? LatentDiffError)?.status == .format }
    }

    @Test func rejectsTruncatedPNG() throws {
        let directory = temporaryDirectory()
        try PNG.write(path: directory + "/full.png", image: gradient(width: 64, height: 64, channels: 3))
        let file = fopen(directory + "/full.png", "rb")!
        var bytes = [UInt8](repeating: 0, count: 1 << 16)
        let size = fread(&bytes, 1, bytes.count, file)
        fclose(file)
        let truncated = Array(bytes[0..<(size / 2)])
        try AtomicFile.write(path: directory + "/half.png", bytes: truncated)
        #expect { try PNG.read(path: directory + "/half.png") } throws: { ($0 as? LatentDiffError)?.status == .format }
    }

    /// A header announcing 1,000,000 x 1,000 pixels over a few hundred bytes (found by fuzz_png):
    /// refused before the 1 GB buffer is allocated.
    @Test func rejectsHeaderLargerThanTheFileCanHold() throws {
        let directory = temporaryDirectory()
        try PNG.write(path: directory + "/small.png", image: gradient(width: 4, height: 4, channels: 1))
        guard let file = fopen(directory + "/small.png", "rb") else { Issue.record("cannot reopen"); return }
        var bytes = [UInt8](repeating: 0, count: 4096)
        bytes.removeLast(4096 - fread(&bytes, 1, bytes.count, file))
        fclose(file)
        // IHDR: length (8..<12), "IHDR" (12..<16), width (16..<20), height (20..<24), ..., CRC (29..<33).
        bytes.replaceSubrange(16..<24, with: PNGTextChunks.bigEndian(1_000_000) + PNGTextChunks.bigEndian(1000))
        let crc = Array(bytes[12..<29]).withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) }
        bytes.replaceSubrange(29..<33, with: PNGTextChunks.bigEndian(UInt32(truncatingIfNeeded: crc)))
        try AtomicFile.write(path: directory + "/bomb.png", bytes: bytes)
        let error = caught { try PNG.read(path: directory + "/bomb.png") }
        #expect(error?.status == .format && error?.message.contains("cannot fit in its \(bytes.count) bytes") == true,
                "\(error?.message ?? "no error")")
    }

    @Test func missingFileIsIOError() {
        #expect { try PNG.read(path: "/nonexistent/dir/x.png") } throws: { ($0 as? LatentDiffError)?.status == .io }
    }

    @Test func writingIntoMissingDirectoryNamesThePath() {
        let path = "/nonexistent-latentdiff/dir/out.png"
        #expect {
            try PNG.write(path: path, image: gradient(width: 2, height: 2, channels: 1))
        } throws: { error in
            guard let error = error as? LatentDiffError else { return false }
            return error.status == .io && error.message.contains(path)
        }
    }

    @Test func rejectsBadSizes() {
        let pixels = [UInt8](repeating: 0, count: 16)
        for (w, h, c) in [(0, 2, 1), (2, -1, 1), (2, 2, 5), (2, 2, 0)] {
            #expect(throws: LatentDiffError.self) {
                try pixels.withUnsafeBufferPointer {
                    try PNG.write(path: "/tmp/never.png", pixels: $0.baseAddress!, width: w, height: h, channels: c)
                }
            }
        }
    }
}

@Suite struct ImageGridTests {
    @Test func placesImagesInRowsWithGaps() throws {
        // Three 2x1 gray images valued 10, 20, 30 in a grid of 2 columns, gap 1, background 0.
        let pixels: [UInt8] = [10, 10, 20, 20, 30, 30]
        let grid = try ImageGrid.compose(pixels: pixels, count: 3, width: 2, height: 1, channels: 1, columns: 2, gap: 1)
        #expect(grid.width == 7 && grid.height == 5)
        #expect(Array(grid.pixels[7..<14]) == [0, 10, 10, 0, 20, 20, 0])
        #expect(Array(grid.pixels[21..<28]) == [0, 30, 30, 0, 0, 0, 0])
    }

    @Test func automaticColumnsMakeASquare() throws {
        let pixels = [UInt8](repeating: 255, count: 10 * 4 * 4 * 3)
        let grid = try ImageGrid.compose(pixels: pixels, count: 10, width: 4, height: 4, channels: 3)
        #expect(grid.width == 4 * 6 + 2 && grid.height == 3 * 6 + 2)
    }

    @Test func rejectsBadArguments() {
        let pixels = [UInt8](repeating: 0, count: 16)
        #expect(throws: LatentDiffError.self) { try ImageGrid.compose(pixels: pixels, count: 0, width: 2, height: 2, channels: 1) }
        #expect(throws: LatentDiffError.self) { try ImageGrid.compose(pixels: pixels, count: 1, width: 2, height: 2, channels: 1, columns: -1) }
        #expect(throws: LatentDiffError.self) { try ImageGrid.compose(pixels: pixels, count: 1, width: 2, height: 2, channels: 7) }
    }
}

@Suite struct PNGTextAndNPYTests {
    @Test func textChunksAreWrittenAndTheImageStillReads() throws {
        let path = temporaryDirectory() + "/text.png"
        let image = gradient(width: 8, height: 5, channels: 3)
        try PNG.write(path: path, image: image, text: [("Software", "LatentDiff"), ("seed", "42")])
        #expect(try PNG.read(path: path) == image)
        let file = fopen(path, "rb")!
        var bytes = [UInt8](repeating: 0, count: 4096)
        let size = fread(&bytes, 1, bytes.count, file)
        bytes.removeLast(bytes.count - size)
        fclose(file)
        func contains(_ needle: [UInt8]) -> Bool {
            (0...(bytes.count - needle.count)).contains { Array(bytes[$0..<($0 + needle.count)]) == needle }
        }
        #expect(contains(Array("tEXtSoftware".utf8) + [0] + Array("LatentDiff".utf8)))
        #expect(contains(Array("tEXtseed".utf8) + [0] + Array("42".utf8)))
        #expect(throws: LatentDiffError.self) { try PNG.write(path: path, image: image, text: [("", "x")]) }
    }

    /// Latin-1 values are tEXt (one byte per character), others iTXt in UTF-8; NUL becomes '?'.
    @Test func textBeyondLatin1IsKeptAsUTF8() throws {
        let path = temporaryDirectory() + "/names.png"
        let image = gradient(width: 4, height: 3, channels: 1)
        try PNG.write(path: path, image: image, text: [("classes", "caf\u{e9}"), ("names", "猫 → café"), ("nul", "a\u{0}b")])
        #expect(try PNG.read(path: path) == image, "libpng reads it past the chunks")
        let file = fopen(path, "rb")!
        var png = [UInt8](repeating: 0, count: 4096)
        png.removeLast(png.count - fread(&png, 1, png.count, file))
        fclose(file)
        var chunks: [(type: String, data: [UInt8])] = []
        var at = 8
        while at + 12 <= png.count {
            let length = png[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) }
            chunks.append((String(decoding: png[(at + 4)..<(at + 8)], as: UTF8.self), Array(png[(at + 8)..<(at + 8 + length)])))
            at += 12 + length
        }
        #expect(chunks.count >= 5 && chunks[0].type == "IHDR")
        #expect(chunks[1].type == "tEXt" && chunks[1].data == Array("classes".utf8) + [0, 0x63, 0x61, 0x66, 0xE9])
        #expect(chunks[2].type == "iTXt" && chunks[2].data == Array("names".utf8) + [0, 0, 0, 0, 0] + Array("猫 → café".utf8))
        #expect(chunks[3].type == "tEXt" && chunks[3].data == Array("nul".utf8) + [0] + Array("a?b".utf8))
    }

    @Test func npyHeaderAndValues() throws {
        let bytes = try NPY.encode([1, -2, 0.5, 3, 4, 5], shape: [2, 3])
        #expect(bytes.count == 128 + 24)
        #expect(Array(bytes[0..<8]) == [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"))
        #expect(Array(bytes[(10 + headerLength)..<(14 + headerLength)]) == [0, 0, 0x80, 0x3f])  // 1.0f
        #expect(throws: LatentDiffError.self) { try NPY.encode([1, 2], shape: [3]) }
    }
}
