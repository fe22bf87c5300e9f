import ArgumentParser
import LatentDiffCLI
import LatentDiffDiffusion
import LatentDiffKernels

/// Sets the sampling defaults stored in a model file (what `sample`, `ld_sample_params_init_for_model`
/// and the bindings use when not told), without retraining: the configuration JSON is rewritten
/// atomically, the tensors' bytes are kept.
struct ModelDefaultsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model-defaults",
        abstract: "Show or set a model file's default guidance, guidance interval and rescale, autoguidance, steps, sampler and spacing, and its class names.",
        discussion: "With no setting given, prints the stored defaults. The file is rewritten atomically; its tensors are unchanged.")

    @Option(help: "The model file (.safetensors) to change in place.") var model: String
    @Option(help: "Classifier-free guidance scale in [0, 100] (1 = none).") var guidance: Float?
    @Option(help: "Denoising steps, 1...T of the model's schedule.") var steps: Int?
    @Option(help: "Sampler: \(SamplerSettings.Kind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var sampler: SamplerSettings.Kind?
    @Option(help: "Step spacing: \(NoiseSchedule.Spacing.allCases.map(\.rawValue).joined(separator: ", ")), or 'sampler' for the sampler's own.")
    var spacing: String?
    @Option(help: "Guide only at noise levels sigma/alpha in LOW,HIGH (e.g. 0.3,5), or 'all' for every step.")
    var guidanceInterval: String?
    @Option(help: "Guidance rescale phi in [0, 1] (0 = off).") var guidanceRescale: Float?
    @Option(help: "Autoguidance weight w >= 0 (0 = off; needs a guide denoiser, `latentdiff attach-guide`).") var autoguidance: Float?
    @Option(help: "Class names, comma-separated, one per class label (e.g. for a model trained before files kept them).")
    var classNames: String?

    func run() throws {
        try reportingErrors {
            let spacingChoice = try spacing.map { (name) throws(LatentDiffError) -> NoiseSchedule.Spacing? in
                if name == "sampler" { return nil }
                guard let value = NoiseSchedule.Spacing(rawValue: name) else {
                    throw .invalidArgument("--spacing takes \(NoiseSchedule.Spacing.allCases.map(\.rawValue).joined(separator: ", ")) or 'sampler', not '\(name)'")
                }
                return value
            }
            let interval = try parseGuidanceInterval(guidanceInterval)
            guard guidance != nil || steps != nil || sampler != nil || spacing != nil || interval != nil || guidanceRescale != nil
                    || autoguidance != nil || classNames != nil else {
                let config = try ModelFile.read(path: model).config
                guard config.denoiser != nil else { throw LatentDiffError.invalidArgument("'\(model)' is a codec, not a diffusion model") }
                print("\(model): \(config.samplingDefaults)")
                return
            }
            let config = try ModelFile.rewriteConfig(path: model) { (config) throws(LatentDiffError) in
                guard config.denoiser != nil else { throw .invalidArgument("'\(model)' is a codec, not a diffusion model") }
                if let guidance { config.samplingDefaults.guidance = guidance }
                if let steps { config.samplingDefaults.steps = steps }
                if let sampler { config.samplingDefaults.sampler = sampler }
                if let spacingChoice { config.samplingDefaults.spacing = spacingChoice }
                if let interval { config.samplingDefaults.guidanceInterval = interval }
                if let guidanceRescale { config.samplingDefaults.guidanceRescale = guidanceRescale }
                if let autoguidance {
                    guard autoguidance == 0 || config.guide != nil else {
                        throw .invalidArgument("--autoguidance needs a guide denoiser in '\(model)' (latentdiff attach-guide)")
                    }
                    config.samplingDefaults.autoguidance = autoguidance
                }
                try config.samplingDefaults.validate(timesteps: config.timesteps)
                if let classNames {
                    let names = classNames.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                    let count = config.denoiser?.classCount ?? 0
                    guard names.count == count, names.allSatisfy({ !$0.isEmpty }) else {
                        throw .invalidArgument("--class-names needs \(count) non-empty names for the model's \(count) classes, not '\(classNames)'")
                    }
                    config.classNames = names
                }
            }
            print("\(model): \(config.samplingDefaults)")
        }
    }
}
