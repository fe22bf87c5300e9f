import ArgumentParser
import LatentDiffCLI
import LatentDiffDiffusion
import LatentDiffKernels
import LatentDiffPipeline

struct PCA2DCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pca2d",
        abstract: "The PCA-2D baseline on MNIST: fit, train the MLP DDPM, sample, scatter plot and distances.")

    @Option(help: "MNIST directory.") var data: String
    @Option(help: "Training time in minutes.") var minutes: Double?
    @Option(help: "Training steps (instead of minutes).") var steps: Int?
    @Option(help: "MLP width.") var width = 128
    @Option(help: "MLP residual blocks.") var blocks = 3
    @Option(help: "Batch size.") var batchSize = 256
    @Option(help: "Peak learning rate.") var learningRate: Float = 1e-3
    @Option(help: "A model an earlier pca2d run wrote: skip fitting and training, sample and measure it.") var model: String?
    @Option(help: "Sampler.") var sampler: SamplerSettings.Kind = .dpmSolver
    @Option(help: "Sampling steps.") var samplingSteps = 25
    @Option(help: "Seed.") var seed: UInt64 = 0
    @Option(help: "Threads.") var threads = 2
    @Option(help: "Output directory (model files, scatter plot).") var out: String

    func run() throws {
        try reportingErrors {
            Parallel.threadCount = try validThreads(threads)
            var experiment = PCA2DExperiment(dataDirectory: data, outputDirectory: out)
            experiment.budget = steps == nil && minutes == nil ? .minutes(3) : try TrainingBudget.from(steps: steps, minutes: minutes)
            experiment.settings = SamplerSettings(kind: sampler, steps: samplingSteps)
            experiment.width = width
            experiment.blocks = blocks
            experiment.batchSize = batchSize
            experiment.learningRate = learningRate
            experiment.trainedModel = model
            experiment.seed = seed
            experiment.threads = threads
            _ = try experiment.run()
        }
    }
}
