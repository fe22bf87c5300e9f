import LatentDiffKernels

/// Lays out equally sized images in rows, with a gap between them.
public enum ImageGrid {
    /// `count` images of (height, width, channels) stored one after another in `pixels` become one
    /// image with `columns` per row (0: the smallest n with n * n >= count), separated and
    /// surrounded by `gap` pixels of `background`.
    public static func compose(
        pixels: UnsafePointer<UInt8>, count: Int, width: Int, height: Int, channels: Int,
        columns: Int = 0, gap: Int = 2, background: UInt8 = 0
    ) throws(LatentDiffError) -> Image8 {
        guard count > 0, count <= 1 << 20 else { throw .invalidArgument("grid image count must be in 1...1048576, not \(count)") }
        guard columns >= 0 else { throw .invalidArgument("columns must be 0 (automatic) or positive, not \(columns)") }
        try PNG.validate(width: width, height: height, channels: channels)
        var perRow = columns
        if perRow == 0 { while perRow * perRow < count { perRow += 1 } }
        perRow = min(perRow, count)
        let rows = (count + perRow - 1) / perRow
        let gridWidth = perRow * (width + gap) + gap, gridHeight = rows * (height + gap) + gap
        try PNG.validate(width: gridWidth, height: gridHeight, channels: channels)
        var grid = [UInt8](repeating: background, count: gridWidth * gridHeight * channels)
        let rowBytes = width * channels
        grid.withUnsafeMutableBufferPointer { out in
            for image in 0..<count {
                let left = gap + (image % perRow) * (width + gap), top = gap + (image / perRow) * (height + gap)
                let source = pixels + image * height * rowBytes
                for y in 0..<height {
                    let destination = ((top + y) * gridWidth + left) * channels
                    for i in 0..<rowBytes { out[destination + i] = source[y * rowBytes + i] }
                }
            }
        }
        return Image8(width: gridWidth, height: gridHeight, channels: channels, pixels: grid)
    }
}
