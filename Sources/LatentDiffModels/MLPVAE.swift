import LatentDiffKernels
import LatentDiffNN

/// The fully connected VAE: D -> w0 -> w1 -> 2d (mean, log-variance); d -> w1 -> w0 -> D, SiLU between.
public final class MLPVAE: VariationalCodec, @unchecked Sendable {
    public let config: CodecConfig
    public let parameters: ParameterStore
    let encoder: [Linear], decoder: [Linear]

    init(config: CodecConfig, store: ParameterStore) throws {
        let d = config.imageCount, (w0, w1) = (config.widths[0], config.widths[1]), latent = config.latentSize
        let name = { (part: String) in "\(codecPrefix).\(part)" }
        encoder = [
            try Linear(store, name("encoder.fc0"), inFeatures: d, outFeatures: w0),
            try Linear(store, name("encoder.fc1"), inFeatures: w0, outFeatures: w1),
            try Linear(store, name("encoder.fc2"), inFeatures: w1, outFeatures: 2 * latent),
        ]
        decoder = [
            try Linear(store, name("decoder.fc0"), inFeatures: latent, outFeatures: w1),
            try Linear(store, name("decoder.fc1"), inFeatures: w1, outFeatures: w0),
            try Linear(store, name("decoder.fc2"), inFeatures: w0, outFeatures: d),
        ]
        self.config = config
        parameters = store
    }

    public func posterior(_ images: Tensor) -> (mean: Tensor, logVariance: Tensor) {
        let n = images.shape[0], latent = config.latentSize
        let h = encoder[2](silu(encoder[1](silu(encoder[0](reshape(images, [n, config.imageCount]))))))  // (B, 2d)
        // (B, 2d) -> (B, 2, d) viewed as channels: mean = [:, 0], log-variance = [:, 1].
        let split = reshape(h, [n, 2, latent])
        return (reshape(sliceChannels(split, start: 0, count: 1), [n, latent]),
                reshape(sliceChannels(split, start: 1, count: 1), [n, latent]))
    }

    public func decode(_ latents: Tensor) -> Tensor {
        let n = latents.shape[0]
        let x = decoder[2](silu(decoder[1](silu(decoder[0](latents)))))
        return reshape(x, [n] + config.imageShape)
    }
}
