import ArgumentParser
import LatentDiffCLI
import LatentDiffDiffusion
import LatentDiffPipeline

@main
struct LatentDiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latentdiff",
        abstract: "Train and sample small latent-diffusion image generators on the CPU.",
        version: LatentDiffVersion.string,
        subcommands: [VersionCommand.self, PNGDemoCommand.self, DataCommand.self, InfoCommand.self, ModelDefaultsCommand.self, AttachGuideCommand.self, TrainCodecCommand.self, ReconstructCommand.self, TrainCommand.self, TrainAllCommand.self, SampleCommand.self, PCA2DCommand.self, TrainClassifierCommand.self, EvalCommand.self, CompareCommand.self, BenchCommand.self])

    static func main() { mainWithOneLineErrors() }
}
