import Testing
import LatentDiffKernels
@testable import LatentDiffIO

#if canImport(Glibc)
import Glibc
#endif

@Suite struct PackedImagesTests {
    @Test func theCacheIsWrittenReusedAndRebuiltWhenTheFolderChanges() throws {
        let directory = temporaryDirectory()
        #expect(mkdir(directory + "/images", 0o755) == 0)
        for name in ["image-00.png", "image-01.jpg", "image-02.png", "image-03.jpg"] {
            try copyFile(folderFixture("flat") + "/" + name, directory + "/images/" + name)
        }
        let settings = ImageFolderSettings(size: 16, channels: 3, cachePath: directory + "/images.ldpack")
        let first = try loadFolder(directory + "/images", settings)
        #expect(first.log.contains { $0.hasPrefix("wrote the image cache") })
        let second = try loadFolder(directory + "/images", settings)
        #expect(second.log.count == 1 && second.log[0].contains("from the cache"), "\(second.log)")   // nothing decoded
        #expect(second.train.allPixels() == first.train.allPixels() && second.test.allPixels() == first.test.allPixels())
        #expect(second.train.labels == first.train.labels)

        // Other settings or another file list: decoded again.
        var gray = settings
        gray.channels = 1
        #expect(try loadFolder(directory + "/images", gray).log.contains { $0.contains("decoding again") })
        try copyFile(folderFixture("flat") + "/image-04.png", directory + "/images/new.png")
        let third = try loadFolder(directory + "/images", settings)
        #expect(third.log.contains { $0.contains("decoding again") } && third.train.count + third.test.count == 5)

        // A truncated cache is reported and rebuilt.
        #expect(truncate(directory + "/images.ldpack", 100) == 0)
        let fourth = try loadFolder(directory + "/images", settings)
        #expect(fourth.log.contains { $0.contains("images.ldpack") && $0.contains("not a valid image cache") && $0.contains("decoding again") },
                "\(fourth.log)")
        #expect(try PackedImages.read(path: directory + "/images.ldpack").count == 5)
    }

    @Test func theReaderRefusesEveryDamageWithAnErrorNamingTheFile() throws {
        let directory = temporaryDirectory()
        let path = directory + "/good.ldpack"
        _ = try ImageFolder.pack(directory: folderFixture("labelled"),
                                 settings: ImageFolderSettings(size: 8, cachePath: path), log: { _ in })
        let good = try contents(path)
        let packed = try PackedImages.read(path: path)
        #expect(packed.count == 36 && packed.classNames.count == 3 && packed.size == 8)
        let headerLength = Int(PackedImages.word(good, 12))
        let tables = 16 + headerLength
        func damaged(_ name: String, _ change: (inout [UInt8]) -> Void) throws {
            var bytes = good
            change(&bytes)
            let bad = directory + "/" + name
            try writeFile(bad, bytes)
            do {
                _ = try PackedImages.read(path: bad)
                Issue.record("\(name): read without an error")
            } catch {
                #expect(error.status == .format && error.message.contains(bad), "\(name): \(error.message)")
            }
        }
        try damaged("magic") { $0[0] = UInt8(ascii: "X") }
        try damaged("version") { $0[8] = 2 }
        try damaged("header-length") { $0[12...15] = [0xFF, 0xFF, 0xFF, 0x7F] }
        try damaged("header-json") { $0[16] = UInt8(ascii: "[") }
        try damaged("truncated") { $0.removeLast(1) }
        try damaged("longer") { $0.append(0) }
        try damaged("empty") { $0 = [] }
        try damaged("label") { $0[tables...(tables + 3)] = [3, 0, 0, 0] }     // 3 classes: labels 0...2
        try damaged("negative-label") { $0[tables...(tables + 3)] = [0xFF, 0xFF, 0xFF, 0xFF] }
        try damaged("split") { $0[tables + 4 * 36] = 2 }
        for (key, value) in [("\"count\":36", "\"count\":37"), ("\"channels\":3", "\"channels\":2"), ("\"size\":8", "\"size\":9"),
                             ("\"background\":\"white\"", "\"background\":\"green\""), ("\"count\":36", "\"count\":-1")] {
            let text = String(decoding: good[16..<tables], as: UTF8.self)
            try #require(text.contains(key), "\(text)")
            try damaged("field-\(value.filter(\.isLetter))") { bytes in
                var header = Array(text.replacing(key, with: value).utf8)
                header += [UInt8](repeating: UInt8(ascii: " "), count: max(0, headerLength - header.count))
                bytes.replaceSubrange(16..<tables, with: header.prefix(headerLength))
            }
        }
    }

    @Test func aPackFileIsADataSetAndKindsAreDescribedByFields() throws {
        let directory = temporaryDirectory()
        let path = directory + "/flat.ldpack"
        _ = try ImageFolder.pack(directory: folderFixture("flat"), settings: ImageFolderSettings(size: 16, cachePath: path), log: { _ in })
        let kind = Dataset.Kind.detect(directory: path)
        #expect(kind.name == "pack")
        let train = try Dataset.load(kind, directory: path, split: .train)
        let test = try Dataset.load(kind, directory: path, split: .test)
        #expect(train.count + test.count == 10 && train.height == 16)
        #expect(Dataset.Kind.detect(directory: fixtureDirectory("mnist")).name == "mnist")
        #expect(Dataset.Kind.detect(directory: fixtureDirectory("cifar10")).name == "cifar10")
        #expect(Dataset.Kind.detect(directory: folderFixture("labelled")).name == "folder")
        #expect(Dataset.Kind.mnist.flipAugmentation == false && Dataset.Kind.cifar10.flipAugmentation)
        #expect(Dataset.Kind.parse("svhn") == nil && Dataset.Kind.parse("cifar10")?.name == "cifar10")
        // Model files name their data set in free text: known names as such, others a folder.
        #expect(Dataset.Kind.named("mnist", imageShape: [1, 28, 28]).name == "mnist")
        let folder = Dataset.Kind.named("my pictures", imageShape: [1, 24, 24])
        #expect(folder.name == "folder" && folder.folder?.size == 24 && folder.folder?.channels == 1)
        #expect(Dataset.Kind.folder().cachePath(directory: "/data/cats/", beside: "/out/model.safetensors") == "/out/cats-autox3-white.ldpack")
        #expect(Dataset.Kind.mnist.cachePath(directory: "/data", beside: "/out/m.safetensors") == nil)
    }
}
