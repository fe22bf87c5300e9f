import ArgumentParser
import LatentDiffDiffusion
import LatentDiffKernels
import LatentDiffPipeline

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the LatentDiff version and its math backend.")

    @Flag(help: "Also the CPU, its vector features and the kernel path in use.") var verbose = false

    func run() {
        print("latentdiff \(LatentDiffVersion.string)")
        print("products: fixed-order kernel (\(KernelPath.current.rawValue) path), \(Parallel.threadCount) thread(s)")
        guard verbose else { return }
        print("cpu: \(CPUInfo.modelName)")
        print("cpu flags: \(CPUInfo.vectorFlags)")
        print("kernel paths this CPU runs: \(KernelPath.supported.map(\.rawValue).joined(separator: ", ")) "
              + "(in use: \(KernelPath.current.rawValue); LATENTDIFF_KERNEL=avx512|avx2|portable picks a slower one)")
    }
}
