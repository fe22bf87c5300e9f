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
        commandName: "eval",
        abstract: "Measure a model: reconstruction PSNR, memorization; with a classifier Fréchet distance, class accuracy; text and JSON.",
        discussion: """
            The data set is read as the model was trained on it (a folder at the model's image size, \
            channels and background); --size, --channels and --background must agree with the model. \
            Without --model, measures the classifier itself: its accuracy on the test set. A codec \
            file (train-codec) as --model gets the reconstruction figures alone: PSNR and, with a \
            classifier, the Fréchet distance of reconstructions and the accuracy on them.
            """)

    @Option(help: "Model file, or codec file (reconstruction figures only).") var model: String?
    @Option(help: "Classifier file (train-classifier on the same data set); optional with --model.") var classifier: String?
    @OptionGroup var source: DataOptions
    @Option(help: "Samples (use >= 10000 for reported numbers).") var count = 10_000
    @Option(help: "Sampler: \(SamplerSettings.Kind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var sampler: SamplerSettings.Kind?
    @Option(help: "Sampling steps (default: the model's).") var steps: Int?
    @Option(help: "Step spacing (default: the model's with its sampler, else the sampler's own).") var spacing: NoiseSchedule.Spacing?
    @Option(help: "Guidance scale (default: the model's).") var guidance: Float?
    @Option(help: "Guide only at noise levels sigma/alpha in LOW,HIGH, or 'all' (default: the model's).") var guidanceInterval: String?
    @Option(help: "Guidance rescale phi in [0, 1] (default: the model's).") var guidanceRescale: Float?
    @Option(help: "Autoguidance weight w >= 0 (needs a guide denoiser; default: the model's).") var autoguidance: Float?
    @Option(help: "Seed.") var seed: UInt64 = 0
    @Option(help: "Threads.") var threads = 2
    @Option(help: "Also write the report as JSON here.") var json: String?
    @Option(help: "Write the samples closest to a training image beside those images to this PNG (with --guidance-sweep, one per scale: NAME-g<scale>.png).")
    var pairs: String?
    @Option(help: "Evaluate at each of these comma-separated guidance scales (e.g. 1,1.5,2,3,4,6); needs --classifier.")
    var guidanceSweep: String?
    @Option(help: "With --guidance-sweep: draw class accuracy and Fréchet distance / floor against guidance here (PNG).")
    var plot: String?

    func run() throws {
        try reportingErrors {
            let threads = try validThreads(self.threads)
            Parallel.threadCount = threads
            guard let model else {
                guard let classifier else { throw LatentDiffError.invalidArgument("give --model, --classifier or both") }
                let loaded = try ClassifierFile.read(path: classifier).classifier
                let dataset = Dataset.Kind.named(loaded.config.dataset, imageShape: loaded.config.imageShape, background: source.background)
                try testAccuracy(loaded, test: try Dataset.load(dataset, directory: source.data, split: .test))
                return
            }
            for path in [json, plot, pairs].compactMap({ $0 }) { try AtomicFile.checkWritable(path: path) }
            let config = try ModelFile.read(path: model).config
            if config.denoiser == nil {
                let sampling: [(String, Bool)] = [
                    ("--guidance-sweep", guidanceSweep != nil), ("--plot", plot != nil), ("--pairs", pairs != nil),
                    ("--sampler", sampler != nil), ("--steps", steps != nil), ("--spacing", spacing != nil),
                    ("--guidance", guidance != nil), ("--guidance-interval", guidanceInterval != nil),
                    ("--guidance-rescale", guidanceRescale != nil), ("--autoguidance", autoguidance != nil)]
                if let (flag, _) = sampling.first(where: \.1) {
                    throw LatentDiffError.invalidArgument("\(model) is a codec file: nothing is sampled, so \(flag) does not apply")
                }
                var evaluation = CodecEvaluation(codecPath: model, classifierPath: classifier, dataDirectory: source.data)
                evaluation.dataset = try modelDataset(config)
                let figures = try evaluation.run()
                if let json { try AtomicFile.write(path: json, bytes: Array(figures.json.serialized().utf8)) }
                return
            }
            try Evaluation.checkCount(count)
            var evaluation = Evaluation(modelPath: model, classifierPath: classifier, dataDirectory: source.data)
            evaluation.dataset = try modelDataset(config)
            evaluation.count = count
            evaluation.settings = config.samplingDefaults.settings(
                sampler: sampler, steps: steps, spacing: spacing, guidance: guidance,
                guidanceInterval: try parseGuidanceInterval(guidanceInterval), guidanceRescale: guidanceRescale,
                autoguidance: autoguidance)
            evaluation.seed = seed
            evaluation.threads = threads
            evaluation.pairsPath = pairs
            guard let guidanceSweep else {
                if plot != nil { throw LatentDiffError.invalidArgument("--plot draws a guidance sweep: give --guidance-sweep") }
                let report = try evaluation.run()
                if let json { try AtomicFile.write(path: json, bytes: Array(report.json.serialized().utf8)) }
                return
            }
            if guidance != nil { throw LatentDiffError.invalidArgument("give --guidance or --guidance-sweep, not both") }
            let points = try GuidanceCurve(evaluation: evaluation, guidances: try parseFloatList(guidanceSweep)).run()
            if let json { try AtomicFile.write(path: json, bytes: Array(GuidanceCurve.json(points).serialized().utf8)) }
            if let plot {
                let name = String(model.split(separator: "/").last ?? "").uppercased()
                let s = evaluation.settings
                try GuidanceCurve.plot(points, title: "\(name): \(s.kind.rawValue.uppercased()) \(s.steps) STEPS, \(count) SAMPLES", path: plot)
                print("wrote \(plot)")
            }
        }
    }

    /// The data set as `config`'s model was trained on it: the kind it names at its image shape,
    /// over its recorded folder background (--background for files that record none); a folder
    /// model reads a packed cache file given as --data, else the folder, reusing the cache
    /// training left beside the model (or --cache). --dataset and --size must agree with it.
    func modelDataset(_ config: ModelConfig) throws -> Dataset.Kind {
        let shape = config.codec.imageShape
        let kind = Dataset.Kind.named(config.dataset, imageShape: shape, background: config.folderBackground ?? source.background)
        if let named = source.dataset, named != kind.name {
            throw LatentDiffError.invalidArgument("the model was trained on \(kind.name) data, not \(named)")
        }
        guard let folder = kind.folder, let model = self.model else { return kind }
        if let size = source.size, size != folder.size {
            throw LatentDiffError.invalidArgument("the model makes \(shape.map(String.init).joined(separator: "x")) images: --size \(size) does not match")
        }
        if Dataset.Kind.detect(directory: source.data).name == Dataset.Kind.pack.name { return .pack }
        if let cache = source.cache { return kind.caching(at: cache) }
        return kind.cachingBeside(model, directory: source.data)
    }
}
