import LatentDiffIO
import LatentDiffKernels
import LatentDiffModels
import LatentDiffNN

/// A model file: one .safetensors with the configuration as JSON in `__metadata__["latentdiff"]`,
/// the codec's tensors under `codec.` and the denoiser's under `denoiser.`. A training checkpoint
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
