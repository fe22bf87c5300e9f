import LatentDiffIO
import LatentDiffKernels
import LatentDiffModels
import LatentDiffNN

/// A model file: one .safetensors with the configuration as JSON in `__metadata__["latentdiff"]`,
/// the codec's tensors under `codec.`, the denoiser's under `denoiser.` and a guide denoiser's (if
/// any) under `guide.`. A training checkpoint
/// adds `train.*` tensors and `__metadata__["training_state"]`.
public struct ModelFile {
    public static let configKey = "latentdiff"
    public static let trainingStateKey = "training_state"

    public var config: ModelConfig
    /// Tensors by name, in file order.
    public var tensors: [(name: String, tensor: Tensor)]
    /// Extra metadata (e.g. the training state of a checkpoint).
    public var extraMetadata: [(key: String, value: String)]

    public init(config: ModelConfig, tensors: [(name: String, tensor: Tensor)], extraMetadata: [(key: String, value: String)] = []) {
        self.config = config
        self.tensors = tensors
        self.extraMetadata = extraMetadata
    }

    /// The tensors by name (tensors served to a ParameterStore).
    public var tensorsByName: [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (name, tensor) in tensors { result[name] = tensor }
        return result
    }

    public func metadataValue(_ key: String) -> String? { extraMetadata.first { $0.key == key }?.value }

    /// The tensor-name prefix of a guide denoiser's parameters (`guide.x` for the denoiser's `denoiser.x`).
    public static let guidePrefix = "guide"

    /// `guide.x` for a denoiser tensor `denoiser.x`, and back; nil for other names.
    public static func guideName(ofDenoiserName name: String) -> String? {
        name.hasPrefix(denoiserPrefix + ".") ? guidePrefix + name.dropFirst(denoiserPrefix.count) : nil
    }
    public static func denoiserName(ofGuideName name: String) -> String? {
        name.hasPrefix(guidePrefix + ".") ? denoiserPrefix + name.dropFirst(guidePrefix.count) : nil
    }

    /// This model with `guide`'s denoiser as its guide denoiser (replacing any it held): its
    /// tensors under `guide.`, its configuration as `guide`. The guide must be a diffusion model
    /// over the same codec (configuration and tensors), latent standardization, schedule,
    /// prediction and classes, or it throws `.invalidArgument` saying what differs. nil removes the guide.
    public func withGuide(_ guide: ModelFile?) throws(LatentDiffError) -> ModelFile {
        var result = self
        result.tensors.removeAll { Self.denoiserName(ofGuideName: $0.name) != nil }
        result.config.guide = nil
        result.config.metrics.removeAll { $0.key == Self.guideStepsMetric }
        result.config.samplingDefaults.autoguidance = 0
        guard let guide else { return result }
        guard let denoiser = config.denoiser else { throw .invalidArgument("the model is a codec, not a diffusion model") }
        guard let guideDenoiser = guide.config.denoiser else { throw .invalidArgument("the guide is a codec, not a diffusion model") }
        let (a, b) = (config, guide.config)
        let mismatch: String? =
            a.codec != b.codec ? "codec configuration"
            : a.latentMean != b.latentMean || a.latentStd != b.latentStd ? "latent standardization (mean, std)"
            : (a.schedule, a.timesteps) != (b.schedule, b.timesteps) ? "noise schedule"
            : a.prediction != b.prediction ? "prediction target"
            : denoiser.inputShape != guideDenoiser.inputShape ? "denoiser input"
            : denoiser.classCount != guideDenoiser.classCount ? "class count"
            : !codecTensorsEqual(guide) ? "codec weights"
            : nil
        if let mismatch { throw .invalidArgument("the guide must be trained on the model's codec: its \(mismatch) differs") }
        result.tensors += guide.tensors.compactMap { name, tensor in Self.guideName(ofDenoiserName: name).map { ($0, tensor) } }
        result.config.guide = guideDenoiser
        result.config.setMetric(Self.guideStepsMetric, Double(guide.config.denoiserSteps))
        return result
    }

    /// The metric that records the guide denoiser's training steps.
    public static let guideStepsMetric = "guide_steps"

    /// Whether both files hold the same codec tensors, name for name and value for value.
    private func codecTensorsEqual(_ other: ModelFile) -> Bool {
        let isCodec = { (name: String) in name.hasPrefix(codecPrefix + ".") }
        let mine = tensors.filter { isCodec($0.name) }, theirs = other.tensorsByName
        return mine.count == other.tensors.filter({ isCodec($0.name) }).count && mine.allSatisfy { name, tensor in
            guard let match = theirs[name], match.shape == tensor.shape else { return false }
            return (0..<tensor.count).allSatisfy { tensor.data[$0].bitPattern == match.data[$0].bitPattern }
        }
    }

    /// `tensors` split into the guide's (renamed to the denoiser's names) and the rest.
    static func splitGuide(_ tensors: [String: Tensor]) -> (guide: [String: Tensor], rest: [String: Tensor]) {
        var (guide, rest) = ([String: Tensor](), [String: Tensor]())
        for (name, tensor) in tensors {
            if let denoiserName = denoiserName(ofGuideName: name) { guide[denoiserName] = tensor } else { rest[name] = tensor }
        }
        return (guide, rest)
    }

    /// Reads and validates `path`: a well-formed safetensors file with a configuration this
    /// version understands. Tensor names and shapes are checked when models are built over them.
    public static func read(path: String) throws(LatentDiffError) -> ModelFile {
        try ModelFile(try SafeTensorsFile.read(path: path), name: "'\(path)'")
    }

    /// Parses and validates a model file's bytes held in memory, as `read(path:)` a file (the
    /// same safetensors parser, reading from the buffer instead of the file); `source` names it
    /// in error messages.
    public static func decode(_ bytes: UnsafeRawBufferPointer, source: String) throws(LatentDiffError) -> ModelFile {
        try ModelFile(try SafeTensorsFile.decode(bytes, source: source), name: source)
    }

    private init(_ file: SafeTensorsFile, name: String) throws(LatentDiffError) {
        guard let text = file.metadataValue(forKey: Self.configKey) else {
            throw .format("\(name) is not a LatentDiff model: no '\(Self.configKey)' configuration in its metadata")
        }
        let config: ModelConfig
        do throws(LatentDiffError) {
            config = try ModelConfig(json: try JSON.parse(text))
        } catch {
            throw .format("\(name): \(error.message)")
        }
        let tensors = file.tensors.map { ($0.name, Tensor(shape: $0.shape, values: $0.values)) }
        self.init(config: config, tensors: tensors, extraMetadata: file.metadata.filter { $0.key != Self.configKey })
    }

    /// Sets the configuration stored in the model file at `path` to what `change` makes of it,
    /// atomically, keeping the tensors' bytes (dtypes included) and the other metadata as they
    /// are. The changed configuration must read back as a valid one (`.invalidArgument` if not);
    /// returns it.
    @discardableResult
    public static func rewriteConfig(
        path: String, _ change: (inout ModelConfig) throws(LatentDiffError) -> Void
    ) throws(LatentDiffError) -> ModelConfig {
        let file = try read(path: path)
        var config = file.config
        try change(&config)
        do throws(LatentDiffError) {
            config = try ModelConfig(json: config.json)
        } catch {
            throw .invalidArgument("'\(path)': \(error.message)")
        }
        try SafeTensorsFile.rewriteMetadata(path: path, [(configKey, config.json.serialized())] + file.extraMetadata)
        return config
    }

    /// Writes the file atomically.
    public func write(path: String) throws(LatentDiffError) {
        let file = SafeTensorsFile(
            tensors: tensors.map { .init(name: $0.name, shape: $0.tensor.shape, values: $0.tensor.values) },
            metadata: [(Self.configKey, config.json.serialized())] + extraMetadata)
        try file.write(path: path)
    }
}

/// The named tensors of a ParameterStore, in its order, for saving.
public func namedTensors(_ store: ParameterStore) -> [(name: String, tensor: Tensor)] {
    store.names.compactMap { name in store[name].map { (name, $0) } }
}
