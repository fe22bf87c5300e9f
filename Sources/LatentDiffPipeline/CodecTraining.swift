import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import LatentDiffModels
import LatentDiffNN

#if canImport(Glibc)
import Glibc
#endif

/// `latentdiff train-codec`: fits PCA or trains a VAE on a data set, writes a codec file with its
/// test-set reconstruction MSE and PSNR in the metadata. VAE runs checkpoint to `<out>.ckpt` and
/// resume from it; vae-cnn runs may add a patch-GAN term (`adversarial`).
public struct CodecTrainingJob {
    public var dataset: Dataset.Kind
    public var dataDirectory: String
    public var codec: CodecKind
    /// pca: components; vae-mlp: latent dimension; vae-cnn: latent channels. nil = the default.
    public var latentSize: Int?
    public var widths: [Int]?
    public var klWeight: Float = 1e-4
    public var budget: TrainingBudget = .steps(1000)
    public var batchSize = 128
    public var learningRate: Float = 1e-3
    public var seed: UInt64 = 0
    /// The adversarial term (vae-cnn); weight 0, the default, trains without one.
    public var adversarial = AdversarialSettings()
    public var outputPath: String
    public var resume = false
    public var checkpointSeconds: Double = 60
    /// Limit the training set (tests); nil = all of it.
    public var trainLimit: Int?
    public var testLimit: Int?

    public init(dataset: Dataset.Kind, dataDirectory: String, codec: CodecKind, outputPath: String) {
        self.dataset = dataset
        self.dataDirectory = dataDirectory
        self.codec = codec
        self.outputPath = outputPath
    }

    public var checkpointPath: String { outputPath + ".ckpt" }

    /// Runs the job and returns the codec file written.
    @discardableResult
    public func run(log: (String) -> Void = { print($0) }) throws -> ModelFile {
        try adversarial.validate(codec: codec)
        try TrainingLoop.prepareOutput(outputPath, log: log)
        let train = try Dataset.load(dataset, directory: dataDirectory, split: .train, limit: trainLimit, log: log)
        let test = try Dataset.load(dataset, directory: dataDirectory, split: .test, limit: testLimit)
        let imageShape = [train.channels, train.height, train.width]
        var config = ModelConfig(dataset: dataset.name, codec: CodecConfig(
            kind: codec, imageShape: imageShape, latentSize: latentSize, widths: widths, klWeight: klWeight))
        config.folderBackground = dataset.folder?.background
        try config.codec.validate()
        log("\(dataset.name): \(train.count) training and \(test.count) test images; codec \(codec.rawValue), latent \(config.codec.latentShape)")

        let trained: Codec
        switch codec {
        case .identity:
            throw LatentDiffError.invalidArgument("the identity codec needs no training; use `latentdiff train --codec identity`")
        case .pca:
            let (pca, explained) = try PCACodec.fit(config: config.codec, images: train.allPixels(), count: train.count)
            log("PCA: \(config.codec.latentSize) components explain \(format(explained * 100, digits: 2))% of the variance")
            config.setMetric("explained_variance", explained)
            trained = pca
        case .vaeMLP, .vaeCNN:
            trained = try trainVAE(config: &config, train: train, log: log)
        }

        let (mse, psnr) = try reconstructionError(codec: trained, images: test)
        log("test reconstruction: MSE \(format(mse, digits: 6)) (pixels in [0, 1]), PSNR \(format(psnr, digits: 2)) dB")
        config.setMetric("test_mse", mse)
        config.setMetric("test_psnr", psnr)
        let file = ModelFile(config: config, tensors: namedTensors(trained.parameters))
        try file.write(path: outputPath)
        log("wrote \(outputPath)")
        return file
    }

    private func trainVAE(config: inout ModelConfig, train: Dataset, log: (String) -> Void) throws -> Codec {
        let store = ParameterStore(seed: seed)
        guard let vae = try makeCodec(config.codec, store: store) as? VariationalCodec else {
            throw LatentDiffError(.internalError, "codec \(codec.rawValue) is not variational")
        }
        let loop = TrainingLoop(store: store, settings: .init(
            learningRate: learningRate, warmupSteps: 100, checkpointSeconds: checkpointSeconds))
        var adversarial: AdversarialCodecLoss?
        if self.adversarial.isEnabled {
            guard let convolutional = vae as? ConvVAE else {
                throw LatentDiffError(.internalError, "codec \(codec.rawValue) is not convolutional")
            }
            adversarial = try AdversarialCodecLoss(vae: convolutional, settings: self.adversarial, learningRate: learningRate, seed: seed)
        }
        if resume {
            let checkpoint = try ModelFile.read(path: checkpointPath)
            guard checkpoint.config.codec == config.codec else {
                throw LatentDiffError.invalidArgument("'\(checkpointPath)' was made with another codec configuration")
            }
            guard let state = checkpoint.metadataValue(ModelFile.trainingStateKey) else {
                throw LatentDiffError.format("'\(checkpointPath)' holds no training state")
            }
            try loop.restore(tensors: checkpoint.tensorsByName, state: try JSON.parse(state))
            let adversarialState = checkpoint.metadataValue(AdversarialCodecLoss.stateKey)
            switch (adversarial, adversarialState) {
            case (let adversarial?, let state?):
                try adversarial.restore(tensors: checkpoint.tensorsByName, state: try JSON.parse(state))
            case (nil, nil): break
            case (_?, nil):
                throw LatentDiffError.invalidArgument("'\(checkpointPath)' was trained without an adversarial term; resume without --adversarial-weight")
            case (nil, _?):
                throw LatentDiffError.invalidArgument("'\(checkpointPath)' was trained with an adversarial term; resume with its --adversarial-weight")
            }
            log("resumed from \(checkpointPath) at step \(loop.step)")
        }
        let batches = try StepBatches(dataset: train, batchSize: batchSize, seed: seed, flip: dataset.flipAugmentation)
        let shape = [batchSize, train.channels, train.height, train.width]
        let codecConfig = config
        try loop.run(
            budget: budget, title: "train-codec", unitsPerStep: batchSize, unit: "img", lossPlot: outputPath + ".loss.png",
            loss: { step in
                let images = Tensor(shape: shape, values: try batches.batch(step: step).pixels)
                if let adversarial, adversarial.settings.hasStarted(step: step, elapsedSeconds: loop.trainingSeconds, budget: budget) {
                    return try adversarial.loss(images, seed: seed, stream: UInt64(step))
                }
                return vae.loss(images, seed: seed, stream: UInt64(step)).loss
            },
            save: { final in
                guard !final else { return }
                var checkpointConfig = codecConfig
                checkpointConfig.codecSteps = loop.step
                var metadata = [(key: ModelFile.trainingStateKey, value: loop.stateJSON.serialized())]
                if let adversarial { metadata.append((AdversarialCodecLoss.stateKey, adversarial.stateJSON.serialized())) }
                try ModelFile(config: checkpointConfig, tensors: loop.stateTensors + (adversarial?.stateTensors ?? []),
                              extraMetadata: metadata)
                    .write(path: checkpointPath)
            })
        config.codecSteps = loop.step
        if let adversarial, !adversarial.lambdas.isEmpty {
            let recent = { (values: [Double]) in values.suffix(100).reduce(0, +) / Double(min(values.count, 100)) }
            log("adversarial: \(adversarial.lambdas.count) steps; over the last \(min(adversarial.lambdas.count, 100)): discriminator hinge loss \(format(recent(adversarial.discriminatorLosses), digits: 4)), adaptive weight lambda \(format(recent(adversarial.lambdas), digits: 4))")
        }
        return try makeCodec(config.codec, store: ParameterStore(tensors: store.tensorsByName, requiresGrad: false))
    }
}

/// Mean squared error and PSNR of decode(encode(x)) on `images`, with pixels mapped to [0, 1]
/// and reconstructions clamped there: PSNR = 10 log10(1 / MSE).
public func reconstructionError(codec: Codec, images: Dataset, batchSize: Int = 500) throws -> (mse: Double, psnr: Double) {
    var error = ReconstructionError()
    try forEachReconstruction(codec: codec, images: images, batchSize: batchSize) { error.add($0, $1) }
    return (error.mse, error.psnr)
}

/// decode(encode(x)) of `images`, clamped to [-1, 1], batch by batch:
/// `body(reconstructions, originals)`, both (n, C, H, W).
public func forEachReconstruction(codec: Codec, images: Dataset, batchSize: Int = 500,
                                  _ body: ([Float], [Float]) -> Void) throws {
    var start = 0
    while start < images.count {
        let count = min(batchSize, images.count - start)
        let batch = try images.batch(indices: Array(start..<(start + count)))
        let x = Tensor(shape: [count, images.channels, images.height, images.width], values: batch.pixels)
        body(codec.decode(codec.encode(x)).values.map { max(-1, min(1, $0)) }, batch.pixels)
        start += count
    }
}

/// Accumulates the squared error of reconstructions with pixels mapped from [-1, 1] to [0, 1].
public struct ReconstructionError {
    private var squaredError = 0.0, values = 0

    public init() {}

    /// Adds sum(((r - x) / 2)^2) over reconstructions r and originals x of equal length.
    public mutating func add(_ reconstructions: [Float], _ originals: [Float]) {
        for (r, x) in zip(reconstructions, originals) {
            let d = Double(r - x) / 2
            squaredError += d * d
        }
        values += originals.count
    }

    public var mse: Double { squaredError / Double(max(values, 1)) }
    /// 10 log10(1 / MSE).
    public var psnr: Double { 10 * log10(1 / max(mse, 1e-12)) }
}
