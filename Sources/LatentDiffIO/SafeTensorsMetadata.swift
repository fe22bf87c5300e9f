import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

extension SafeTensorsFile {
    /// Replaces the `__metadata__` of the safetensors file at `path` with `metadata`, atomically
    /// (`AtomicFile`), leaving the data section byte for byte and every tensor's header entry as
    /// they are (dtype and offsets relative to the data section, so F16/BF16 tensors stay so):
    ///
    ///     u64 N' | header' (the new __metadata__, then the old tensor entries, space-padded to
    ///     a multiple of 8) | the old data section
    ///
    /// The file is parsed first as `read(path:)` parses it, so a damaged file is refused (`.format`)
    /// before anything is written.
    public static func rewriteMetadata(path: String, _ metadata: [(key: String, value: String)]) throws(LatentDiffError) {
        _ = try read(path: path)
        let source = try FileSource(path: path)
        let lengthBytes = try source.next(8)
        let length = (0..<8).reduce(0) { $0 | Int(lengthBytes[$1]) << (8 * $1) }
        guard let members = try JSON.parse(try source.next(length)).objectValue else {
            throw .format("'\(path)': the JSON header is not an object")
        }
        var keys = Set<String>()
        for (key, _) in metadata where !keys.insert(key).inserted {
            throw .invalidArgument("metadata key \(quoted(key)) appears twice")
        }
        var header: [(key: String, value: JSON)] = metadata.isEmpty
            ? [] : [("__metadata__", .object(metadata.map { (key: $0.key, value: .string($0.value)) }))]
        header += members.filter { $0.key != "__metadata__" }
        var headerBytes = Array(JSON.object(header).serialized().utf8)
        headerBytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - headerBytes.count % 8) % 8))
        let data = try source.next(source.size - 8 - length)
        try AtomicFile.write(path: path) { (file) throws(LatentDiffError) in
            var lengthField = UInt64(headerBytes.count).littleEndian
            let written = fwrite(&lengthField, 1, 8, file) + fwrite(headerBytes, 1, headerBytes.count, file)
                + (data.isEmpty ? 0 : fwrite(data, 1, data.count, file))
            guard written == 8 + headerBytes.count + data.count else {
                throw .io("cannot write '\(path)': \(String(cString: strerror(errno)))")
            }
        }
    }
}
