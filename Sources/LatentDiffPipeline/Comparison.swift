import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import LatentDiffModels
import LatentDiffNN

#if canImport(Glibc)
import Glibc
#endif

/// `latentdiff compare`: the experiment the project exists for. Every configuration — PCA-k,
/// VAE-MLP, VAE-CNN at two latent sizes, pixel space (and PCA-2D on MNIST) — gets the same
/// denoiser training budget (codecs get their own, shared, budget), then is sampled with one
/// sampler and measured. Writes `report/README.md` with one table, plus sample and
/// reconstruction grids. Files already in the report directory are reused.
public struct Comparison {
    public var dataset: Dataset.Kind
    public var dataDirectory: String
    public var outputDirectory: String
    public var codecBudget: TrainingBudget = .minutes(5)
    public var denoiserBudget: TrainingBudget = .minutes(10)
    public var classifierPath: String?
    public var evaluationCount = 2000
    public var settings = SamplerSettings(kind: .dpmSolver, steps: 20, guidance: 2)
    public var denoiserBatchSize = 64
    public var threads = 2
    public var trainLimit: Int?

    public init(dataset: Dataset.Kind, dataDirectory: String, outputDirectory: String) {
        self.dataset = dataset
        self.dataDirectory = dataDirectory
        self.outputDirectory = outputDirectory
    }

    /// One row: a codec (nil path = identity) and its latent size.
    struct Configuration {
        let name: String
        let codec: CodecKind
        let latent: Int?
    }

    var configurations: [Configuration] {
        let pcaSize = dataset.comparisonPCASize
        var rows = [
            Configuration(name: "pca-\(pcaSize)", codec: .pca, latent: pcaSize),
            Configuration(name: "vae-mlp-64", codec: .vaeMLP, latent: 64),
            Configuration(name: "vae-cnn-4ch", codec: .vaeCNN, latent: 4),
            Configuration(name: "vae-cnn-8ch", codec: .vaeCNN, latent: 8),
            Configuration(name: "pixels", codec: .identity, latent: nil),
        ]
        if dataset.comparisonPCA2D { rows.insert(Configuration(name: "pca-2", codec: .pca, latent: 2), at: 0) }
        return rows
    }

    public func run(log: (String) -> Void = { print($0) }) throws {
        // What would fail only after the training: checked first.
        try Evaluation.checkCount(evaluationCount)
        if let classifierPath { _ = try ClassifierFile.read(path: classifierPath) }
        try createDirectory(outputDirectory)
        var lines = [
            "# \(dataset.name): latent against pixel diffusion", "",
            "Same denoiser training budget for every row (\(describe(denoiserBudget))); codecs trained for \(describe(codecBudget)).",
            "Sampling: \(settings.kind.rawValue), \(settings.steps) steps, guidance \(settings.guidance); class-conditional models.",
            "Produced by `latentdiff compare --dataset \(dataset.name)`; rerunning reuses the files of this directory.", "",
            "| configuration | latent | codec params | denoiser params | denoiser training | latents/s | ms per image | reconstruction PSNR | Fréchet distance (ratio to floor) | class accuracy |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for configuration in configurations {
            let row = try measure(configuration, log: log)
            lines.append(row)
            try AtomicFile.write(path: "\(outputDirectory)/README.md", bytes: Array((lines + [""]).joined(separator: "\n").utf8))
        }
        lines += ["", "Grids: `<configuration>-samples.png` (one row per class) and `<configuration>-reconstructions.png`",
                  "(originals above reconstructions); loss curves: `<configuration>*.loss.png`.", ""]
        if dataset.comparisonPCA2D { lines += try pca2DScatter(log: log) }
        for configuration in configurations {
            lines += ["### \(configuration.name)", "", "![\(configuration.name) samples](\(configuration.name)-samples.png)", ""]
            if configuration.codec != .identity {
                lines += ["![\(configuration.name) reconstructions](\(configuration.name)-reconstructions.png)", ""]
            }
        }
        try AtomicFile.write(path: "\(outputDirectory)/README.md", bytes: Array(lines.joined(separator: "\n").utf8))
        log("wrote \(outputDirectory)/README.md")
    }

    private func measure(_ configuration: Configuration, log: (String) -> Void) throws -> String {
        let base = "\(outputDirectory)/\(configuration.name)"
        var codecPath: String?
        if configuration.codec != .identity {
            codecPath = base + "-codec.safetensors"
            if access(base + "-codec.safetensors", R_OK) != 0 {
                var job = CodecTrainingJob(dataset: dataset, dataDirectory: dataDirectory, codec: configuration.codec, outputPath: base + "-codec.safetensors")
                job.latentSize = configuration.latent
                job.budget = configuration.codec == .pca ? .steps(1) : codecBudget
                job.batchSize = 32
                job.trainLimit = trainLimit
                try job.run(log: log)
            }
        }
        let modelPath = base + ".safetensors"
        var trainingSeconds = 0.0
        if access(modelPath, R_OK) != 0 {
            var job = DiffusionTrainingJob(dataset: dataset, dataDirectory: dataDirectory, codecPath: codecPath, outputPath: modelPath)
            job.conditional = true
            job.useFirstObjective()
            job.budget = denoiserBudget
            job.batchSize = denoiserBatchSize
            job.trainLimit = trainLimit
            let start = MonotonicClock.now()
            try job.run(log: log)
            trainingSeconds = MonotonicClock.now() - start
        }
        let file = try ModelFile.read(path: modelPath)
        let model = try DiffusionModel(file: file)
        let codecParameters = file.tensors.filter { $0.name.hasPrefix(codecPrefix + ".") }.reduce(0) { $0 + $1.tensor.count }
        let denoiserParameters = file.tensors.filter { $0.name.hasPrefix(denoiserPrefix + ".") }.reduce(0) { $0 + $1.tensor.count }
        let latentsPerSecond = trainingSeconds > 0 ? Double(file.config.denoiserSteps * denoiserBatchSize) / trainingSeconds : .nan

        // Samples: one row per class.
        let labels = (0..<model.classCount).flatMap { [Int](repeating: $0, count: 10) }
        let start = MonotonicClock.now()
        let generation = try Generation(model: model, settings: settings, seed: 1, labels: labels, threads: threads)
        let msPerImage = (MonotonicClock.now() - start) * 1000 / Double(labels.count)
        let (c, h, w) = (model.imageShape[0], model.imageShape[1], model.imageShape[2])
        try PNG.write(path: base + "-samples.png", image: try ImageGrid.compose(
            pixels: generation.pixels, count: labels.count, width: w, height: h, channels: c, columns: 10))
        let test = try Dataset.load(dataset, directory: dataDirectory, split: .test)
        let shown = try test.batch(indices: Array(0..<min(16, test.count)))
        let originals = Tensor(shape: [shown.count] + model.imageShape, values: shown.pixels)
        try PNG.write(path: base + "-reconstructions.png", image: try ImageGrid.compose(
            pixels: ImageConversion.pixels(from: originals) + ImageConversion.pixels(from: model.codec.decode(model.codec.encode(originals))),
            count: 2 * shown.count, width: w, height: h, channels: c, columns: shown.count))

        let quality: String
        if let classifierPath {
            var evaluation = Evaluation(modelPath: modelPath, classifierPath: classifierPath, dataDirectory: dataDirectory)
            evaluation.count = evaluationCount
            evaluation.dataset = dataset
            evaluation.settings = settings
            evaluation.threads = threads
            let report = try evaluation.run(log: log)
            let figures = report.classifier
            let frechet = figures.map { "\(format($0.frechetDistance, digits: 2)) (\(format($0.frechetDistance / $0.floorDistance, digits: 1))x, n = \(report.samples))" }
            quality = "| \(format(report.reconstructionPSNR, digits: 2)) dB | \(frechet ?? "n/a") | \(figures?.classAccuracy.map { format($0 * 100, digits: 1) + "%" } ?? "n/a") |"
        } else {
            quality = "| \(format(try reconstructionError(codec: model.codec, images: test).psnr, digits: 2)) dB | n/a | n/a |"
        }
        let latent = model.latentShape.map(String.init).joined(separator: "x")
        return "| \(configuration.name) | \(latent) | \(codecParameters) | \(denoiserParameters) | \(file.config.denoiserSteps) steps\(trainingSeconds > 0 ? ", \(duration(trainingSeconds))" : "") | \(format(latentsPerSecond, digits: 0)) | \(format(msPerImage, digits: 1)) " + quality
    }

    /// The `pca-2` row's latents drawn against the test set's (`pca2d-scatter.png`, by
    /// `PCA2DExperiment`), and its sliced Wasserstein distances, as report lines.
    private func pca2DScatter(log: (String) -> Void) throws -> [String] {
        var experiment = PCA2DExperiment(dataDirectory: dataDirectory, outputDirectory: outputDirectory)
        experiment.trainedModel = "\(outputDirectory)/pca-2.safetensors"
        experiment.settings = SamplerSettings(kind: settings.kind, steps: settings.steps)
        experiment.threads = threads
        let result = try experiment.run(log: log)
        return ["PCA-2D: `pca-2`'s 2-D latents, sampled without a class label (\(settings.kind.rawValue), \(settings.steps) steps), against the test set's:",
                "sliced Wasserstein distance to the test points \(format(result.generatedToTest, digits: 4)); real training points \(format(result.trainToTest, digits: 4)) (ratio \(format(result.generatedToTest / result.trainToTest, digits: 2))); a fitted Gaussian \(format(result.gaussianToTest, digits: 4)).",
                "", "![PCA-2D scatter](pca2d-scatter.png)", ""]
    }

    private func describe(_ budget: TrainingBudget) -> String {
        switch budget {
        case .steps(let steps): return "\(steps) steps"
        case .minutes(let minutes): return "\(format(minutes, digits: 1)) minutes"
        }
    }
}
