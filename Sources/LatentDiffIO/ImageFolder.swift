import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

/// How a folder of images is read: see `ImageFolder`.
public struct ImageFolderSettings: Sendable, Equatable {
    /// Side of the square training images; nil = the default size (`ImageFolder.defaultSize`).
    public var size: Int?
    /// 1 (gray) or 3 (RGB).
    public var channels: Int
    public var background: Background
    /// The packed cache file: reused when its settings and file list match, else (re)written.
    /// nil = decode in memory every time.
    public var cachePath: String?

    public init(size: Int? = nil, channels: Int = 3, background: Background = .white, cachePath: String? = nil) {
        self.size = size
        self.channels = channels
        self.background = background
        self.cachePath = cachePath
    }
}

/// A folder of PNG and JPEG images, read recursively (`FolderScan`), as a data set.
///
/// - Labels: when images sit in sub-folders, each top-level sub-folder is a class, named after
///   it, in sorted (byte) order; images at the top level of such a folder are skipped. A flat
///   folder is unlabelled: no class names, every label 0.
/// - Split: an image is held out for the test split when FNV-1a 64 of its relative path's bytes
///   is 0 mod 10 (about 10%, fixed whatever else the folder holds).
/// - Files that are not .png/.jpg/.jpeg are skipped and counted; an image that cannot be read or
///   decoded (or whose header states more than `ImagePreparation.maxPixels`) is reported by name
///   and skipped. It is an error only when no image is left.
/// - Default size: the most common smaller side among the images (ties to the smaller), capped
///   at 64 and at least 8.
public enum ImageFolder {
    /// Reads the folder (or its cache) and returns all its images; `log` gets one line per
    /// skipped image or folder and one summary line.
    public static func pack(
        directory: String, settings: ImageFolderSettings, log: (String) -> Void, chunk: Int = 512
    ) throws(LatentDiffError) -> PackedImages {
        let scan = try FolderScan(root: directory)
        for problem in scan.problems { log(problem) }
        guard !scan.images.isEmpty else {
            let unreadable = scan.problems.isEmpty ? "" : ", \(scan.problems.count) unreadable or repeated entries"
            throw .format("no images in '\(directory)': it holds no .png, .jpg or .jpeg files (\(scan.otherFiles) other files\(unreadable))")
        }
        guard (settings.channels == 1 || settings.channels == 3) else {
            throw .invalidArgument("channels must be 1 or 3, not \(settings.channels)")
        }
        // Labelled when any image sits in a sub-folder; then the top-level ones are left out.
        let labelled = scan.images.contains { $0.topFolder != nil }
        let entries = labelled ? scan.images.filter { $0.topFolder != nil } : scan.images
        let topLevel = scan.images.count - entries.count
        let fingerprint = Self.fingerprint(entries, settings: settings)

        if let cachePath = settings.cachePath, access(cachePath, F_OK) == 0 {
            do throws(LatentDiffError) {
                let cached = try PackedImages.read(path: cachePath)
                let sizeMatches = settings.size.map { $0 == cached.size } ?? (cached.requestedSize == 0)
                if cached.fingerprint == fingerprint, sizeMatches,
                   cached.channels == settings.channels, cached.background == settings.background {
                    log("\(directory): \(cached.count) images from the cache '\(cachePath)' (\(describe(cached)))")
                    return cached
                }
                log("the cache '\(cachePath)' was made from other files or settings: decoding again")
            } catch {
                log("\(error.message): decoding again")
            }
        }

        var broken = 0
        var skip = Set<Int>()
        func report(_ index: Int, _ error: LatentDiffError) {
            log("skipped: \(error.message)")
            broken += 1
            skip.insert(index)
        }
        let size: Int
        if let requested = settings.size {
            size = requested
        } else {
            var sides: [Int: Int] = [:]
            let headers = inOrder(entries.count) { (index) throws(LatentDiffError) -> Int in
                let entry = entries[index]
                let (w, h) = try ImagePreparation.headerSize(
                    bytes: try scan.read(entry), type: entry.type, name: scan.displayPath(entry.relativePath))
                return min(w, h)
            }
            for (index, header) in headers.enumerated() {
                switch header {
                case .success(let side): sides[side, default: 0] += 1
                case .failure(let error): report(index, error)
                }
            }
            size = defaultSize(sides)
        }
        let preparation = try ImagePreparation(size: size, channels: settings.channels, background: settings.background)
        let classFolders = labelled ? Array(Set(entries.compactMap(\.topFolder))).sorted { $0.lexicographicallyPrecedes($1) } : []
        var pixels: [UInt8] = []
        var labels: [Int32] = []
        var heldOut: [Bool] = []
        // Decoded on the worker threads, `chunk` images at a time, used in order.
        let chunk = max(1, chunk)
        var decoded: [Result<[UInt8], LatentDiffError>] = []
        var decodedChunk = -1
        for (index, entry) in entries.enumerated() where !skip.contains(index) {
            if index / chunk != decodedChunk {
                decodedChunk = index / chunk
                let start = decodedChunk * chunk, end = min(entries.count, start + chunk)
                decoded = inOrder(end - start) { (i) throws(LatentDiffError) -> [UInt8] in
                    guard !skip.contains(start + i) else { return [] }
                    let entry = entries[start + i]
                    return try preparation.prepare(
                        bytes: try scan.read(entry), type: entry.type, name: scan.displayPath(entry.relativePath))
                }
            }
            let image: [UInt8]
            switch decoded[index % chunk] {
            case .success(let bytes): image = bytes
            case .failure(let error):
                report(index, error)
                continue
            }
            guard pixels.count + image.count <= PackedImages.maxPixelBytes, labels.count < PackedImages.maxCount else {
                throw .format("'\(directory)' holds more images than a cache can (\(PackedImages.maxCount))")
            }
            pixels += image
            labels.append(Int32(labelled ? classFolders.firstIndex(of: entry.topFolder ?? []) ?? 0 : 0))
            heldOut.append(entry.isHeldOut)
        }
        guard !labels.isEmpty else {
            throw .format("no readable images in '\(directory)': \(broken) broken, \(scan.otherFiles) other files skipped")
        }
        // Classes keep the indices of every sub-folder holding an image file, readable or not.
        let classNames = classFolders.map { String(decoding: $0, as: UTF8.self) }
        let packed = try PackedImages(
            channels: settings.channels, size: size, background: settings.background, requestedSize: settings.size ?? 0,
            classNames: classNames, fingerprint: fingerprint, labels: labels, heldOut: heldOut,
            store: PixelStore(copying: pixels))
        var skipped: [String] = []
        if scan.otherFiles > 0 { skipped.append("\(scan.otherFiles) other files") }
        if broken > 0 { skipped.append("\(broken) broken images") }
        if topLevel > 0 { skipped.append("\(topLevel) images outside the class folders") }
        if !scan.problems.isEmpty { skipped.append("\(scan.problems.count) unreadable or repeated entries") }
        log("\(directory): \(packed.count) images (\(describe(packed)))\(skipped.isEmpty ? "" : "; skipped \(skipped.joined(separator: ", "))")")
        if let cachePath = settings.cachePath {
            try packed.write(path: cachePath)
            log("wrote the image cache '\(cachePath)'")
        }
        return packed
    }

    /// `work(i)` for i in 0..<count, spread over `Parallel.threadCount` threads, results in order.
    static func inOrder<T>(_ count: Int, _ work: (Int) throws(LatentDiffError) -> T) -> [Result<T, LatentDiffError>] {
        var results = [Result<T, LatentDiffError>?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { slots in
            // One item is a whole file: always worth a thread.
            Parallel.forEach(count, workPerItem: Parallel.minimumWorkToSplit) { range in
                for i in range {
                    do throws(LatentDiffError) { slots[i] = .success(try work(i)) } catch { slots[i] = .failure(error) }
                }
            }
        }
        return results.map { $0 ?? .failure(LatentDiffError(.internalError, "an image was not decoded")) }
    }

    /// The most common smaller side (ties to the smaller), clamped to 8...64.
    static func defaultSize(_ sides: [Int: Int]) -> Int {
        let best = sides.max { a, b in a.value < b.value || (a.value == b.value && a.key > b.key) }?.key ?? 32
        return min(64, max(8, best))
    }

    /// FNV-1a 64 over the channels, background and each image file's relative path, size and modification time.
    static func fingerprint(_ entries: [FolderEntry], settings: ImageFolderSettings) -> UInt64 {
        var hash = fnv1a64(bytes: Array("\(settings.channels) \(settings.background.rawValue)".utf8))
        for entry in entries {
            hash = fnv1a64(bytes: entry.relativePath + [0], seed: hash)
            for value in [Int64(entry.byteCount), entry.modified.seconds, entry.modified.nanoseconds] {
                hash = fnv1a64(bytes: (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }, seed: hash)
            }
        }
        return hash
    }

    static func describe(_ packed: PackedImages) -> String {
        let test = packed.heldOut.filter { $0 }.count
        let classes = packed.classNames.isEmpty ? "unlabelled" : "\(packed.classNames.count) classes"
        return "\(packed.channels)x\(packed.size)x\(packed.size), \(classes), \(packed.count - test) train, \(test) test"
    }
}
