import LatentDiffIO
import LatentDiffKernels
import LatentDiffModels
import LatentDiffNN

/// The patch-GAN term of vae-cnn training (Esser et al. 2021, "Taming Transformers", as the
/// latent-diffusion autoencoders of Rombach et al. 2022 use it), with D a `PatchDiscriminator`:
///
///     L_D     = mean(relu(1 - D(x))) + mean(relu(1 + D(x_rec)))     discriminator (hinge)
///     L_G     = -mean(D(x_rec))                                     generator term
///     L_codec = L_rec + L_KL + lambda weight L_G
///     lambda  = ||dL_rec/dW|| / (||dL_G/dW|| + 1e-4), clamped to [0, 1e4], held constant
///
/// with W the weight of the decoder's last layer. Each step the discriminator first takes one
/// AdamW step on the batch against its detached reconstructions; the codec's loss then uses the
/// updated discriminator (a graph reads its weights again in backward, so they must not change
/// between the codec's forward and backward). The discriminator's parameters live in their own
/// store; `stateTensors` and `stateJSON` put them and its optimizer in checkpoints.
public final class AdversarialCodecLoss {
    /// The checkpoint metadata key of `stateJSON`.
    public static let stateKey = "adversarial_state"
    public let settings: AdversarialSettings
    public let discriminator: PatchDiscriminator
    let vae: ConvVAE
    let optimizer: AdamW
    let learningRate: Float
    /// L_D and lambda of every adversarial step of this run.
    public private(set) var discriminatorLosses: [Double] = [], lambdas: [Double] = []

    /// A fresh discriminator from `seed`, trained by AdamW (betas 0.5, 0.9) at a constant `learningRate`.
    public init(vae: ConvVAE, settings: AdversarialSettings, learningRate: Float, seed: UInt64) throws {
        try settings.validate(codec: vae.config.kind)
        let store = ParameterStore(seed: seed)
        discriminator = try PatchDiscriminator(imageShape: vae.config.imageShape, width: settings.discriminatorWidth, store: store)
        optimizer = AdamW(parameters: store.parameters, beta1: 0.5, beta2: 0.9)
        self.vae = vae
        self.settings = settings
        self.learningRate = learningRate
    }

    /// L_codec on `images` (B, C, H, W), with the latent noise of `vae.loss(images, seed:, stream:)`,
    /// after one discriminator step. Throws when L_D is not finite, before the step.
    public func loss(_ images: Tensor, seed: UInt64, stream: UInt64) throws -> Tensor {
        let (z, kl) = vae.sampleLatents(images, seed: seed, stream: stream)
        let features = vae.decoderFeatures(z)                            // (B, w0, H, W)
        let reconstruction = vae.decoderOutput(features)                 // (B, C, H, W)
        try stepDiscriminator(real: images, fake: reconstruction.detached())
        let lambda = adaptiveAdversarialWeight(
            layer: vae.decoderOutput, features: features,
            reconstructionLoss: { mseLoss($0, images) }, generatorLoss: { generatorLoss(fake: self.discriminator($0)) })
        lambdas.append(Double(lambda))
        let generator = generatorLoss(fake: discriminator(reconstruction))
        return add(add(mseLoss(reconstruction, images), kl), multiply(generator, lambda * settings.weight))
    }

    /// One AdamW step of the discriminator on L_D(D(real), D(fake)); its gradients are zeroed
    /// first (the codec's backward through D, and the adaptive weight's, leave some there).
    private func stepDiscriminator(real: Tensor, fake: Tensor) throws {
        optimizer.zeroGrad()
        let loss = discriminatorHingeLoss(real: discriminator(real), fake: discriminator(fake))
        guard loss.scalar.isFinite else {
            throw LatentDiffError(.numeric, "the discriminator loss became \(loss.scalar); stopped, the last checkpoint is kept")
        }
        discriminatorLosses.append(Double(loss.scalar))
        loss.backward()
        optimizer.update(learningRate: learningRate)
    }

    // MARK: checkpoint state

    /// The discriminator's parameters and Adam moments (`train.param.discriminator.*`, ...).
    public var stateTensors: [(name: String, tensor: Tensor)] {
        TrainingLoop.stateTensors(names: discriminator.parameters.names, optimizer: optimizer, ema: nil)
    }

    /// The discriminator optimizer's step count.
    public var stateJSON: JSON { ["adam_step": .number(Double(optimizer.step))] }

    /// Restores what `stateTensors` and `stateJSON` saved.
    public func restore(tensors: [String: Tensor], state: JSON) throws(LatentDiffError) {
        try TrainingLoop.restore(tensors: tensors, names: discriminator.parameters.names, optimizer: optimizer, ema: nil)
        optimizer.step = try state.int("adam_step", in: "checkpoint adversarial state")
    }
}

/// The discriminator's hinge loss on logits of real and reconstructed images (any shapes):
/// mean(relu(1 - real)) + mean(relu(1 + fake)), a scalar.
public func discriminatorHingeLoss(real: Tensor, fake: Tensor) -> Tensor {
    add(mean(relu(add(multiply(real, -1), 1))), mean(relu(add(fake, 1))))
}

/// The generator term on the logits of reconstructions: -mean(fake), a scalar.
public func generatorLoss(fake: Tensor) -> Tensor { multiply(mean(fake), -1) }

/// lambda = ||dL_rec/dW|| / (||dL_G/dW|| + 1e-4), clamped to [0, 1e4] (NaN stays NaN), where W is
/// `layer`'s weight and both losses are functions of layer(features), features (B, Cin, H, W).
///
/// A backward releases the graph it ran over, so the codec's graph cannot give two gradients.
/// Both norms come instead from small graphs of their own: the layer applied again to the
/// detached features with a copy of W that requires a gradient, one per loss. This costs one
/// forward and backward of the last layer (and of the loss) each, not of the codec.
public func adaptiveAdversarialWeight(
    layer: Conv2d, features: Tensor, reconstructionLoss: (Tensor) -> Tensor, generatorLoss: (Tensor) -> Tensor
) -> Float {
    let input = features.detached(), bias = layer.bias?.detached()
    func weightGradientNorm(_ loss: (Tensor) -> Tensor) -> Float {
        let weight = Tensor(zeros: layer.weight.shape, requiresGrad: true)
        weight.copyValues(from: layer.weight)
        loss(conv2d(input, weight: weight, bias: bias, stride: layer.stride, padding: layer.padding)).backward()
        return gradientNorm([weight])
    }
    let lambda = weightGradientNorm(reconstructionLoss) / (weightGradientNorm(generatorLoss) + 1e-4)
    return lambda.isNaN ? lambda : min(max(lambda, 0), 1e4)
}
