import LatentDiffKernels
import LatentDiffModels
import LatentDiffNN

/// The denoising objective (Ho et al. 2020): for clean standardized latents x0 (B, shape...), draw
/// t (U{0..T-1}, or as the `weighting` says) and eps ~ N(0, I) per sample, form
/// x_t = alpha_t x0 + sigma_t eps, and regress the model output on the target of the prediction
/// type (eps or v) with mean squared error, each sample's weighted by the `weighting`. Class
/// labels are replaced by -1 ("no class") with probability `labelDropout`, so one model learns
/// conditional and unconditional outputs for classifier-free guidance.
public struct DiffusionLoss: Sendable {
    public let schedule: NoiseSchedule
    public let prediction: PredictionType
    public let labelDropout: Float
    public let weighting: LossWeightingKind

    public init(schedule: NoiseSchedule, prediction: PredictionType, labelDropout: Float = 0.1,
                weighting: LossWeightingKind = .none) {
        self.schedule = schedule
        self.prediction = prediction
        self.labelDropout = labelDropout
        self.weighting = weighting
    }

    /// The scalar loss for one batch. All randomness comes from Philox(seed) on stream `step`, so
    /// a step is reproducible (and resumable) from (seed, step). `firstIndex` is the position of
    /// x0's first sample in the step's global batch: a data-parallel shard draws the timesteps,
    /// label drops and noise the whole batch gives those samples. (Dropout masks, when the
    /// denoiser has dropout, are drawn per call and so differ between a shard and the whole.)
    public func callAsFunction(
        denoiser: Denoiser, x0: Tensor, labels: [Int], seed: UInt64, step: Int, firstIndex: Int = 0
    ) -> Tensor {
        let batch = x0.shape[0], size = x0.count / max(1, batch)
        let philox = Philox(seed: seed)
        let stream = UInt64(step)
        let noise = Tensor(zeros: x0.shape)
        // Block 0 of the stream: t (from u.0 and u.2) and the label-drop draw (u.1) for each
        // sample; noise from block 1 << 32.
        let method = weighting.weighting
        var timesteps = [Float](repeating: 0, count: batch), weights = [Float](repeating: 1, count: batch)
        var dropped = labels
        for b in 0..<batch {
            let u = philox.uniforms(stream: stream, index: UInt64(firstIndex + b))
            let t = method.timestep(u.0, u.2, schedule: schedule)
            timesteps[b] = Float(t)
            weights[b] = method.weight(at: t, schedule: schedule, prediction: prediction)
            if u.1 < labelDropout { dropped[b] = -1 }
        }
        philox.fillNormals(noise.data, count: noise.count, stream: stream, offset: 1 << 32, first: firstIndex * size)
        let xt = Tensor(zeros: x0.shape), target = Tensor(zeros: x0.shape)
        for b in 0..<batch {
            let (alpha, sigma) = schedule.scales(at: Int(timesteps[b]))
            let (a, s) = (Float(alpha), Float(sigma))
            for i in (b * size)..<((b + 1) * size) {
                xt.data[i] = a * x0.data[i] + s * noise.data[i]
                target.data[i] = prediction.target(x0: x0.data[i], noise: noise.data[i], alpha: a, sigma: s)
            }
        }
        let output = denoiser(xt, timesteps: timesteps, labels: dropped,
                              dropout: DropoutNoise(seed: seed, stream: stream))
        return weighting == .none ? mseLoss(output, target) : mseLoss(output, target, rowWeights: weights)
    }
}
