import ArgumentParser
import LatentDiffKernels
import LatentDiffPipeline

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the LatentDiff version and its math backend.")

    func run() {
        print("latentdiff \(LatentDiffVersion.string)")
        print("sgemm: OpenBLAS (one thread per product), \(Parallel.threadCount) thread(s)")
    }
}
