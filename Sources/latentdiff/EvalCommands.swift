import ArgumentParser
import LatentDiffCLI
import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import LatentDiffPipeline

struct TrainClassifierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-classifier", abstract: "Train the evaluation classifier on a data set's training images.")

    @OptionGroup var source: DataOptions
    @Option(help: "Training steps.") var steps: Int?
    @Option(help: "Training time in minutes.") var minutes: Double?
    @Option(help: "Base width (multiple of 8).") var width = 32
    @Option(help: "Residual blocks per stage (0: plain network; CIFAR-10 needs 1 or more).") var blocks = 0
    @Option(help: "Batch size.") var batchSize = 128
    @Option(help: "Peak learning rate.") var learningRate: Float = 2e-3
    @Option(help: "Seed.") var seed: UInt64 = 0
    @Option(help: "Threads.") var threads = 2
    @Option(help: "Output classifier file.") var out: String

    func run() throws {
        try reportingErrors {
            Parallel.threadCount = try validThreads(threads)
            var job = ClassifierTrainingJob(dataset: try source.kind(output: out), dataDirectory: source.data, outputPath: out)
            job.budget = try TrainingBudget.from(steps: steps, minutes: minutes)
            job.width = width
            job.blocks = blocks
            job.batchSize = batchSize
            job.learningRate = learningRate
            job.seed = seed
            try job.run()
        }
    }
}

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Measure a model: Fréchet distance, class accuracy, codec ceiling; text and JSON.",
        discussion: "Without --model, measures the classifier itself: its accuracy on the test set.")

    @Option(help: "Model file.") var model: String?
    @Option(help: "Classifier file (train-classifier).") var classifier: String
    @Option(help: "Directory with the model's data set.") var data: String
    @Option(help: "Samples (use >= 10000 for reported numbers).") var count = 10_000
    @Option(help: "Sampler: \(SamplerSettings.Kind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var sampler: SamplerSettings.Kind = .dpmSolver
    @Option(help: "Sampling steps.") var steps = 20
    @Option(help: "Step spacing (default: the sampler's own).") var spacing: NoiseSchedule.Spacing?
    @Option(help: "Guidance scale.") var guidance: Float = 1
    @Option(help: "Guide only at noise levels sigma/alpha in LOW,HIGH.") var guidanceInterval: String?
    @Option(help: "Guidance rescale phi in [0, 1].") var guidanceRescale: Float = 0
    @Option(help: "Seed.") var seed: UInt64 = 0
    @Option(help: "Threads.") var threads = 2
    @Option(help: "Also write the report as JSON here.") var json: String?

    func run() throws {
        try reportingErrors {
            let threads = try validThreads(self.threads)
            Parallel.threadCount = threads
            guard let model else {
                let classifier = try ClassifierFile.read(path: classifier).classifier
                let dataset = Dataset.Kind.named(classifier.config.dataset, imageShape: classifier.config.imageShape)
                try testAccuracy(classifier, test: try Dataset.load(dataset, directory: data, split: .test))
                return
            }
            var evaluation = Evaluation(modelPath: model, classifierPath: classifier, dataDirectory: data)
            evaluation.count = count
            evaluation.settings = SamplerSettings(kind: sampler, steps: steps, spacing: spacing, guidance: guidance)
            evaluation.settings.guidanceInterval = try parseGuidanceInterval(guidanceInterval)
            evaluation.settings.guidanceRescale = guidanceRescale
            evaluation.seed = seed
            evaluation.threads = threads
            let report = try evaluation.run()
            if let json { try AtomicFile.write(path: json, bytes: Array(report.json.serialized().utf8)) }
        }
    }
}
