import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import LatentDiffModels
import LatentDiffNN

#if canImport(Glibc)
import Glibc
#endif

/// `latentdiff train-all`: a codec, then a denoiser on its latents, on one data set in one budget,
/// then the pictures to look at. For OUT = `name.safetensors` it writes
///
///     name.codec.safetensors          the codec (train-codec's file), its loss curve beside it
///     name.safetensors                the model (train's file), its loss curve beside it
///     name.samples.png                a sample grid: one row per class when the data is labelled
///     name.reconstructions.png        held-out images (odd rows) above their reconstructions
///     name.memorization.png/.json     the memorization report: the samples closest to a training
///                                     image above those images, the distances (MemorizationReport)
///
/// Budget split: the codec gets `codecShare` of the time (or steps), the denoiser the rest. The
/// codec's PSNR levels off early while the denoiser keeps improving with every step, and the
/// denoiser is the slower of the two per image, so it gets three quarters (the shipped MNIST and
/// CIFAR-10 models were trained 5 + 15 and 10 + 30 minutes, the same split).
///
/// Resuming: each stage checkpoints to its own `.ckpt` (time-budgeted stages continue their
/// budget). A finished codec file is kept and its stage skipped; an unfinished stage resumes from
/// its checkpoint; a stage with neither starts afresh.
public struct TrainAllJob {
    public var dataset: Dataset.Kind
    public var dataDirectory: String
    public var outputPath: String
    public var budget: TrainingBudget = .minutes(60)
    public var codecShare = 0.25
    /// Latent channels of the vae-cnn codec.
    public var latentChannels = 4
    /// vae-cnn stage widths; nil = `TrainAllJob.codecWidths(imageSize:)`.
    public var codecWidths: [Int]?
    /// U-Net level widths; nil = the U-Net's default.
    public var denoiserWidths: [Int]?
    public var batchSize = 128
    public var seed: UInt64 = 0
    public var checkpointSeconds: Double = 60
    public var resume = false
    /// Images per class row of the sample grid (and columns of the unlabelled grid's rows).
    public var gridColumns = 8
    /// Samples the memorization report draws (0: no report).
    public var memorizationSamples = 500
    public var threads = 2

    public init(dataset: Dataset.Kind, dataDirectory: String, outputPath: String) {
        self.dataset = dataset
        self.dataDirectory = dataDirectory
        self.outputPath = outputPath
    }

    /// `name` of `name.safetensors` (or the whole path without that extension).
    var stem: String { outputPath.hasSuffix(".safetensors") ? String(outputPath.dropLast(".safetensors".count)) : outputPath }
    public var codecPath: String { stem + ".codec.safetensors" }
    public var samplesPath: String { stem + ".samples.png" }
    public var reconstructionsPath: String { stem + ".reconstructions.png" }
    public var memorizationPath: String { stem + ".memorization.png" }

    /// vae-cnn widths that bring an image of side `imageSize` to a latent of side about 8: one
    /// stage per halving (2 to 4 stages), 32 channels then 64.
    public static func codecWidths(imageSize: Int) -> [Int] {
        var stages = 2
        while stages < 4, imageSize >> stages > 8 { stages += 1 }
        return [32] + [Int](repeating: 64, count: stages - 1)
    }

    /// (codec, denoiser) budgets.
    public func split() throws(LatentDiffError) -> (codec: TrainingBudget, denoiser: TrainingBudget) {
        guard codecShare > 0, codecShare < 1 else { throw .invalidArgument("the codec's share must be in (0, 1), not \(codecShare)") }
        switch budget {
        case .minutes(let minutes):
            return (.minutes(minutes * codecShare), .minutes(minutes * (1 - codecShare)))
        case .steps(let steps):
            let codec = max(1, Int((Double(steps) * codecShare).rounded()))
            return (.steps(codec), .steps(max(1, steps - codec)))
        }
    }

    @discardableResult
    public func run(log: (String) -> Void = { print($0) }) throws -> ModelFile {
        guard outputPath.hasSuffix(".safetensors"), outputPath.count > ".safetensors".count else {
            throw LatentDiffError.invalidArgument("--out must name a .safetensors file, not '\(outputPath)'")
        }
        let (codecBudget, denoiserBudget) = try split()
        let clock = MonotonicClock.now()

        // The folder's size is settled before the codec is built: the images' most common side.
        let train = try Dataset.load(dataset, directory: dataDirectory, split: .train, log: log)
        var dataset = self.dataset
        if var folder = dataset.folder, folder.size == nil {
            folder.size = train.height
            dataset = .folder(folder)
        }

        if resume, isFinishedCodec(codecPath) {
            log("train-all: keeping the finished codec \(codecPath)")
        } else {
            var codecJob = CodecTrainingJob(dataset: dataset, dataDirectory: dataDirectory, codec: .vaeCNN, outputPath: codecPath)
            codecJob.latentSize = latentChannels
            codecJob.widths = codecWidths ?? Self.codecWidths(imageSize: train.height)
            codecJob.budget = codecBudget
            codecJob.batchSize = batchSize
            codecJob.seed = seed
            codecJob.checkpointSeconds = checkpointSeconds
            codecJob.resume = resume && fileExists(codecJob.checkpointPath)
            log("train-all: 1/2 codec (\(describe(codecBudget)))")
            try codecJob.run(log: log)
        }

        var denoiserJob = DiffusionTrainingJob(dataset: dataset, dataDirectory: dataDirectory, codecPath: codecPath, outputPath: outputPath)
        denoiserJob.conditional = !train.classNames.isEmpty
        denoiserJob.budget = denoiserBudget
        denoiserJob.batchSize = batchSize
        denoiserJob.widths = denoiserWidths
        denoiserJob.seed = seed
        denoiserJob.checkpointSeconds = checkpointSeconds
        denoiserJob.resume = resume && fileExists(denoiserJob.checkpointPath)
        log("train-all: 2/2 denoiser (\(describe(denoiserBudget)))\(denoiserJob.conditional ? ", \(train.classNames.count) classes" : "")")
        let file = try denoiserJob.run(log: log)

        let model = try DiffusionModel(file: file)
        try writeSamples(model: model, classNames: train.classNames, log: log)
        let heldOut = try Dataset.load(dataset, directory: dataDirectory, split: .test)
        try writeReconstructions(model: model, images: heldOut.count > 0 ? heldOut : train, log: log)
        if memorizationSamples > 0, heldOut.count > 0 {
            let report = try MemorizationReport.measure(
                model: model, train: train, heldOut: heldOut, samples: memorizationSamples,
                settings: model.config.samplingDefaults.settings,
                seed: seed, threads: threads, log: log)
            report.summary.forEach(log)
            try report.writePairs(path: memorizationPath)
            try AtomicFile.write(path: stem + ".memorization.json", bytes: Array(report.json.serialized().utf8))
            log("wrote \(memorizationPath) (the samples closest to a training image, above it) and \(stem).memorization.json")
        } else if memorizationSamples > 0 {
            log("no held-out images: no memorization report")
        }
        log("train-all: done in \(format((MonotonicClock.now() - clock) / 60, digits: 1)) min")
        return file
    }

    /// One row per class (first 32 classes) of `gridColumns` samples, or `gridColumns` rows of
    /// unconditional samples, with the model's sampling defaults (those `latentdiff sample` uses).
    func writeSamples(model: DiffusionModel, classNames: [String], log: (String) -> Void) throws {
        let rows = model.classCount > 0 ? min(model.classCount, 32) : gridColumns
        let labels = model.classCount > 0
            ? (0..<rows).flatMap { [Int](repeating: $0, count: gridColumns) }
            : [Int](repeating: -1, count: rows * gridColumns)
        let settings = model.config.samplingDefaults.settings
        let generation = try Generation(model: model, settings: settings, seed: seed, labels: labels, threads: threads)
        let (c, h, w) = (model.imageShape[0], model.imageShape[1], model.imageShape[2])
        let grid = try generation.pixels.withUnsafeBufferPointer { pixels throws(LatentDiffError) in
            try ImageGrid.compose(pixels: pixels.baseAddress!, count: labels.count, width: w, height: h, channels: c, columns: gridColumns)
        }
        try PNG.write(path: samplesPath, image: grid, text: [
            ("Software", "LatentDiff \(LatentDiffVersion.string)"), ("sampler", settings.kind.rawValue), ("steps", "\(settings.steps)"),
            ("guidance", "\(settings.guidance)"), ("seed", "\(seed)"),
            ("rows", model.classCount > 0 ? classNames.prefix(rows).joined(separator: ",") : "unconditional"),
        ])
        log("wrote \(samplesPath)" + (model.classCount > 0 ? " (rows: \(classNames.prefix(rows).joined(separator: ", ")))" : ""))
    }

    /// Up to 4 rows of `gridColumns` images: originals, then their reconstructions beneath.
    func writeReconstructions(model: DiffusionModel, images: Dataset, log: (String) -> Void) throws {
        let count = min(images.count, 4 * gridColumns)
        let batch = try images.batch(indices: Array(0..<count))
        let (c, h, w) = (images.channels, images.height, images.width)
        let originals = Tensor(shape: [count, c, h, w], values: batch.pixels)
        let reconstructions = try model.decode(try model.encode(originals, threads: threads), threads: threads)
        let (original8, reconstructed8) = (ImageConversion.pixels(from: originals), ImageConversion.pixels(from: reconstructions))
        let size = c * h * w
        var interleaved: [UInt8] = []
        for row in stride(from: 0, to: count, by: gridColumns) {
            let end = min(count, row + gridColumns)
            interleaved += original8[(row * size)..<(end * size)]
            interleaved += [UInt8](repeating: 0, count: (gridColumns - (end - row)) * size)
            interleaved += reconstructed8[(row * size)..<(end * size)]
            interleaved += [UInt8](repeating: 0, count: (gridColumns - (end - row)) * size)
        }
        let rows = interleaved.count / (size * gridColumns)
        let grid = try interleaved.withUnsafeBufferPointer { pixels throws(LatentDiffError) in
            try ImageGrid.compose(pixels: pixels.baseAddress!, count: rows * gridColumns, width: w, height: h, channels: c, columns: gridColumns)
        }
        try PNG.write(path: reconstructionsPath, image: grid, text: [("Software", "LatentDiff \(LatentDiffVersion.string)")])
        log("wrote \(reconstructionsPath) (\(count) \(images.split == .test ? "held-out" : "training") images, each above its reconstruction)")
    }

    /// Whether `path` holds a codec file (no denoiser, no training state) that reads back whole.
    private func isFinishedCodec(_ path: String) -> Bool {
        guard let file = try? ModelFile.read(path: path) else { return false }
        return file.config.denoiser == nil && file.metadataValue(ModelFile.trainingStateKey) == nil
    }

    private func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    private func describe(_ budget: TrainingBudget) -> String {
        switch budget {
        case .minutes(let minutes): "\(format(minutes, digits: 1)) min"
        case .steps(let steps): "\(steps) steps"
        }
    }
}
