import ArgumentParser
import LatentDiffCLI

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a diffusion model on a codec's latents (or on pixels with --codec identity); writes one model file.")

    @OptionGroup var options: TrainOptions

    func run() throws {
        try reportingErrors { try options.job().run() }
    }
}
