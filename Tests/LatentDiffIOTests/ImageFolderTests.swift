import Testing
import LatentDiffKernels
@testable import LatentDiffIO

#if canImport(Glibc)
import Glibc
#endif

/// Tests/Fixtures/folders/<name>: cut from CIFAR-10 by scripts/make_folder_fixtures.py.
func folderFixture(_ name: String) -> String { fixtureDirectory("folders/\(name)") }

/// Loads both splits of a folder, collecting what it logs.
func loadFolder(_ directory: String, _ settings: ImageFolderSettings = ImageFolderSettings())
    throws(LatentDiffError) -> (train: Dataset, test: Dataset, log: [String]) {
    var log: [String] = []
    let packed = try ImageFolder.pack(directory: directory, settings: settings) { log.append($0) }
    let kind = Dataset.Kind.folder(settings)
    return (try packed.dataset(kind: kind, split: .train, limit: nil), try packed.dataset(kind: kind, split: .test, limit: nil), log)
}

/// The error `body` throws and the lines it logged.
func folderError(_ directory: String, _ settings: ImageFolderSettings = ImageFolderSettings()) -> (LatentDiffError?, [String]) {
    var log: [String] = []
    do {
        _ = try ImageFolder.pack(directory: directory, settings: settings) { log.append($0) }
        return (nil, log)
    } catch {
        return (error, log)
    }
}

func copyFile(_ from: String, _ to: [UInt8]) throws {
    let bytes = try contents(from)
    let path = (to.map { CChar(bitPattern: $0) }) + [0]
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    try #require(fd >= 0)
    defer { close(fd) }
    #expect(write(fd, bytes, bytes.count) == bytes.count)
}

func copyFile(_ from: String, _ to: String) throws { try copyFile(from, Array(to.utf8)) }

@Suite struct ImageFolderTests {
    @Test func labelledFolderHasSortedClassesAFixedSplitAndTheCommonSize() throws {
        let (train, test, log) = try loadFolder(folderFixture("labelled"))
        #expect(train.classNames == ["airplane", "automobile", "cat"])   // cat/indoor/ is still "cat"
        #expect(train.count + test.count == 36 && test.count == 5)
        #expect(train.classCounts() == [11, 10, 10] && test.classCounts() == [1, 2, 2])
        // Sides 32 (gray/RGB PNG, JPEG), 40, 24, 36 (48x36), 28: the most common is 32.
        #expect([train.channels, train.height, train.width] == [3, 32, 32])
        #expect(log.last?.contains("36 images") == true && log.last?.contains("skipped 1 other files") == true, "\(log)")
        // The split is FNV-1a 64 of the relative path mod 10, whatever else the folder holds.
        let scan = try FolderScan(root: folderFixture("labelled"))
        #expect(scan.images.filter(\.isHeldOut).count == 5)
        #expect(scan.images.filter(\.isHeldOut).map(\.displayPath).contains("cat/cat-00.png"))
        // Pixels are bytes mapped to [-1, 1], and vary.
        let pixels = train.allPixels()
        #expect(pixels.allSatisfy { (-1...1).contains($0) } && Set(pixels).count > 100)
    }

    @Test func flatFolderIsUnlabelledAndGrayWhenAsked() throws {
        let (train, test, _) = try loadFolder(folderFixture("flat"), ImageFolderSettings(size: 16, channels: 1))
        #expect(train.classNames.isEmpty && train.labels.allSatisfy { $0 == 0 })
        #expect(train.count + test.count == 10)
        #expect([train.channels, train.height, train.width] == [1, 16, 16])
        let batch = try train.batch(indices: [0])
        #expect(batch.pixels.count == 256)
    }

    @Test func brokenImagesAreSkippedOneLineEachByName() throws {
        let (train, test, log) = try loadFolder(folderFixture("broken"))
        #expect(train.count + test.count == 2)
        for name in ["truncated.jpg", "truncated.png", "huge-header.png", "not-an-image.png"] {
            #expect(log.filter { $0.hasPrefix("skipped: ") && $0.contains("/\(name)'") }.count == 1, "\(name): \(log)")
        }
        #expect(log.contains { $0.contains("huge-header.png") && $0.contains("31623x31623") && $0.contains("64 Mpx") })
        #expect(log.contains { $0.contains("truncated.jpg") && $0.contains("damaged JPEG") })
        #expect(log.last?.contains("4 broken images") == true)
    }

    @Test(arguments: ["truncated.jpg", "truncated.png", "huge-header.png", "not-an-image.png"])
    func aFolderOfOneBrokenImageIsOneErrorNamingIt(name: String) throws {
        let directory = temporaryDirectory()
        try copyFile(folderFixture("broken") + "/" + name, directory + "/" + name)
        for settings in [ImageFolderSettings(), ImageFolderSettings(size: 32)] {   // header pass and decode pass
            let (error, log) = folderError(directory, settings)
            #expect(error?.status == .format && error?.message.contains("no readable images") == true, "\(String(describing: error))")
            #expect(log.count == 1 && log[0].contains("/\(name)'"), "\(log)")
        }
    }

    @Test func anEmptyFolderOrOneWithoutImagesIsOneError() throws {
        let directory = temporaryDirectory()
        var (error, _) = folderError(directory)
        #expect(error?.status == .format && error?.message.contains("no images in") == true)
        try copyFile(folderFixture("broken") + "/readme.txt", directory + "/readme.txt")
        (error, _) = folderError(directory)
        #expect(error?.message.contains("1 other files") == true, "\(String(describing: error))")
        (error, _) = folderError("/nonexistent/folder")
        #expect(error?.status == .io && error?.message.contains("/nonexistent/folder") == true)
    }

    @Test func unreadableFilesAreReportedAndSkipped() throws {
        let directory = temporaryDirectory()
        #expect(symlink("/nonexistent/image.png", directory + "/dangling.png") == 0)
        // A directory named like an image: found as a folder, holding nothing.
        #expect(mkdir(directory + "/folder.png", 0o755) == 0)
        var (error, log) = folderError(directory)
        #expect(error?.message.contains("no images in") == true, "\(String(describing: error))")
        #expect(log.contains { $0.contains("dangling.png") && $0.contains("No such file") }, "\(log)")
        // With one readable image the rest is skipped and the image loads.
        try copyFile(folderFixture("flat") + "/image-00.png", directory + "/good.png")
        let unreadable = directory + "/locked.png"
        try copyFile(folderFixture("flat") + "/image-00.png", unreadable)
        chmod(unreadable, 0)
        var loaded: Dataset?
        (error, log) = folderError(directory)
        loaded = try? loadFolder(directory).train
        #expect(error == nil && loaded.map { $0.count } ?? 0 >= 1, "\(String(describing: error))")
        if getuid() != 0 {   // root reads any file
            #expect(log.contains { $0.contains("locked.png") && $0.contains("Permission denied") }, "\(log)")
        }
    }

    @Test func symbolicLinkLoopsEndAndEachFolderIsReadOnce() throws {
        let directory = temporaryDirectory()
        #expect(mkdir(directory + "/a", 0o755) == 0 && mkdir(directory + "/a/b", 0o755) == 0)
        try copyFile(folderFixture("flat") + "/image-00.png", directory + "/a/b/one.png")
        #expect(symlink("..", directory + "/a/b/up") == 0)          // a/b/up -> a: a loop
        #expect(symlink(directory, directory + "/a/root") == 0)      // a/root -> the top: a loop
        #expect(symlink("self", directory + "/a/self") == 0)         // a link to itself: ELOOP
        let (train, test, log) = try loadFolder(directory)
        #expect(train.count + test.count == 1)
        #expect(log.filter { $0.contains("already visited") }.count == 2, "\(log)")
        #expect(log.contains { $0.contains("a/self") && $0.contains("Too many levels of symbolic links") }, "\(log)")
    }

    @Test func namesThatAreNotUTF8AreReadAndShownLossily() throws {
        let directory = temporaryDirectory()
        let folder = Array((directory + "/caf").utf8) + [0xE9]                 // "caf\xE9": Latin-1, not UTF-8
        #expect(mkdir(folder.map { CChar(bitPattern: $0) } + [0], 0o755) == 0)
        try copyFile(folderFixture("flat") + "/image-00.png", folder + Array("/\u{1}x".utf8) + [0xFF, 0xFE] + Array(".png".utf8))
        #expect(mkdir(directory + "/plain", 0o755) == 0)
        try copyFile(folderFixture("flat") + "/image-01.jpg", directory + "/plain/b.jpg")
        try copyFile(folderFixture("broken") + "/truncated.jpg", folder + [UInt8(ascii: "/"), 0xC3] + Array(".jpg".utf8))
        let (train, test, log) = try loadFolder(directory)
        #expect(train.count + test.count == 2)
        #expect(train.classNames == ["caf\u{FFFD}", "plain"])
        #expect(log.contains { $0.contains("caf\u{FFFD}/\u{FFFD}.jpg") && $0.contains("damaged JPEG") }, "\(log)")
    }

    @Test func decodingInChunksOnAnyThreadCountGivesTheSameImages() throws {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        for folder in ["labelled", "broken"] {
            Parallel.threadCount = 1
            var log: [String] = []
            let whole = try ImageFolder.pack(directory: folderFixture(folder), settings: ImageFolderSettings(), log: { log.append($0) })
            // Chunks of 2: in "broken" the 10^9-pixel header (index 2, skipped by the header pass)
            // starts a chunk.
            for (threads, chunk) in [(2, 2), (2, 5), (1, 3)] {
                Parallel.threadCount = threads
                var again: [String] = []
                let packed = try ImageFolder.pack(
                    directory: folderFixture(folder), settings: ImageFolderSettings(), log: { again.append($0) }, chunk: chunk)
                #expect(Array(packed.store.bytes) == Array(whole.store.bytes) && packed.labels == whole.labels, "\(folder) \(chunk)")
                #expect(packed.heldOut == whole.heldOut && again == log)
            }
        }
    }

    @Test func mixedSizesAreCroppedAndResizedToTheRequestedSize() throws {
        let (train, _, _) = try loadFolder(folderFixture("labelled"), ImageFolderSettings(size: 8, channels: 3, background: .black))
        #expect([train.channels, train.height, train.width] == [3, 8, 8])
        #expect(ImageFolder.defaultSize([24: 3, 32: 3, 40: 1]) == 24)   // ties to the smaller
        #expect(ImageFolder.defaultSize([500: 9, 32: 1]) == 64 && ImageFolder.defaultSize([2: 5]) == 8)
        #expect(throws: LatentDiffError.self) { try ImagePreparation(size: 2, channels: 3, background: .white) }
        #expect(throws: LatentDiffError.self) { try ImagePreparation(size: 32, channels: 2, background: .white) }
    }
}

@Suite struct ImagePreparationTests {
    @Test func boxResizeAveragesTheCoveredAreaAfterACenterCrop() throws {
        // A 10x8 gray image (v = 3 x + 20 y, border columns 0 and 9 = 255): the crop is its middle
        // 8x8 (columns 1...8), halved to 4x4: each output the mean of a 2x2 block.
        var pixels: [UInt8] = []
        for y in 0..<8 {
            for x in 0..<10 { pixels.append(x == 0 || x == 9 ? 255 : UInt8(3 * x + 20 * y)) }
        }
        let out = try ImagePreparation(size: 4, channels: 1, background: .white)
            .prepare(Image8(width: 10, height: 8, channels: 1, pixels: pixels))
        // Block rows 2i, 2i+1, columns 1 + 2k, 2 + 2k: mean 3 (1.5 + 2k) + 20 (2i + 0.5) = 14.5 + 6k + 40i.
        var expected: [UInt8] = []
        for i in 0..<4 {
            for k in 0..<4 { expected.append(UInt8((14.5 + Double(6 * k + 40 * i)).rounded())) }
        }
        #expect(out == expected)
        // 3 -> 2: output 0 covers source [0, 1.5): (a + b / 2) / 1.5.
        let weights = ImagePreparation.boxWeights(from: 3, to: 2)
        #expect(weights[0].map(\.0) == [0, 1] && abs(weights[0][0].1 - 2.0 / 3) < 1e-12 && abs(weights[0][1].1 - 1.0 / 3) < 1e-12)
        #expect(weights.allSatisfy { abs($0.reduce(0) { $0 + $1.1 } - 1) < 1e-12 })
    }

    @Test(arguments: [(Background.white, UInt8(255)), (.black, 0), (.gray, 128)])
    func alphaIsCompositedOverTheBackground(background: Background, value: UInt8) throws {
        // RGBA 1x1: red at alpha 0 -> the background; at alpha 255 -> red; at 51 -> 1/5 red.
        let prep = try ImagePreparation(size: 4, channels: 3, background: background)
        #expect(prep.prepare(Image8(width: 1, height: 1, channels: 4, pixels: [255, 0, 0, 0])) == [UInt8](repeating: value, count: 48))
        #expect(prep.prepare(Image8(width: 1, height: 1, channels: 4, pixels: [255, 0, 0, 255])).prefix(16).allSatisfy { $0 == 255 })
        let fifth = prep.prepare(Image8(width: 1, height: 1, channels: 4, pixels: [255, 0, 0, 51]))
        #expect(fifth[0] == UInt8((255 * 51 + Int(value) * 204 + 127) / 255) && fifth[16] == UInt8((Int(value) * 204 + 127) / 255))
    }

    @Test func fileTypesComeFromTheExtension() {
        #expect(ImagePreparation.FileType(fileName: Array("a.PNG".utf8)) == .png)
        #expect(ImagePreparation.FileType(fileName: Array("b.Jpeg".utf8)) == .jpeg)
        #expect(ImagePreparation.FileType(fileName: Array("c.jpg".utf8)) == .jpeg)
        #expect(ImagePreparation.FileType(fileName: Array("png".utf8)) == nil)
        #expect(ImagePreparation.FileType(fileName: Array("d.gif".utf8)) == nil)
    }

    @Test func jpegDecodesGrayAndColourAndRefusesBombs() throws {
        let bytes = try contents(folderFixture("flat") + "/image-01.jpg")
        let rgb = try JPEG.decode(bytes: bytes, name: "x", channels: 3, maxPixels: 1 << 20)
        #expect(rgb.width == 32 && rgb.height == 32 && rgb.pixels.count == 3072)
        let gray = try JPEG.decode(bytes: bytes, name: "x", channels: 1, maxPixels: 1 << 20)
        #expect(gray.pixels.count == 1024)
        #expect(throws: LatentDiffError.self) { try JPEG.decode(bytes: bytes, name: "x", channels: 3, maxPixels: 1000) }
        #expect(throws: LatentDiffError.self) { try JPEG.decode(bytes: Array(bytes.prefix(100)), name: "x", channels: 3, maxPixels: 1 << 20) }
        #expect(throws: LatentDiffError.self) { try JPEG.decode(bytes: [], name: "x", channels: 3, maxPixels: 1 << 20) }
    }
}
