import ArgumentParser
import LatentDiffCLI
import LatentDiffKernels
import LatentDiffPipeline

struct TrainAllCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-all",
        abstract: "Train a codec and a denoiser on a folder of images (or MNIST, CIFAR-10, a pack) in one budget.",
        discussion: """
            The codec gets a quarter of the budget, the denoiser the rest. A labelled folder (images in \
            sub-folders) trains a class-conditional model. Writes OUT, NAME.codec.safetensors, their loss \
            curves (.loss.png), NAME.samples.png (one row per class), NAME.reconstructions.png and the memorization report \
            (NAME.memorization.png and .json). \
            --resume continues a killed run from its checkpoints.
            """)

    @OptionGroup var source: DataOptions
    @Option(help: "Training time in minutes, codec and denoiser together.") var minutes: Double?
    @Option(help: "Training steps, codec and denoiser together (instead of --minutes).") var steps: Int?
    @Option(help: "Latent channels of the codec.") var latent = 4
    @Option(help: "Codec stage widths, comma-separated (default: 32 then 64s, down to an 8x8 latent).") var codecWidths: String?
    @Option(help: "U-Net widths, comma-separated (default 48,96).") var widths: String?
    @Option(help: "Batch size.") var batchSize = 128
    @Option(help: "Samples of the memorization report written at the end (0: none).") var memorizationSamples = 500
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Threads.") var threads = 2
    @Option(help: "Seconds between checkpoints.") var checkpointSeconds: Double = 60
    @Flag(help: "Continue from the checkpoints of a killed run.") var resume = false
    @Option(help: "Output model file (NAME.safetensors).") var out: String

    func run() throws {
        try reportingErrors {
            let threads = try validThreads(threads)
            Parallel.threadCount = threads
            var job = TrainAllJob(dataset: try source.kind(output: out), dataDirectory: source.data, outputPath: out)
            job.budget = try TrainingBudget.from(steps: steps, minutes: minutes)
            job.latentChannels = latent
            job.codecWidths = try codecWidths.map(parseIntegerList)
            job.denoiserWidths = try widths.map(parseIntegerList)
            job.batchSize = batchSize
            guard (0...100_000).contains(memorizationSamples) else {
                throw LatentDiffError.invalidArgument("--memorization-samples must be in 0...100000, not \(memorizationSamples)")
            }
            job.memorizationSamples = memorizationSamples
            job.seed = seed
            job.threads = threads
            job.checkpointSeconds = checkpointSeconds
            job.resume = resume
            try job.run()
        }
    }
}
