import CLatentDiffABI
import Testing
@testable import LatentDiff

#if canImport(Glibc)
import Glibc
#endif

/// Tests/Fixtures/<name>.
func fixture(_ name: String) -> String {
    var components = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
    components.removeLast(2)  // LatentDiffTests/DatasetEntryPointTests.swift
    return components.joined(separator: "/") + "/Fixtures/" + name
}

/// ld_dataset_check called as C calls it.
@Suite struct DatasetEntryPointTests {
    @Test(arguments: [("mnist", LD_SPLIT_TRAIN, 300), ("mnist", LD_SPLIT_TEST, 100),
                      ("cifar10", LD_SPLIT_TRAIN, 300), ("cifar10", LD_SPLIT_TEST, 100)])
    func countsTheFixtures(kind: String, split: ld_split, expected: Int64) {
        var count: Int64 = -1
        #expect(LatentDiff.ld_dataset_check(fixture(kind), kind, split.rawValue, &count) == 0, "\(String(cString: LatentDiff.ld_last_error()))")
        #expect(count == expected)
        #expect(LatentDiff.ld_dataset_check(fixture(kind), kind, split.rawValue, nil) == 0, "out_count may be NULL")
    }

    @Test func badCallsAndDirectoriesReturnStatusCodes() throws {
        var count: Int64 = -1
        let cases: [(String?, String?, UInt32, Int32, String)] = [
            (nil, "mnist", 0, -1, "directory is NULL"),
            (fixture("mnist"), nil, 0, -1, "kind is NULL"),
            (fixture("mnist"), "svhn", 0, -1, "unknown data set kind 'svhn'"),
            (fixture("mnist"), "mnist", 2, -1, "split must be"),
            ("/nonexistent/mnist", "mnist", 0, -2, "/nonexistent/mnist"),
            (fixture("cifar10"), "mnist", 0, -2, "no MNIST train images"),
            (fixture("mnist"), "cifar10", 1, -2, "no CIFAR-10 test batches"),
        ]
        for (directory, kind, split, status, words) in cases {
            #expect(LatentDiff.ld_dataset_check(directory, kind, split, &count) == status)
            #expect(String(cString: LatentDiff.ld_last_error()).contains(words), "\(String(cString: LatentDiff.ld_last_error()))")
        }
        // A truncated batch: a format error naming the file.
        let directory = "/tmp/latentdiff-dataset-\(getpid())"
        mkdir(directory, 0o755)
        defer { unlink(directory + "/test_batch.bin"); rmdir(directory) }
        let file = fopen(directory + "/test_batch.bin", "wb")
        fwrite([UInt8](repeating: 1, count: 100), 1, 100, file)
        fclose(file)
        #expect(LatentDiff.ld_dataset_check(directory, "cifar10", 1, &count) == -3)
        #expect(String(cString: LatentDiff.ld_last_error()).contains("test_batch.bin"))
        #expect(count == -1, "out_count is untouched on failure")
    }

    @Test func foldersAndBrokenFoldersThroughTheABI() {
        var count: Int64 = -1
        #expect(LatentDiff.ld_dataset_check(fixture("folders/labelled"), "folder", LD_SPLIT_TRAIN.rawValue, &count) == 0)
        #expect(count == 31)
        #expect(LatentDiff.ld_dataset_check(fixture("folders/labelled"), "folder", LD_SPLIT_TEST.rawValue, &count) == 0)
        #expect(count == 5)
        #expect(LatentDiff.ld_dataset_check(fixture("folders/broken"), "folder", LD_SPLIT_TRAIN.rawValue, &count) == 0)
        #expect(count == 2, "the broken images are skipped, the two good ones read")
        // No image at all: a format error, count untouched; a cache that is not one: the same.
        count = -1
        #expect(LatentDiff.ld_dataset_check(fixture("mnist"), "folder", LD_SPLIT_TRAIN.rawValue, &count) == -3)
        #expect(String(cString: LatentDiff.ld_last_error()).contains("no images in"))
        #expect(LatentDiff.ld_dataset_check(fixture("folders/broken/readme.txt"), "pack", LD_SPLIT_TRAIN.rawValue, &count) == -3)
        #expect(String(cString: LatentDiff.ld_last_error()).contains("readme.txt"))
        #expect(count == -1)
    }
}
