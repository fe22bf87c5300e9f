import LatentDiffKernels

/// NumPy's .npy format, version 1.0, little-endian float32: magic "\x93NUMPY", version (1, 0),
/// u16 header length, a Python-dict header padded with spaces to a multiple of 64 bytes ending
/// in a newline, then the raw values in C order.
public enum NPY {
    public static func encode(_ values: [Float], shape: [Int]) throws(LatentDiffError) -> [UInt8] {
        guard shape.reduce(1, *) == values.count else {
            throw .invalidArgument("npy: \(values.count) values do not fill shape \(shape)")
        }
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = Array("{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }".utf8)
        let unpadded = 10 + header.count + 1
        header += [UInt8](repeating: 0x20, count: (64 - unpadded % 64) % 64) + [0x0A]
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xff), UInt8(header.count >> 8)]
        bytes += header
        bytes.reserveCapacity(bytes.count + 4 * values.count)
        for value in values {
            let bits = value.bitPattern.littleEndian
            bytes += [UInt8(bits & 0xff), UInt8((bits >> 8) & 0xff), UInt8((bits >> 16) & 0xff), UInt8(bits >> 24)]
        }
        return bytes
    }

    /// Writes `values` of `shape` to `path` atomically.
    public static func write(path: String, values: [Float], shape: [Int]) throws(LatentDiffError) {
        try AtomicFile.write(path: path, bytes: try encode(values, shape: shape))
    }
}
