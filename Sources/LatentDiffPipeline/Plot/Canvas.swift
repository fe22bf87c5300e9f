import LatentDiffIO
import LatentDiffKernels

/// An RGB raster for plots: (H, W, 3) bytes, origin top-left.
public struct Canvas {
    public let width: Int
    public let height: Int
    public private(set) var pixels: [UInt8]

    public typealias Color = (UInt8, UInt8, UInt8)
    public static let white: Color = (255, 255, 255)
    public static let black: Color = (0, 0, 0)
    public static let gray: Color = (200, 200, 200)

    /// Ten distinguishable colours (Tableau 10), one per class.
    public static let palette: [Color] = [
        (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
        (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
    ]

    public init(width: Int, height: Int, background: Color = Canvas.white) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, width: width, height: height, color: background)
    }

    /// Sets one pixel, blending with `alpha` in [0, 1]; outside the canvas nothing happens.
    public mutating func plot(x: Int, y: Int, color: Color, alpha: Float = 1) {
        guard (0..<width).contains(x), (0..<height).contains(y) else { return }
        let i = (y * width + x) * 3
        let blend = { (old: UInt8, new: UInt8) in UInt8(Float(old) * (1 - alpha) + Float(new) * alpha) }
        pixels[i] = blend(pixels[i], color.0)
        pixels[i + 1] = blend(pixels[i + 1], color.1)
        pixels[i + 2] = blend(pixels[i + 2], color.2)
    }

    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: Color, alpha: Float = 1) {
        for yy in y..<(y + h) { for xx in x..<(x + w) { plot(x: xx, y: yy, color: color, alpha: alpha) } }
    }

    /// A straight line (Bresenham).
    public mutating func line(from a: (Int, Int), to b: (Int, Int), color: Color) {
        var (x, y) = a
        let dx = abs(b.0 - x), dy = -abs(b.1 - y)
        let sx = x < b.0 ? 1 : -1, sy = y < b.1 ? 1 : -1
        var error = dx + dy
        while true {
            plot(x: x, y: y, color: color)
            if x == b.0 && y == b.1 { break }
            let e2 = 2 * error
            if e2 >= dy { error += dy; x += sx }
            if e2 <= dx { error += dx; y += sy }
        }
    }

    /// Text in the 5x7 bitmap font, `scale` pixels per font pixel, top-left at (x, y).
    public mutating func text(_ string: String, x: Int, y: Int, color: Color = Canvas.black, scale: Int = 1) {
        var cursor = x
        for character in string.uppercased() {
            let rows = BitmapFont.glyph(character)
            for (row, bits) in rows.enumerated() {
                for column in 0..<5 where bits & (1 << (4 - column)) != 0 {
                    fill(x: cursor + column * scale, y: y + row * scale, width: scale, height: scale, color: color)
                }
            }
            cursor += 6 * scale
        }
    }

    public static func textWidth(_ string: String, scale: Int = 1) -> Int { string.count * 6 * scale }

    public func write(path: String) throws(LatentDiffError) {
        try PNG.write(path: path, image: Image8(width: width, height: height, channels: 3, pixels: pixels))
    }
}
