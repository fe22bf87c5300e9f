import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import LatentDiffModels
import LatentDiffNN

/// `latentdiff train`: trains a denoiser on the latents of a codec file (or on pixels with the
/// identity codec) and writes ONE model file: codec + EMA denoiser + schedule + configuration.
/// Checkpoints go to `<out>.ckpt`; `resume` continues from there.
public struct DiffusionTrainingJob {
    public var dataset: Dataset.Kind
    public var dataDirectory: String
    /// A codec file from train-codec, or nil for the identity codec (pixel space).
    public var codecPath: String?
    public var conditional = false
    public var budget: TrainingBudget = .steps(1000)
    public var batchSize = 128
    /// nil = 2e-4 for the U-Net, 1e-3 for the MLP.
    public var learningRate: Float?
    /// nil = the architecture's defaults ((48, 96) U-Net, 256 MLP).
    public var widths: [Int]?
    /// MLP residual blocks.
    public var blocks = 3
    /// U-Net ResBlocks per level.
    public var resBlocks = 1
    public var attention = true
    /// The objective: v-prediction on the cosine schedule with min-SNR-5 weights (report/quality.md:
    /// on MNIST at 1,500 steps, 99.1% class accuracy against 86.6% for epsilon, linear, unweighted).
    public var schedule: NoiseSchedule.Kind = .cosine
    public var prediction: PredictionType = .v
    public var lossWeighting: LossWeightingKind = .minSNR
    public var labelDropout: Float = 0.1
    public var emaDecay: Float = 0.999
    public var seed: UInt64 = 0
    public var outputPath: String
    public var resume = false
    public var checkpointSeconds: Double = 60
    public var trainLimit: Int?
    /// Called with the loop before it runs (data-parallel training installs its gradient hook).
    public var configureLoop: ((TrainingLoop) -> Void)?
    /// Data-parallel training: this process computes the loss of its slice of each step's batch
    /// (`batchSize`, the global batch, must divide by the process count), and only the lead
    /// writes checkpoints and the model. With the gradients averaged across processes (the
    /// `configureLoop` hook) every process takes the step one process with the whole batch takes.
    public var shard = Shard.whole

    public init(dataset: Dataset.Kind, dataDirectory: String, codecPath: String?, outputPath: String) {
        self.dataset = dataset
        self.dataDirectory = dataDirectory
        self.codecPath = codecPath
        self.outputPath = outputPath
    }

    public var checkpointPath: String { outputPath + ".ckpt" }

    /// The first version's objective (epsilon, linear schedule, unweighted), with which the
    /// latent-against-pixel comparison and the PCA-2D model were measured.
    public mutating func useFirstObjective() {
        (schedule, prediction, lossWeighting) = (.linear, .epsilon, .none)
    }

    @discardableResult
    public func run(log: (String) -> Void = { print($0) }) throws -> ModelFile {
        // The loop's settings checked before the data are read and encoded (the default rates are valid).
        try TrainingLoop.Settings(learningRate: learningRate ?? 1e-3, emaDecay: emaDecay,
                                  checkpointSeconds: checkpointSeconds).validate()
        if shard.isLead { try TrainingLoop.prepareOutput(outputPath, log: log) }
        var dataset = self.dataset
        if let codecPath, var folder = dataset.folder, folder.size == nil {
            // A folder read at the codec's image size and channels unless the size was given.
            let shape = try ModelFile.read(path: codecPath).config.codec.imageShape
            if shape.count == 3 { (folder.channels, folder.size) = (shape[0], shape[1]) }
            dataset = .folder(folder)
        }
        let train = try Dataset.load(dataset, directory: dataDirectory, split: .train, limit: trainLimit, log: log)
        guard !conditional || !train.classNames.isEmpty else {
            throw LatentDiffError.invalidArgument("'\(dataDirectory)' is unlabelled (no class sub-folders): train without --conditional")
        }
        let imageShape = [train.channels, train.height, train.width]
        let codec: Codec
        var config: ModelConfig
        if let codecPath {
            let loaded = try loadCodec(path: codecPath)
            guard loaded.file.config.dataset == dataset.name, loaded.file.config.codec.imageShape == imageShape else {
                throw LatentDiffError.invalidArgument("'\(codecPath)' is a codec for \(loaded.file.config.dataset), not \(dataset.name)")
            }
            codec = loaded.codec
            config = loaded.file.config
        } else {
            config = ModelConfig(dataset: dataset.name, codec: CodecConfig(kind: .identity, imageShape: imageShape))
            codec = try makeCodec(config.codec, store: ParameterStore(tensors: [:]))
        }
        config.folderBackground = dataset.folder?.background
        let latentShape = config.codec.latentShape
        let kind: DenoiserKind = latentShape.count == 3 ? .unet : .mlp
        config.denoiser = DenoiserConfig(
            kind: kind, inputShape: latentShape, widths: widths, blocks: blocks, resBlocks: resBlocks, attention: attention,
            classCount: conditional ? train.classNames.count : 0)
        config.classNames = conditional ? train.classNames : []
        // Guidance is for class-conditional models; an unconditional one samples with 1 (none).
        config.samplingDefaults = SamplingDefaults(guidance: conditional ? dataset.defaultGuidance : 1, steps: 20, sampler: .dpmSolver)
        config.schedule = schedule
        config.prediction = prediction
        config.lossWeighting = lossWeighting
        config.ema = true
        guard batchSize % shard.count == 0 else {
            throw LatentDiffError.invalidArgument("the batch size \(batchSize) does not divide evenly over \(shard.count) processes")
        }
        guard let denoiserConfig = config.denoiser else { throw LatentDiffError(.internalError, "no denoiser configuration") }
        try denoiserConfig.validate()
        log("\(dataset.name): \(train.count) images; codec \(config.codec.kind.rawValue) latent \(latentShape); denoiser \(kind.rawValue) \(denoiserConfig.widths)\(conditional ? ", class-conditional" : "")")

        let latents = try LatentCache(codec: codec, dataset: train, log: log)
        config.latentMean = latents.mean
        config.latentStd = latents.std

        let store = ParameterStore(seed: seed)
        let denoiser = try makeDenoiser(denoiserConfig, store: store)
        log("denoiser: \(store.parameters.reduce(0) { $0 + $1.count }) parameters")
        let loop = TrainingLoop(store: store, settings: .init(
            learningRate: learningRate ?? (kind == .unet ? 2e-4 : 1e-3), warmupSteps: 200,
            emaDecay: emaDecay, checkpointSeconds: checkpointSeconds))
        configureLoop?(loop)
        if resume {
            let checkpoint = try ModelFile.read(path: checkpointPath)
            guard checkpoint.config.denoiser == config.denoiser, checkpoint.config.codec == config.codec else {
                throw LatentDiffError.invalidArgument("'\(checkpointPath)' was made with another configuration")
            }
            guard let state = checkpoint.metadataValue(ModelFile.trainingStateKey) else {
                throw LatentDiffError.format("'\(checkpointPath)' holds no training state")
            }
            try loop.restore(tensors: checkpoint.tensorsByName, state: try JSON.parse(state))
            log("resumed from \(checkpointPath) at step \(loop.step)")
        }
        let schedule = try NoiseSchedule(kind: config.schedule, timesteps: config.timesteps)
        let loss = DiffusionLoss(schedule: schedule, prediction: config.prediction, labelDropout: conditional ? labelDropout : 0,
                                 weighting: config.lossWeighting)
        let batches = try StepBatches(dataset: train, batchSize: batchSize, seed: seed, flip: false)
        let codecTensors = namedTensors(codec.parameters)
        func modelFile(checkpoint: Bool) -> ModelFile {
            var fileConfig = config
            fileConfig.denoiserSteps = loop.step
            let ema = zip(loop.names, loop.ema?.shadows ?? loop.parameters).map { (name: $0, tensor: $1) }
            return ModelFile(
                config: fileConfig, tensors: codecTensors + ema + (checkpoint ? loop.stateTensors : []),
                extraMetadata: checkpoint ? [(ModelFile.trainingStateKey, loop.stateJSON.serialized())] : [])
        }
        var final: ModelFile?
        try loop.run(
            budget: budget, title: "train", unitsPerStep: batchSize, unit: "latents",
            lossPlot: shard.isLead ? outputPath + ".loss.png" : nil,
            loss: { step in
                let (global, _) = batches.indices(step: step)
                let part = shard.range(of: global.count)
                let indices = Array(global[part])
                let labels = conditional ? indices.map { Int(train.labels[$0]) } : [Int](repeating: -1, count: indices.count)
                return loss(denoiser: denoiser, x0: latents.batch(indices), labels: labels, seed: seed, step: step,
                            firstIndex: part.lowerBound)
            },
            save: { isFinal in
                guard shard.isLead || isFinal else { return }
                let file = modelFile(checkpoint: !isFinal)
                if shard.isLead { try file.write(path: isFinal ? outputPath : checkpointPath) }
                if isFinal { final = file }
            })
        log("wrote \(outputPath) after \(loop.step) steps")
        guard let final else { throw LatentDiffError(.internalError, "training ended without a model") }
        return final
    }
}
