import LatentDiffNN

/// Between model images, Float (B, C, H, W) in [-1, 1], and 8-bit pixels (B, H, W, C).
public enum ImageConversion {
    /// Model images -> 8-bit pixels: round((x + 1) * 127.5), clamped to 0...255 (NaN -> 0).
    public static func pixels(from images: Tensor) -> [UInt8] {
        let (b, c, h, w) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        var out = [UInt8](repeating: 0, count: images.count)
        let x = images.data
        for n in 0..<b {
            for ch in 0..<c {
                for i in 0..<(h * w) {
                    let v = (x[(n * c + ch) * h * w + i] + 1) * 127.5
                    out[(n * h * w + i) * c + ch] = v >= 0 ? UInt8(min(255, v.rounded())) : 0
                }
            }
        }
        return out
    }

    /// 8-bit pixels (count, H, W, C) -> model images (count, C, H, W): x = p / 127.5 - 1.
    public static func images(from pixels: UnsafePointer<UInt8>, count: Int, channels c: Int, height h: Int, width w: Int) -> Tensor {
        let images = Tensor(zeros: [count, c, h, w])
        let x = images.data
        for n in 0..<count {
            for ch in 0..<c {
                for i in 0..<(h * w) { x[(n * c + ch) * h * w + i] = Float(pixels[(n * h * w + i) * c + ch]) / 127.5 - 1 }
            }
        }
        return images
    }
}
