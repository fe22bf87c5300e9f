import LatentDiffIO
import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

@c public func ld_write_png(
    _ path: UnsafePointer<CChar>?, _ pixels: UnsafePointer<UInt8>?,
    _ width: Int32, _ height: Int32, _ channels: Int32
) -> Int32 {
    withStatus("ld_write_png") { () throws(LatentDiffError) in
        let path = String(cString: try required(path, "path"))
        try PNG.write(
            path: path, pixels: try required(pixels, "pixels"),
            width: Int(width), height: Int(height), channels: Int(channels))
    }
}

@c public func ld_read_png(
    _ path: UnsafePointer<CChar>?, _ channels: Int32,
    _ outPixels: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?,
    _ outWidth: UnsafeMutablePointer<Int32>?, _ outHeight: UnsafeMutablePointer<Int32>?,
    _ outChannels: UnsafeMutablePointer<Int32>?
) -> Int32 {
    withStatus("ld_read_png") { () throws(LatentDiffError) in
        let path = String(cString: try required(path, "path"))
        let outPixels = try required(outPixels, "out_pixels")
        let image = try PNG.read(path: path, channels: Int(channels))
        guard let buffer = malloc(image.pixels.count)?.assumingMemoryBound(to: UInt8.self) else {
            throw LatentDiffError(.outOfMemory, "cannot allocate \(image.pixels.count) bytes")
        }
        UnsafeMutableRawBufferPointer(start: buffer, count: image.pixels.count).copyBytes(from: image.pixels)
        outPixels.pointee = buffer
        outWidth?.pointee = Int32(image.width)
        outHeight?.pointee = Int32(image.height)
        outChannels?.pointee = Int32(image.channels)
    }
}

@c public func ld_free_pixels(_ pixels: UnsafeMutablePointer<UInt8>?) {
    free(pixels)
}

@c public func ld_write_grid_png(
    _ path: UnsafePointer<CChar>?, _ pixels: UnsafePointer<UInt8>?, _ count: Int32,
    _ width: Int32, _ height: Int32, _ channels: Int32, _ columns: Int32
) -> Int32 {
    withStatus("ld_write_grid_png") { () throws(LatentDiffError) in
        let path = String(cString: try required(path, "path"))
        let grid = try ImageGrid.compose(
            pixels: try required(pixels, "pixels"), count: Int(count), width: Int(width),
            height: Int(height), channels: Int(channels), columns: Int(columns))
        try PNG.write(path: path, image: grid)
    }
}
