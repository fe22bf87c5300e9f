import ArgumentParser
import LatentDiffCLI
import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels

/// Stores a weaker model's denoiser in a model file as its guide denoiser, for autoguidance
/// (Karras et al. 2024): guided outputs become u + g (c - u) with u the guide's output for the
/// same sample and label instead of the model's unconditional output.
struct AttachGuideCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach-guide",
        abstract: "Store a weaker model's denoiser in a model file as its guide denoiser (autoguidance).",
        discussion: """
            The guide must be trained on the model's codec (e.g. `latentdiff train --codec MODEL --widths 32,64 \
            --steps 3500`): the same codec weights, latent standardization, schedule, prediction and classes. \
            Sampling uses it with --autoguidance W (W > 0); store a default weight with `latentdiff model-defaults \
            --autoguidance W`. The file is written atomically.
            """)

    @Option(help: "The model file (.safetensors).") var model: String
    @Option(help: "The model file whose denoiser becomes the guide, or 'none' to remove the guide.") var guide: String
    @Option(help: "Where to write the result (default: over --model).") var out: String?

    func run() throws {
        try reportingErrors {
            let out = self.out ?? model
            try AtomicFile.checkWritable(path: out)
            let file = try Self.readModel(model, role: "--model")
            let guideFile = guide == "none" ? nil : try Self.readModel(guide, role: "--guide")
            let result: ModelFile
            do throws(LatentDiffError) {
                result = try file.withGuide(guideFile)
            } catch {
                throw LatentDiffError.invalidArgument("'\(guide)' as a guide of '\(model)': \(error.message)")
            }
            _ = try DiffusionModel(file: result)
            try result.write(path: out)
            let parameters = result.tensors.filter { ModelFile.denoiserName(ofGuideName: $0.name) != nil }.reduce(0) { $0 + $1.tensor.count }
            print(guideFile == nil ? "wrote \(out): no guide denoiser"
                                   : "wrote \(out): guide denoiser \(result.config.guide.map { "\($0.kind.rawValue) \($0.widths)" } ?? ""), \(parameters) parameters")
        }
    }

    /// A diffusion model file (not a codec, not a training checkpoint).
    static func readModel(_ path: String, role: String) throws -> ModelFile {
        let file = try ModelFile.read(path: path)
        guard file.metadataValue(ModelFile.trainingStateKey) == nil else {
            throw LatentDiffError.invalidArgument("\(role) '\(path)' is a training checkpoint: give the model file training writes")
        }
        guard file.config.denoiser != nil else {
            throw LatentDiffError.invalidArgument("\(role) '\(path)' is a codec, not a diffusion model")
        }
        return file
    }
}
