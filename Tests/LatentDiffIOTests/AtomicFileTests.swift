import Testing
import LatentDiffKernels
@testable import LatentDiffIO

#if canImport(Glibc)
import Glibc
#endif

@Suite struct AtomicFileTests {
    /// A killed process leaves `path.tmp-<pid>-<n>` behind; `removeStale` removes those of
    /// processes that are gone, and nothing else.
    @Test func removesTemporaryFilesOfDeadProcessesOnly() throws {
        let directory = temporaryDirectory()
        let path = directory + "/model.safetensors"
        let dead = try #require((1...4_000_000).reversed().lazy.map { Int32($0) }.first { kill($0, 0) != 0 && errno == ESRCH })
        let names = ["model.safetensors", "model.safetensors.tmp-\(dead)-3", "model.safetensors.tmp-\(getpid())-1",
                     "model.safetensors.tmp-x-1", "other.safetensors.tmp-\(dead)-1", "model.safetensors.ckpt.tmp-\(dead)-2"]
        for name in names { try AtomicFile.write(path: directory + "/" + name, bytes: [1, 2, 3]) }
        #expect(AtomicFile.removeStale(path: path) == 1)
        let left = names.filter { access(directory + "/" + $0, F_OK) == 0 }
        #expect(left == names.filter { $0 != "model.safetensors.tmp-\(dead)-3" })
        #expect(AtomicFile.removeStale(path: path + ".ckpt") == 1)
        #expect(AtomicFile.removeStale(path: directory + "/missing/x") == 0)
    }

    /// `checkWritable` accepts a new or existing file in a writable directory and rejects a
    /// missing directory and a path that is itself a directory.
    @Test func checkWritableRejectsMissingParentsAndDirectories() throws {
        let directory = temporaryDirectory()
        try AtomicFile.checkWritable(path: directory + "/new.png")
        try AtomicFile.write(path: directory + "/old.png", bytes: [1])
        try AtomicFile.checkWritable(path: directory + "/old.png")
        #expect(throws: LatentDiffError.self) { try AtomicFile.checkWritable(path: directory + "/missing/x.png") }
        #expect(mkdir(directory + "/folder", 0o755) == 0)
        #expect(throws: LatentDiffError.self) { try AtomicFile.checkWritable(path: directory + "/folder") }
        #expect(throws: LatentDiffError.self) { try AtomicFile.checkWritable(path: directory) }
    }
}
