import CLibPNG
import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

/// An 8-bit image with interleaved channels: `pixels[(y * width + x) * channels + c]` (H, W, C).
public struct Image8: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }
}

/// PNG files through libpng's simplified API (png_image_*), which reports errors through the
/// `png_image` struct instead of longjmp.
public enum PNG {
    /// The largest image either direction accepts, in bytes (keeps w * h * c far from overflow).
    public static let maxBytes = 1 << 30

    /// The most 8-bit output bytes one byte of a valid PNG can become: deflate expands at most
    /// 1032:1, and one stored bit can become 4 bytes (a 1-bit palette image read as RGBA). A header
    /// announcing more than this times the file's size describes an image the file cannot hold.
    static let maxExpansion = 1032 * 32

    /// Writes `pixels` (H, W, C), C in 1 (gray), 2 (gray + alpha), 3 (RGB), 4 (RGBA), to `path`
    /// atomically (a temporary file beside it, then a rename), with `text` as text chunks
    /// (`PNGTextChunks`: tEXt, or iTXt for values beyond Latin-1; keywords of 1-79 printable characters).
    public static func write(
        path: String, pixels: UnsafePointer<UInt8>, width: Int, height: Int, channels: Int,
        text: [(key: String, value: String)] = []
    ) throws(LatentDiffError) {
        let encoded = try encode(pixels: pixels, width: width, height: height, channels: channels, text: text, name: "'\(path)'")
        try AtomicFile.write(path: path, bytes: encoded)
    }

    /// The bytes of the PNG file `write` would write: `pixels` (H, W, C) encoded, with `text` as
    /// text chunks after IHDR. `name` names the image in error messages.
    public static func encode(
        pixels: UnsafePointer<UInt8>, width: Int, height: Int, channels: Int,
        text: [(key: String, value: String)] = [], name: String = "image"
    ) throws(LatentDiffError) -> [UInt8] {
        try validate(width: width, height: height, channels: channels)
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = format(channels: channels)
        // Size query, then the bytes, then the text chunks.
        var size = 0
        guard png_image_write_to_memory(&image, nil, &size, 0, pixels, Int32(width * channels), nil) != 0 else {
            defer { png_image_free(&image) }
            throw .io("cannot encode PNG \(name): \(message(of: image))")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        let ok = bytes.withUnsafeMutableBytes {
            png_image_write_to_memory(&image, $0.baseAddress, &size, 0, pixels, Int32(width * channels), nil)
        }
        defer { png_image_free(&image) }
        guard ok != 0 else { throw .io("cannot encode PNG \(name): \(message(of: image))") }
        return try PNGTextChunks.insert(text, into: Array(bytes.prefix(size)))
    }

    public static func write(path: String, image: Image8, text: [(key: String, value: String)] = []) throws(LatentDiffError) {
        guard image.pixels.count == image.width * image.height * image.channels else {
            throw .invalidArgument("image has \(image.pixels.count) bytes, expected \(image.width)x\(image.height)x\(image.channels)")
        }
        try image.pixels.withUnsafeBufferPointer { (buffer) throws(LatentDiffError) in
            guard let base = buffer.baseAddress else { throw .invalidArgument("empty image") }
            try write(path: path, pixels: base, width: image.width, height: image.height, channels: image.channels, text: text)
        }
    }

    /// Reads a PNG as 8-bit pixels (H, W, C). `channels` 1, 2, 3 or 4 converts to that layout;
    /// 0 keeps the file's own (gray, gray + alpha, RGB or RGBA).
    public static func read(path: String, channels: Int = 0) throws(LatentDiffError) -> Image8 {
        guard (0...4).contains(channels) else {
            throw .invalidArgument("channels must be 0 (as stored), 1, 2, 3 or 4, not \(channels)")
        }
        guard let file = fopen(path, "rb") else {
            throw .io("cannot open '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_stdio(&image, file) != 0 else {
            let reason = message(of: image)
            png_image_free(&image)
            throw .format("'\(path)' is not a readable PNG: \(reason)")
        }
        defer { png_image_free(&image) }
        let storedColor = image.format & UInt32(PNG_FORMAT_FLAG_COLOR) != 0
        let storedAlpha = image.format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0
        let wanted = channels != 0 ? channels : (storedColor ? 3 : 1) + (storedAlpha ? 1 : 0)
        let width = Int(image.width), height = Int(image.height)
        guard width <= 1 << 20, height <= 1 << 20, width * height * wanted <= maxBytes else {
            throw LatentDiffError(.outOfMemory, "'\(path)': a \(width)x\(height) image of \(wanted) channels is over the limit of \(maxBytes) bytes")
        }
        var info = stat()
        // (Divided, not multiplied: the size of a sparse file can be near Int.max.)
        guard fstat(fileno(file), &info) == 0, (width * height * wanted - 1) / maxExpansion < Int(info.st_size) else {
            throw .format("'\(path)' is a damaged PNG: a \(width)x\(height) image cannot fit in its \(info.st_size) bytes")
        }
        image.format = format(channels: wanted)
        var pixels = [UInt8](repeating: 0, count: width * height * wanted)
        let ok = pixels.withUnsafeMutableBytes { buffer in
            png_image_finish_read(&image, nil, buffer.baseAddress, Int32(width * wanted), nil)
        }
        guard ok != 0 else { throw .format("'\(path)' is a damaged PNG: \(message(of: image))") }
        return Image8(width: width, height: height, channels: wanted, pixels: pixels)
    }

    /// The width and height a PNG's header states, without decoding it; `name` names it in errors.
    public static func size(bytes: [UInt8], name: String) throws(LatentDiffError) -> (width: Int, height: Int) {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        let ok = bytes.withUnsafeBufferPointer { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        defer { png_image_free(&image) }
        guard ok != 0 else { throw .format("'\(name)' is not a readable PNG: \(message(of: image))") }
        return (Int(image.width), Int(image.height))
    }

    /// Decodes a PNG held in memory to 8-bit pixels (H, W, C) with `channels` 1...4 (libpng
    /// converts any colour type and bit depth). Refuses, before allocating the pixels, an image
    /// whose header states more than `maxPixels` pixels or more than the bytes can hold.
    public static func decode(
        bytes: [UInt8], name: String, channels: Int, maxPixels: Int
    ) throws(LatentDiffError) -> Image8 {
        guard (1...4).contains(channels) else { throw .invalidArgument("channels must be 1...4, not \(channels)") }
        return try bytes.withUnsafeBufferPointer { (raw) throws(LatentDiffError) -> Image8 in
            var image = png_image()
            image.version = UInt32(PNG_IMAGE_VERSION)
            guard png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count) != 0 else {
                let reason = message(of: image)
                png_image_free(&image)
                throw .format("'\(name)' is not a readable PNG: \(reason)")
            }
            defer { png_image_free(&image) }
            let width = Int(image.width), height = Int(image.height)
            guard width > 0, height > 0, width <= maxPixels / height else {
                throw .format("'\(name)': its header states \(width)x\(height) = \(width * height) pixels, over the limit of \(maxPixels >> 20) Mpx")
            }
            guard (width * height * channels - 1) / maxExpansion < raw.count else {
                throw .format("'\(name)' is a damaged PNG: a \(width)x\(height) image cannot fit in its \(raw.count) bytes")
            }
            image.format = format(channels: channels)
            var pixels = [UInt8](repeating: 0, count: width * height * channels)
            let ok = pixels.withUnsafeMutableBytes { buffer in
                png_image_finish_read(&image, nil, buffer.baseAddress, Int32(width * channels), nil)
            }
            guard ok != 0 else { throw .format("'\(name)' is a damaged PNG: \(message(of: image))") }
            return Image8(width: width, height: height, channels: channels, pixels: pixels)
        }
    }

    /// Throws `.invalidArgument` unless channels is 1...4 and the size is 1...2^20 per side, 1 GiB in all.
    public static func validate(width: Int, height: Int, channels: Int) throws(LatentDiffError) {
        guard (1...4).contains(channels) else {
            throw .invalidArgument("channels must be 1, 2, 3 or 4, not \(channels)")
        }
        guard width > 0, height > 0, width <= 1 << 20, height <= 1 << 20,
              width * height * channels <= maxBytes
        else { throw .invalidArgument("image size \(width)x\(height)x\(channels) is out of range") }
    }

    static func format(channels: Int) -> UInt32 {
        // GRAY = 0, GA = ALPHA, RGB = COLOR, RGBA = COLOR | ALPHA (8-bit sRGB, no colormap).
        let color = channels >= 3 ? UInt32(PNG_FORMAT_FLAG_COLOR) : 0
        let alpha = channels % 2 == 0 ? UInt32(PNG_FORMAT_FLAG_ALPHA) : 0
        return color | alpha
    }

    static func message(of image: png_image) -> String {
        withUnsafeBytes(of: image.message) { raw in
            let bytes = raw.prefix { $0 != 0 }
            let text = String(decoding: bytes, as: UTF8.self)
            return text.isEmpty ? "unknown libpng error" : text
        }
    }
}
