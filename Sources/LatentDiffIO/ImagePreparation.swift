import LatentDiffKernels

/// What alpha is composited over: out = (c * a + b * (255 - a)) / 255, rounded.
public enum Background: String, Sendable, CaseIterable {
    case white, black, gray

    /// The background's 8-bit value in every channel: 255, 0, 128.
    public var value: Int {
        switch self {
        case .white: 255
        case .black: 0
        case .gray: 128
        }
    }
}

/// How a folder's images become training images: decoded (PNG or JPEG, any size, gray, gray +
/// alpha, RGB or RGBA), alpha composited over `background`, converted to `channels` (1 or 3),
/// center-cropped to the square of the smaller side s, then area-resized from s x s to
/// `size` x `size` (each output pixel the mean of the source area it covers, partial pixels
/// weighted by their covered fraction: a box filter, exact for integer factors).
public struct ImagePreparation: Sendable, Equatable {
    /// The most pixels an image's header may state: 64 Mpx (a 8192 x 8192 photo). Checked before
    /// anything is allocated, so a decompression bomb costs nothing.
    public static let maxPixels = 64 << 20
    /// The largest image file read (a 64 Mpx PNG or JPEG is far smaller).
    public static let maxFileBytes = 256 << 20

    public var size: Int
    public var channels: Int
    public var background: Background

    public init(size: Int, channels: Int, background: Background) throws(LatentDiffError) {
        guard (4...512).contains(size) else { throw .invalidArgument("the image size must be in 4...512 pixels, not \(size)") }
        guard channels == 1 || channels == 3 else { throw .invalidArgument("channels must be 1 or 3, not \(channels)") }
        self.size = size
        self.channels = channels
        self.background = background
    }

    /// The image file formats read, by file name extension (case-insensitive).
    public enum FileType: Sendable {
        case png, jpeg

        /// The type a file name's extension names (.png, .jpg, .jpeg), or nil for any other file.
        public init?(fileName: [UInt8]) {
            guard let dot = fileName.lastIndex(of: UInt8(ascii: ".")) else { return nil }
            switch String(decoding: fileName[(dot + 1)...], as: UTF8.self).lowercased() {
            case "png": self = .png
            case "jpg", "jpeg": self = .jpeg
            default: return nil
            }
        }
    }

    /// The width and height an image file's header states.
    public static func headerSize(bytes: [UInt8], type: FileType, name: String) throws(LatentDiffError) -> (width: Int, height: Int) {
        switch type {
        case .png: try PNG.size(bytes: bytes, name: name)
        case .jpeg: try JPEG.size(bytes: bytes, name: name)
        }
    }

    /// Decodes an image file's bytes and prepares it: (C, size, size) bytes, planar.
    public func prepare(bytes: [UInt8], type: FileType, name: String) throws(LatentDiffError) -> [UInt8] {
        let image: Image8
        switch type {
        case .png: image = try PNG.decode(bytes: bytes, name: name, channels: channels + 1, maxPixels: Self.maxPixels)
        case .jpeg: image = try JPEG.decode(bytes: bytes, name: name, channels: channels, maxPixels: Self.maxPixels)
        }
        return prepare(image)
    }

    /// (H, W, C) with C = channels or channels + 1 (alpha last) -> (channels, size, size).
    public func prepare(_ image: Image8) -> [UInt8] {
        let (w, h, stride) = (image.width, image.height, image.channels)
        let hasAlpha = stride == channels + 1
        let side = min(w, h)
        guard side > 0, image.pixels.count == w * h * stride, stride == channels || hasAlpha else {
            return [UInt8](repeating: UInt8(background.value), count: channels * size * size)
        }
        let (x0, y0) = ((w - side) / 2, (h - side) / 2)
        let weights = Self.boxWeights(from: side, to: size)
        let bg = background.value
        var out = [UInt8](repeating: 0, count: channels * size * size)
        var rows = [Double](repeating: 0, count: size * side)  // one channel resized vertically: (size, side)
        for c in 0..<channels {
            // Vertical pass over the crop: rows[i, x] = sum_j weight(i, j) * pixel(y0 + j, x0 + x).
            for i in 0..<size {
                for x in 0..<side { rows[i * side + x] = 0 }
                for (j, weight) in weights[i] {
                    let base = ((y0 + j) * w + x0) * stride
                    for x in 0..<side {
                        let p = base + x * stride
                        var value = Int(image.pixels[p + c])
                        if hasAlpha {
                            let a = Int(image.pixels[p + channels])
                            value = (value * a + bg * (255 - a) + 127) / 255
                        }
                        rows[i * side + x] += weight * Double(value)
                    }
                }
            }
            // Horizontal pass: out[c, i, k] = sum_x weight(k, x) * rows[i, x], rounded.
            for i in 0..<size {
                for k in 0..<size {
                    var sum = 0.0
                    for (x, weight) in weights[k] { sum += weight * rows[i * side + x] }
                    out[(c * size + i) * size + k] = UInt8(max(0, min(255, sum.rounded())))
                }
            }
        }
        return out
    }

    /// For each of `n` output pixels, the source pixels of 0..<s it covers and their weights:
    /// output i covers [i s / n, (i + 1) s / n); source j weighs its overlap with that interval
    /// divided by the interval's length s / n (weights sum to 1).
    static func boxWeights(from s: Int, to n: Int) -> [[(Int, Double)]] {
        (0..<n).map { i in
            let start = Double(i * s) / Double(n), end = Double((i + 1) * s) / Double(n)
            var taps: [(Int, Double)] = []
            var j = Int(start.rounded(.down))
            while Double(j) < end, j < s {
                let overlap = min(end, Double(j + 1)) - max(start, Double(j))
                if overlap > 1e-12 { taps.append((j, overlap / (end - start))) }
                j += 1
            }
            return taps
        }
    }
}
