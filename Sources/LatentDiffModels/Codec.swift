import LatentDiffKernels
import LatentDiffNN

/// An image <-> latent mapping. Images are (B, C, H, W) in [-1, 1]; latents (B, latentShape...).
/// Encoding is deterministic (a VAE returns its posterior mean). Implementations are read-only
/// after construction, so one codec may serve many threads.
public protocol Codec: AnyObject, Sendable {
    var config: CodecConfig { get }
    /// The tensors that define the codec, by name, for saving.
    var parameters: ParameterStore { get }
    func encode(_ images: Tensor) -> Tensor
    func decode(_ latents: Tensor) -> Tensor
}

/// The tensor-name prefix of codec parameters inside a model file.
public let codecPrefix = "codec"

/// Builds the codec `config` describes over `store` (fresh parameters for training, or the
/// tensors of a file). PCA bases are fitted separately (`PCACodec.fit`).
public func makeCodec(_ config: CodecConfig, store: ParameterStore) throws -> Codec {
    try config.validate()
    switch config.kind {
    case .identity: return IdentityCodec(config: config, store: store)
    case .pca: return try PCACodec(config: config, store: store)
    case .vaeMLP: return try MLPVAE(config: config, store: store)
    case .vaeCNN: return try ConvVAE(config: config, store: store)
    }
}

/// The pixels themselves.
public final class IdentityCodec: Codec, @unchecked Sendable {
    public let config: CodecConfig
    public let parameters: ParameterStore

    init(config: CodecConfig, store: ParameterStore) {
        self.config = config
        parameters = store
    }

    public func encode(_ images: Tensor) -> Tensor { images }
    public func decode(_ latents: Tensor) -> Tensor { latents }
}
