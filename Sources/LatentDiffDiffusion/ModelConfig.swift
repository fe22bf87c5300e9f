import LatentDiffIO
import LatentDiffKernels
import LatentDiffModels

/// The full configuration of a model file (docs/design.md, "Model files"), stored as JSON in the safetensors
/// `__metadata__` under `latentdiff`. A codec file (from train-codec) has no denoiser.
public struct ModelConfig: Sendable, Equatable {
    public static let formatVersion = 1

    public var dataset: String
    public var codec: CodecConfig
    public var denoiser: DenoiserConfig?
    /// A weaker denoiser of the same latents, classes, schedule and prediction (tensors under
    /// `guide.`) that autoguidance pushes the denoiser's outputs away from; nil: none.
    public var guide: DenoiserConfig?
    public var schedule: NoiseSchedule.Kind
    public var timesteps: Int
    public var prediction: PredictionType
    /// How the denoiser's training weighed noise levels (`none` in files that do not say).
    public var lossWeighting: LossWeightingKind = .none
    /// Codec latents are standardized for diffusion: z' = (z - latentMean) / latentStd.
    public var latentMean: Float
    public var latentStd: Float
    /// Whether the denoiser weights are the EMA copy.
    public var ema: Bool
    public var denoiserSteps: Int
    public var codecSteps: Int
    /// Free-form measurements kept with the model (PSNR, explained variance, ...), name -> value.
    public var metrics: [(key: String, value: Double)]
    /// The name of each class label 0..<classCount (empty for an unconditional model or a codec);
    /// `fallbackClassNames` until set (files without them, configurations built without them).
    public var classNames: [String] {
        get { storedClassNames ?? Self.fallbackClassNames(dataset: dataset, count: classCount) }
        set { storedClassNames = newValue }
    }
    private var storedClassNames: [String]?
    /// The sampling settings the model recommends (files without them: `SamplingDefaults.standard`).
    public var samplingDefaults = SamplingDefaults.standard

    /// Class labels the denoiser takes: 0 without a denoiser or for an unconditional one.
    public var classCount: Int { denoiser?.classCount ?? 0 }
    /// What an image folder's alpha was composited over when the model was trained on one (its
    /// size and channels are the codec's image shape); nil for fixed-layout data sets and for
    /// files that do not say. Stored as `"folder": {"background": ...}`.
    public var folderBackground: Background?

    public init(dataset: String, codec: CodecConfig, denoiser: DenoiserConfig? = nil,
                schedule: NoiseSchedule.Kind = .linear, timesteps: Int = 1000, prediction: PredictionType = .epsilon) {
        self.dataset = dataset
        self.codec = codec
        self.denoiser = denoiser
        self.schedule = schedule
        self.timesteps = timesteps
        self.prediction = prediction
        latentMean = 0
        latentStd = 1
        ema = true
        denoiserSteps = 0
        codecSteps = 0
        metrics = []
    }

    public static func == (a: ModelConfig, b: ModelConfig) -> Bool { a.json == b.json }

    public func metric(_ name: String) -> Double? { metrics.first { $0.key == name }?.value }

    public mutating func setMetric(_ name: String, _ value: Double) {
        metrics.removeAll { $0.key == name }
        metrics.append((name, value))
    }

    public var json: JSON {
        var object: [(key: String, value: JSON)] = [
            ("format_version", .number(Double(Self.formatVersion))), ("dataset", .string(dataset)),
            ("codec", codec.json),
        ]
        if let denoiser { object.append(("denoiser", denoiser.json)) }
        if let guide { object.append(("guide", guide.json)) }
        object += [
            ("schedule", .string(schedule.rawValue)), ("timesteps", .number(Double(timesteps))),
            ("prediction", .string(prediction.rawValue)), ("loss_weighting", .string(lossWeighting.rawValue)),
            ("latent_mean", .number(Double(latentMean))), ("latent_std", .number(Double(latentStd))),
            ("ema", .bool(ema)), ("denoiser_steps", .number(Double(denoiserSteps))),
            ("codec_steps", .number(Double(codecSteps))),
            ("metrics", .object(metrics.map { ($0.key, .number($0.value)) })),
            ("class_names", .array(classNames.map { .string($0) })), ("sampling_defaults", samplingDefaults.json),
        ]
        if let folderBackground { object.append(("folder", .object([("background", .string(folderBackground.rawValue))]))) }
        return .object(object)
    }

    public init(json: JSON) throws(LatentDiffError) {
        let context = "model configuration"
        let version = try json.int("format_version", in: context)
        guard version == Self.formatVersion else {
            throw .format("model format version \(version) is not supported (this library reads version \(Self.formatVersion))")
        }
        self.init(dataset: try json.string("dataset", in: context), codec: try CodecConfig(json: try json.required("codec", in: context)))
        if let denoiserJSON = json["denoiser"] {
            let denoiser = try DenoiserConfig(json: denoiserJSON)
            guard denoiser.inputShape == codec.latentShape else {
                throw .format("\(context): denoiser input \(denoiser.inputShape) does not match the codec's latent \(codec.latentShape)")
            }
            self.denoiser = denoiser
        }
        if let guideJSON = json["guide"] {
            let guide = try DenoiserConfig(json: guideJSON)
            guard let denoiser, guide.inputShape == denoiser.inputShape, guide.classCount == denoiser.classCount else {
                throw .format("\(context): the guide denoiser must take the denoiser's input and classes")
            }
            self.guide = guide
        }
        schedule = try json.enumValue("schedule", in: context)
        timesteps = try json.int("timesteps", in: context)
        prediction = try json.enumValue("prediction", in: context)
        if json["loss_weighting"] != nil { lossWeighting = try json.enumValue("loss_weighting", in: context) }
        latentMean = try json.float("latent_mean", in: context)
        latentStd = try json.float("latent_std", in: context)
        guard latentStd > 0 else { throw .format("\(context): latent_std must be positive") }
        guard (2...100_000).contains(timesteps) else { throw .format("\(context): timesteps must be in 2...100000") }
        guard case .bool(let ema) = try json.required("ema", in: context) else { throw .format("\(context): 'ema' must be a boolean") }
        self.ema = ema
        denoiserSteps = try json.int("denoiser_steps", in: context)
        codecSteps = try json.int("codec_steps", in: context)
        guard let metrics = try json.required("metrics", in: context).objectValue else {
            throw .format("\(context): 'metrics' must be an object")
        }
        for (key, value) in metrics {
            guard let number = value.doubleValue else { throw .format("\(context): metric '\(key)' must be a number") }
            self.metrics.append((key, number))
        }
        if let names = json["class_names"] {
            guard let array = names.arrayValue else { throw .format("\(context): 'class_names' must be an array of strings") }
            var names: [String] = []
            for name in array {
                guard let text = name.stringValue else { throw .format("\(context): 'class_names' must be an array of strings") }
                names.append(text)
            }
            guard names.count == classCount else {
                throw .format("\(context): \(names.count) class names for \(classCount) classes")
            }
            classNames = names
        }
        if let defaults = json["sampling_defaults"] {
            samplingDefaults = try SamplingDefaults(json: defaults)
            do throws(LatentDiffError) {
                try samplingDefaults.validate(timesteps: timesteps)
            } catch {
                throw .format("\(context): sampling defaults: \(error.message)")
            }
            if samplingDefaults.autoguidance != 0, guide == nil {
                throw .format("\(context): sampling defaults: autoguidance needs a guide denoiser, and the file holds none")
            }
        }
        if let folder = json["folder"] { folderBackground = try folder.enumValue("background", in: "\(context): folder") }
    }

    /// Class names for a file that stores none: MNIST's digits "0".."9", CIFAR-10's standard ten,
    /// else each label's number ("0", "1", ...).
    public static func fallbackClassNames(dataset: String, count: Int) -> [String] {
        if dataset == Dataset.Kind.mnist.name, count == MNIST.classNames.count { return MNIST.classNames }
        if dataset == Dataset.Kind.cifar10.name, count == CIFAR10.standardClassNames.count { return CIFAR10.standardClassNames }
        return (0..<count).map(String.init)
    }
}
