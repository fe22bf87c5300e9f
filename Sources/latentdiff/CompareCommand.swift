import ArgumentParser
import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import LatentDiffCLI
import LatentDiffPipeline

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Train every codec + denoiser configuration on one budget and write a comparison report.")

    @OptionGroup var source: DataOptions
    @Option(help: "Denoiser training minutes per configuration.") var minutes: Double?
    @Option(help: "Denoiser training steps per configuration (instead of minutes).") var steps: Int?
    @Option(help: "Codec training minutes (VAEs).") var codecMinutes: Double?
    @Option(help: "Codec training steps (instead of minutes).") var codecSteps: Int?
    @Option(help: "Classifier file for Fréchet distance and accuracy (train-classifier).") var classifier: String?
    @Option(help: "Samples per evaluation.") var count = 2000
    @Option(help: "Use only the first N training images (quick runs).") var limit: Int?
    @Option(help: "Threads.") var threads = 2
    @Option(help: "Report directory.") var out: String

    func run() throws {
        try reportingErrors {
            Parallel.threadCount = try validThreads(threads)
            var comparison = Comparison(dataset: try source.kind(output: out + "/"), dataDirectory: source.data, outputDirectory: out)
            comparison.denoiserBudget = try TrainingBudget.from(steps: steps, minutes: minutes)
            comparison.codecBudget = try TrainingBudget.from(steps: codecSteps, minutes: codecMinutes)
            comparison.classifierPath = classifier
            comparison.evaluationCount = count
            comparison.threads = threads
            comparison.trainLimit = limit
            try comparison.run()
        }
    }
}
