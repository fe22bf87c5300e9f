import LatentDiffKernels
import LatentDiffNN

/// Whitened principal components (`PCABasis`) as a codec. Tensors `codec.mean` (D),
/// `codec.basis` (k, D), `codec.scales` (k); the explained variance travels in the configuration's
/// metadata of the file, not here.
public final class PCACodec: Codec, @unchecked Sendable {
    public let config: CodecConfig
    public let parameters: ParameterStore
    public let basis: PCABasis

    /// The codec over tensors served by `store` (a loaded file).
    init(config: CodecConfig, store: ParameterStore) throws {
        let d = config.imageCount, k = config.latentSize
        let mean = try store.parameter("\(codecPrefix).mean", shape: [d], initializer: .zeros)
        let vectors = try store.parameter("\(codecPrefix).basis", shape: [k, d], initializer: .zeros)
        let scales = try store.parameter("\(codecPrefix).scales", shape: [k], initializer: .ones)
        self.config = config
        parameters = store
        basis = try PCABasis(mean: mean.values, basis: vectors.values, scales: scales.values, explainedVariance: .nan)
    }

    /// Fits k components to `count` images (N, C, H, W) and returns the codec.
    public static func fit(config: CodecConfig, images: UnsafePointer<Float>, count: Int) throws -> (PCACodec, explainedVariance: Double) {
        try config.validate()
        let fitted = try PCABasis.fit(data: images, count: count, dimension: config.imageCount, components: config.latentSize)
        let d = config.imageCount, k = config.latentSize
        let tensors = [
            "\(codecPrefix).mean": Tensor(shape: [d], values: fitted.mean),
            "\(codecPrefix).basis": Tensor(shape: [k, d], values: fitted.basis),
            "\(codecPrefix).scales": Tensor(shape: [k], values: fitted.scales),
        ]
        return (try PCACodec(config: config, store: ParameterStore(tensors: tensors)), fitted.explainedVariance)
    }

    public func encode(_ images: Tensor) -> Tensor {
        let n = images.shape[0]
        let z = Tensor(zeros: [n, config.latentSize])
        basis.encode(images.data, count: n, into: z.data)
        return z
    }

    public func decode(_ latents: Tensor) -> Tensor {
        let n = latents.shape[0]
        let x = Tensor(zeros: [n] + config.imageShape)
        basis.decode(latents.data, count: n, into: x.data)
        return x
    }
}
