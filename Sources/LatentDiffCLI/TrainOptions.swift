import ArgumentParser
import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import LatentDiffPipeline

/// The options of `latentdiff train` (and of `latentdiff-mpi train`, which runs the same job on
/// every rank).
public struct TrainOptions: ParsableArguments {
    @Option(help: "A codec file from train-codec, or 'identity' for pixel space.") var codec: String
    @OptionGroup var source: DataOptions
    @Flag(help: "Class-conditional (labels dropped 10% of the time for guidance).") var conditional = false
    @Option(help: "Training steps.") var steps: Int?
    @Option(help: "Training time in minutes.") var minutes: Double?
    @Option(help: "Batch size.") var batchSize = 128
    @Option(help: "Peak learning rate (default 2e-4 U-Net, 1e-3 MLP).") var learningRate: Float?
    @Option(help: "Denoiser widths, comma-separated (U-Net 48,96; MLP 256).") var widths: String?
    @Option(help: "MLP residual blocks.") var blocks = 3
    @Option(help: "U-Net ResBlocks per level (1-8).") var resBlocks = 1
    @Flag(inversion: .prefixedNo, help: "U-Net: self-attention at the lowest level.") var attention = true
    @Option(help: ArgumentHelp("Decay of the weights' exponential moving average (the saved weights), in [0, 1); "
                               + "step t uses min(decay, (1 + t) / (10 + t))."))
    var emaDecay: Float = 0.999
    @Option(help: "Noise schedule: linear or cosine.") var schedule: NoiseSchedule.Kind = .cosine
    @Option(help: "Prediction target: epsilon or v.") var prediction: PredictionType = .v
    @Option(help: "Loss weighting over noise levels: none, min-snr (min-SNR-5) or edm (log-normal levels).")
    var lossWeighting: LossWeightingKind = .minSNR
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Threads.") var threads = 2
    @Option(help: "Seconds between checkpoints (written to OUT.ckpt).") var checkpointSeconds: Double = 60
    @Flag(help: "Continue from OUT.ckpt.") var resume = false
    @Option(help: "Output model file (.safetensors).") var out: String

    public init() {}

    /// The job these options describe; also sets the process's thread count.
    public func job() throws -> DiffusionTrainingJob {
        Parallel.threadCount = try validThreads(threads)
        var job = DiffusionTrainingJob(dataset: try source.kind(output: out), dataDirectory: source.data,
                                       codecPath: codec == "identity" ? nil : codec, outputPath: out)
        job.conditional = conditional
        job.budget = try TrainingBudget.from(steps: steps, minutes: minutes)
        job.batchSize = batchSize
        job.learningRate = learningRate
        job.widths = try widths.map(parseIntegerList)
        job.blocks = blocks
        job.resBlocks = resBlocks
        job.attention = attention
        job.emaDecay = emaDecay
        job.schedule = schedule
        job.prediction = prediction
        job.lossWeighting = lossWeighting
        job.seed = seed
        job.checkpointSeconds = checkpointSeconds
        job.resume = resume
        return job
    }
}
