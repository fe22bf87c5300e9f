import CTurboJPEG
import LatentDiffKernels

/// JPEG files through libjpeg-turbo's TurboJPEG API, which returns errors instead of longjmp'ing.
/// A warning (e.g. "premature end of JPEG file": a truncated file whose missing rows libjpeg would
/// fill with gray) counts as an error: a damaged image is refused, not half-read.
public enum JPEG {
    /// The most pixels a JPEG may state per byte of file: 4096. Real photographs hold well under
    /// 10 pixels per byte, a flat colour a few hundred; a header announcing more describes an image
    /// the file cannot hold, refused before the pixels are allocated.
    public static let maxPixelsPerByte = 4096

    /// The width and height a JPEG's header states, without decoding it.
    public static func size(bytes: [UInt8], name: String) throws(LatentDiffError) -> (width: Int, height: Int) {
        let header = try withDecoder(name: name) { (handle) throws(LatentDiffError) in try readHeader(handle, bytes, name: name) }
        return (header.width, header.height)
    }

    /// Decodes a JPEG held in memory to 8-bit pixels (H, W, C) with `channels` 1 (gray) or 3 (RGB);
    /// libjpeg-turbo converts the stored colour space (gray, YCbCr; CMYK is refused). Refuses,
    /// before allocating the pixels, an image whose header states more than `maxPixels` pixels.
    public static func decode(
        bytes: [UInt8], name: String, channels: Int, maxPixels: Int
    ) throws(LatentDiffError) -> Image8 {
        guard channels == 1 || channels == 3 else { throw .invalidArgument("a JPEG decodes to 1 or 3 channels, not \(channels)") }
        return try withDecoder(name: name) { (handle) throws(LatentDiffError) -> Image8 in
            let (width, height) = try readHeader(handle, bytes, name: name)
            guard width > 0, height > 0, width <= maxPixels / height else {
                throw .format("'\(name)': its header states \(width)x\(height) = \(width * height) pixels, over the limit of \(maxPixels >> 20) Mpx")
            }
            guard (width * height - 1) / maxPixelsPerByte < bytes.count else {
                throw .format("'\(name)' is a damaged JPEG: a \(width)x\(height) image cannot fit in its \(bytes.count) bytes")
            }
            var pixels = [UInt8](repeating: 0, count: width * height * channels)
            let format = channels == 1 ? TJPF_GRAY : TJPF_RGB
            let status = bytes.withUnsafeBufferPointer { source in
                pixels.withUnsafeMutableBufferPointer { target in
                    tjDecompress2(handle, source.baseAddress, UInt(source.count), target.baseAddress,
                                  Int32(width), 0, Int32(height), Int32(format.rawValue), TJFLAG_STOPONWARNING)
                }
            }
            guard status == 0 else { throw .format("'\(name)' is a damaged JPEG: \(message(handle))") }
            return Image8(width: width, height: height, channels: channels, pixels: pixels)
        }
    }

    private static func withDecoder<T>(
        name: String, _ body: (tjhandle) throws(LatentDiffError) -> T
    ) throws(LatentDiffError) -> T {
        guard let handle = tjInitDecompress() else {
            throw LatentDiffError(.outOfMemory, "cannot start a JPEG decoder for '\(name)'")
        }
        defer { tjDestroy(handle) }
        return try body(handle)
    }

    private static func readHeader(_ handle: tjhandle, _ bytes: [UInt8], name: String) throws(LatentDiffError) -> (width: Int, height: Int) {
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let status = bytes.withUnsafeBufferPointer {
            tjDecompressHeader3(handle, $0.baseAddress, UInt($0.count), &width, &height, &subsampling, &colorspace)
        }
        guard status == 0 else { throw .format("'\(name)' is not a readable JPEG: \(message(handle))") }
        guard colorspace != Int32(TJCS_CMYK.rawValue), colorspace != Int32(TJCS_YCCK.rawValue) else {
            throw .unsupported("'\(name)' is a CMYK JPEG; only gray and colour (YCbCr/RGB) JPEGs are read")
        }
        return (Int(width), Int(height))
    }

    private static func message(_ handle: tjhandle) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "unknown libjpeg-turbo error" }
        return String(cString: text)
    }
}
