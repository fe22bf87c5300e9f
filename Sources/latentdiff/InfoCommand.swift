import ArgumentParser
import LatentDiffCLI
import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import LatentDiffPipeline

/// Describes a model, codec or checkpoint file after checking it the way its users load it.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Check a model, codec or checkpoint file and describe it: configuration, steps, training state.",
        discussion: "A model is built over its tensors (as `sample` loads it); a codec as `train` loads it; "
            + "a checkpoint's model part too, and its training state is read (as --resume reads it).")

    @Argument(help: "The .safetensors file (a model, a codec, or OUT.ckpt).") var file: String

    func run() throws {
        try reportingErrors {
            let contents = try ModelFile.read(path: file)
            let config = contents.config
            let state = try contents.metadataValue(ModelFile.trainingStateKey).map { try JSON.parse($0) }
            var kind = "codec"
            if config.denoiser != nil {
                var model = contents
                model.tensors.removeAll { $0.name.hasPrefix("train.") }
                _ = try DiffusionModel(file: model)
                kind = "diffusion model"
            } else if state == nil {
                _ = try loadCodec(path: file)
            }
            print("\(file): \(state == nil ? "" : "checkpoint of a ")\(kind) for \(config.dataset)")
            print("codec: \(config.codec.kind.rawValue), image \(config.codec.imageShape), latent \(config.codec.latentShape), \(config.codecSteps) steps")
            if let denoiser = config.denoiser {
                print("denoiser: \(denoiser.kind.rawValue) \(denoiser.widths), \(denoiser.classCount) classes, \(config.denoiserSteps) steps, "
                    + "\(config.schedule.rawValue) schedule of \(config.timesteps), \(config.prediction.rawValue) prediction")
                if let guide = config.guide {
                    print("guide: \(guide.kind.rawValue) \(guide.widths)\(config.metric(ModelFile.guideStepsMetric).map { ", \(Int($0)) steps" } ?? "") (autoguidance)")
                }
                print("sampling defaults: \(config.samplingDefaults)")
                if !config.classNames.isEmpty { print("classes: \(config.classNames.joined(separator: ", "))") }
            }
            if let state {
                let step = try state.int("step", in: "training state")
                print("training state: step \(step), planned \(try state.int("planned_steps", in: "training state"))")
            }
            let values = contents.tensors.reduce(0) { $0 + $1.tensor.count }
            print("tensors: \(contents.tensors.count) (\(values) values)")
        }
    }
}
