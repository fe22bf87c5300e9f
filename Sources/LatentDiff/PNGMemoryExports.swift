import LatentDiffIO
import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

/// The most text chunks one ld_encode_png call takes.
let maxTextChunks: Int32 = 1024

@c public func ld_encode_png(
    _ pixels: UnsafePointer<UInt8>?, _ width: Int32, _ height: Int32, _ channels: Int32,
    _ textKeys: UnsafePointer<UnsafePointer<CChar>?>?, _ textValues: UnsafePointer<UnsafePointer<CChar>?>?, _ textCount: Int32,
    _ outPNG: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?, _ outPNGSize: UnsafeMutablePointer<Int>?
) -> Int32 {
    withStatus("ld_encode_png") { () throws(LatentDiffError) in
        let pixels = try required(pixels, "pixels")
        let outPNG = try required(outPNG, "out_png")
        let outPNGSize = try required(outPNGSize, "out_png_size")
        guard (0...maxTextChunks).contains(textCount) else {
            throw .invalidArgument("text_count must be in 0...\(maxTextChunks), not \(textCount)")
        }
        var text: [(key: String, value: String)] = []
        if textCount > 0 {
            let keys = try required(textKeys, "text_keys"), values = try required(textValues, "text_values")
            for i in 0..<Int(textCount) {
                let key = try required(keys[i], "text_keys[\(i)]"), value = try required(values[i], "text_values[\(i)]")
                text.append((String(cString: key), String(cString: value)))
            }
        }
        let png = try PNG.encode(pixels: pixels, width: Int(width), height: Int(height), channels: Int(channels), text: text)
        outPNG.pointee = try mallocCopy(png)
        outPNGSize.pointee = png.count
    }
}

@c public func ld_free_buffer(_ buffer: UnsafeMutableRawPointer?) {
    free(buffer)
}

/// `bytes` in a new malloc'ed buffer (freed by ld_free_buffer).
func mallocCopy(_ bytes: [UInt8]) throws(LatentDiffError) -> UnsafeMutablePointer<UInt8> {
    guard let buffer = malloc(max(bytes.count, 1))?.assumingMemoryBound(to: UInt8.self) else {
        throw LatentDiffError(.outOfMemory, "cannot allocate \(bytes.count) bytes")
    }
    bytes.withUnsafeBufferPointer { source in
        if let base = source.baseAddress { buffer.update(from: base, count: source.count) }
    }
    return buffer
}
