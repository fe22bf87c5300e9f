import LatentDiffKernels
import LatentDiffNN

/// A VAE: q(z | x) = N(mean, exp(logVariance)), decoder x ~ decode(z).
public protocol VariationalCodec: Codec {
    /// images (B, C, H, W) -> (mean, logVariance), each (B, latentShape...)
    func posterior(_ images: Tensor) -> (mean: Tensor, logVariance: Tensor)
}

extension VariationalCodec {
    public func encode(_ images: Tensor) -> Tensor { posterior(images).mean }

    /// The training loss on a batch: reconstruction MSE over all pixel values + the KL term of
    /// `sampleLatents`. Returns (loss, reconstruction MSE) as scalars.
    public func loss(_ images: Tensor, seed: UInt64, stream: UInt64) -> (loss: Tensor, reconstruction: Tensor) {
        let (z, kl) = sampleLatents(images, seed: seed, stream: stream)
        let reconstruction = mseLoss(decode(z), images)
        return (add(reconstruction, kl), reconstruction)
    }

    /// z = mean + exp(logVariance / 2) * eps with eps standard normal from Philox (seed, stream),
    /// and the scalar KL term, klWeight * KL(q(z | x) || N(0, I)) per latent element.
    public func sampleLatents(_ images: Tensor, seed: UInt64, stream: UInt64) -> (latents: Tensor, kl: Tensor) {
        let (mean, logVariance) = posterior(images)
        let noise = Tensor(zeros: mean.shape)
        Philox(seed: seed).fillNormals(noise.data, count: noise.count, stream: stream)
        let z = reparameterize(mean: mean, logVariance: logVariance, noise: noise)
        let perElement = Float(images.shape[0]) / Float(max(1, mean.count))
        let kl = multiply(gaussianKLDivergence(mean: mean, logVariance: logVariance), config.klWeight * perElement)
        return (z, kl)
    }
}
