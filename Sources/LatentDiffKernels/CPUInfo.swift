#if canImport(Glibc)
import Glibc
#endif

/// What this machine's CPU is, for benchmark reports: its model name and the vector features the
/// kernels care about, from /proc/cpuinfo (Linux), and the kernel path in use.
public enum CPUInfo {
    /// The flags the kernel paths depend on, in the order reported.
    static let relevantFlags = ["sse4_2", "avx", "fma", "avx2", "avx512f", "avx512dq", "avx512bw", "avx512vl",
                                "avx512_vnni", "avx512_bf16", "amx_tile", "asimd", "sve"]

    /// The first "model name" (x86) or "Model"/"CPU part" (arm64) line of /proc/cpuinfo; "unknown".
    public static let modelName: String = field(["model name", "Model"]) ?? "unknown"

    /// `relevantFlags` this CPU reports ("flags" on x86, "Features" on arm64), space-separated.
    public static let vectorFlags: String = {
        let all = Set((field(["flags", "Features"]) ?? "").split(separator: " ").map(String.init))
        return relevantFlags.filter(all.contains).joined(separator: " ")
    }()

    /// One line: model, path in use, flags.
    public static var summary: String {
        "\(modelName); kernels: \(KernelPath.current.rawValue) (best here: \(KernelPath.best.rawValue)); "
            + "flags: \(vectorFlags.isEmpty ? "none of \(relevantFlags.joined(separator: " "))" : vectorFlags)"
    }

    /// The value of the first line of /proc/cpuinfo whose key is one of `keys`.
    private static func field(_ keys: [String]) -> String? {
        guard let text = readSmallFile("/proc/cpuinfo") else { return nil }
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingWhitespace()
            if keys.contains(key) { return String(line[line.index(after: colon)...].trimmingWhitespace()) }
        }
        return nil
    }

    /// A file's text, read whole (at most 4 MiB); nil when it cannot be read.
    private static func readSmallFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while bytes.count < 4 << 20 {
            let read = fread(&chunk, 1, chunk.count, file)
            if read <= 0 { break }
            bytes.append(contentsOf: chunk[0..<read])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Substring {
    func trimmingWhitespace() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
