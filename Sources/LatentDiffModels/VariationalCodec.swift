import LatentDiffKernels
import LatentDiffNN

/// A VAE: q(z | x) = N(mean, exp(logVariance)), decoder x ~ decode(z).
public protocol VariationalCodec: Codec {
    /// images (B, C, H, W) -> (mean, logVariance), each (B, latentShape...)
    func posterior(_ images: Tensor) -> (mean: Tensor, logVariance: Tensor)
}

extension VariationalCodec {
    public func encode(_ images: Tensor) -> Tensor { posterior(images).mean }

    /// The training loss on a batch: reconstruction MSE over all pixel values + klWeight * KL per
    /// latent element, with z = mean + exp(logVariance / 2) * eps and eps standard normal from
    /// Philox (seed, stream). Returns (loss, reconstruction MSE) as scalars.
    public func loss(_ images: Tensor, seed: UInt64, stream: UInt64) -> (loss: Tensor, reconstruction: Tensor) {
        let (mean, logVariance) = posterior(images)
        let noise = Tensor(zeros: mean.shape)
        Philox(seed: seed).fillNormals(noise.data, count: noise.count, stream: stream)
        let z = reparameterize(mean: mean, logVariance: logVariance, noise: noise)
        let reconstruction = mseLoss(decode(z), images)
        let perElement = Float(images.shape[0]) / Float(max(1, mean.count))
        let kl = multiply(gaussianKLDivergence(mean: mean, logVariance: logVariance), config.klWeight * perElement)
        return (add(reconstruction, kl), reconstruction)
    }
}
