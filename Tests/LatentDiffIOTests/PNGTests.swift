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
        try text.withUnsafeBytes { try AtomicFile.write(path: path, bytes: $0) }
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
        try truncated.withUnsafeBytes { try AtomicFile.write(path: directory + "/half.png", bytes: $0) }
        #expect { try PNG.read(path: directory + "/half.png") } throws: { ($0 as? LatentDiffError)?.status == .format }
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
