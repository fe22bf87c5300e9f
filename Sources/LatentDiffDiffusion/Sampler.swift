import LatentDiffKernels
import LatentDiffNN

#if canImport(Glibc)
import Glibc
#endif

/// The raw denoiser output for `x` (n, latent shape...) at one timestep, with one class label per
/// sample (-1 = no class). Must be safe to call from several threads at once.
public typealias DenoiseFunction = @Sendable (_ x: Tensor, _ timestep: Int, _ labels: [Int]) -> Tensor

/// Reverse diffusion: turns seeded noise into samples of the learned distribution.
///
/// Reproducibility: sample i's noise is drawn from Philox keyed by (seed, i, step); samples are
/// denoised in batches (`batchLimit`, with guidance's unconditional halves in the same batch), and
/// inference computes every sample's outputs the same way whatever batch it is in
/// (`BLAS.sgemm`, per-sample normalization); no op splits its work by thread count.
/// So a seed gives the same bits whatever the batch size, the sample's neighbours or the number of
/// threads. Threads take whole batches.
public struct Sampler: Sendable {
    public let schedule: NoiseSchedule
    public let prediction: PredictionType

    /// Most samples the denoiser sees in one call (twice as many rows with guidance).
    public static let batchLimit = 64

    public init(schedule: NoiseSchedule, prediction: PredictionType) {
        self.schedule = schedule
        self.prediction = prediction
    }

    /// Samples `labels.count` latents of `latentShape`; sample k has global index `firstIndex + k`
    /// (for sharding across processes). Returns them concatenated, (count, latent shape...).
    /// `progress(done, total)` is called on the calling thread after each step; returning false
    /// cancels and throws `.cancelled`. The weights behind `model` must not change during the call:
    /// its convolutions pack each weight once for all steps (`PackedWeights`).
    ///
    /// With `start` (SDEdit, Meng et al. 2022): each sample begins from its own clean latent x0
    /// (standardized, `count` of them concatenated) noised to the sampling timestep reached after
    /// the first (1 - strength) of the steps, x = alpha_t x0 + sigma_t z with the sample's own keyed
    /// noise z (the x_T it would start from), and only the remaining round(strength n) steps run,
    /// keeping their indices (and so their noise keys). Strength 1 is plain generation, bit for
    /// bit; strength 0 returns x0.
    ///
    /// With `noise` (`count` latents, standardized): sample k starts from noise k instead of its
    /// keyed x_T (`initialNoise` gives the keyed ones, so passing them changes no bit); later noise
    /// of stochastic methods is still keyed by (seed, index, step).
    ///
    /// `guide`: the weaker denoiser autoguidance (`settings.autoguidance`) pushes away from;
    /// unused when that weight is 0.
    ///
    /// With `mask` (needs `start`; `count` latents of weights m in [0, 1], 1 = regenerate): after
    /// every step, reaching level (alpha', sigma'), the known part is re-imposed from the start,
    /// x <- m x + (1 - m) (alpha' x0 + sigma' z), z the sample's x_T (keyed or from `noise`), and
    /// so before the first step at its own level; after the last step (alpha', sigma') = (1, 0),
    /// so where m = 0 the result is x0 exactly.
    public func sample(
        settings: SamplerSettings, seed: UInt64, labels: [Int], latentShape: [Int], firstIndex: Int = 0,
        threads: Int = 1, start: (latents: [Float], strength: Double)? = nil, noise: [Float]? = nil,
        mask: [Float]? = nil, guide: DenoiseFunction? = nil, model: DenoiseFunction,
        progress: (Int, Int) -> Bool = { _, _ in true }
    ) throws(LatentDiffError) -> [Float] {
        try settings.validate(timesteps: schedule.timesteps)
        if settings.autoguidance != 0, guide == nil { throw .invalidArgument("autoguidance needs a guide denoiser") }
        let autoguide = settings.autoguidance == 0 ? nil : guide.map { (denoiser: $0, weight: settings.autoguidance) }
        let count = labels.count
        let size = latentShape.reduce(1, *)
        guard count > 0, size > 0 else { throw .invalidArgument("nothing to sample: \(count) samples of \(latentShape)") }
        let method = settings.method
        let timesteps = schedule.samplingTimesteps(steps: settings.steps,
                                                   spacing: settings.spacing ?? method.defaultSpacing)
        let philox = Philox(seed: seed)
        let states = (0..<count).map { k in
            SampleState(size: size, philox: philox, index: UInt64(firstIndex + k))
        }
        if let noise {
            guard noise.count == count * size else {
                throw .invalidArgument("the initial noise must be \(count) latents of \(latentShape) (\(count * size) floats, not \(noise.count))")
            }
            if let bad = noise.firstIndex(where: { !$0.isFinite }) {
                throw .invalidArgument("the initial noise must be finite: value \(bad % size) of sample \(bad / size) is \(noise[bad])")
            }
            for (k, state) in states.enumerated() { state.x.update(from: Array(noise[(k * size)..<((k + 1) * size)]), count: size) }
        }
        var known: (x0: [Float], z: [Float], mask: [Float])?
        if let mask {
            guard let start else { throw .invalidArgument("a mask needs a starting image (the known part)") }
            guard mask.count == count * size, mask.allSatisfy({ (0...1).contains($0) }) else {
                throw .invalidArgument("the mask must be \(count) latents of \(latentShape) of weights in [0, 1]")
            }
            known = (start.latents, states.flatMap { Array(UnsafeBufferPointer(start: $0.x, count: size)) }, mask)
        }
        var first = 0
        if let start {
            guard start.strength.isFinite, (0...1).contains(start.strength) else {
                throw .invalidArgument("strength must be in [0, 1], not \(start.strength)")
            }
            guard start.latents.count == count * size, start.latents.allSatisfy({ $0.isFinite }) else {
                throw .invalidArgument("the starting latents must be \(count) finite latents of \(latentShape)")
            }
            let kept = Int((start.strength * Double(timesteps.count)).rounded())
            first = timesteps.count - kept
            for (k, state) in states.enumerated() where first > 0 {
                let x0 = start.latents[(k * size)..<((k + 1) * size)]
                if first == timesteps.count {
                    state.x.update(from: Array(x0), count: size)
                } else {
                    let (alpha, sigma) = schedule.scales(at: timesteps[first])
                    for (i, value) in x0.enumerated() { state.x[i] = Float(alpha) * value + Float(sigma) * state.x[i] }
                }
            }
        }
        if let known, first == 0 {
            // x_T holds z everywhere; the kept part starts at alpha_{t_0} x0 + sigma_{t_0} z.
            let (alpha, sigma) = schedule.scales(at: timesteps[0])
            reimpose(known, into: states, size: size, alpha: Float(alpha), sigma: Float(sigma))
        }
        // The denoiser's weights are the same at every step: each is packed once for the call.
        let packedWeights = PackedWeights()
        for (stepIndex, t) in timesteps.enumerated() where stepIndex >= first {
            let next = stepIndex + 1 < timesteps.count ? timesteps[stepIndex + 1] : -1
            let step = SamplingStep(index: stepIndex, count: timesteps.count, t: t, next: next, schedule: schedule)
            for stage in 0..<method.stages(of: step) {
                let (alpha, sigma) = step.scales(ofStage: stage)
                let guidance = settings.guidance(atNoiseLevel: sigma / alpha)
                Parallel.forEachBatch(count, threads: threads, largest: Self.batchLimit) { batch in
                    PackedWeights.reusing(packedWeights) {
                        guidedOutputs(Array(states[batch]), shape: latentShape, t: step.timestep(ofStage: stage),
                                      labels: Array(labels[batch]), guidance: guidance, rescale: settings.guidanceRescale,
                                      model: model, guide: autoguide)
                    }
                    for k in batch {
                        let state = states[k], sampleIndex = UInt64(firstIndex + k)
                        splitOutput(state, scales: step.scales(ofStage: stage), clip: settings.x0Clip)
                        method.update(state, step, stage: stage) { z in
                            philox.fillNormals(z, count: size, stream: sampleIndex, offset: UInt64(stepIndex + 1) << 32)
                        }
                    }
                }
            }
            if let known {
                let (alpha, sigma) = schedule.scales(at: next)
                reimpose(known, into: states, size: size, alpha: Float(alpha), sigma: Float(sigma))
            }
            guard progress(stepIndex + 1 - first, timesteps.count - first) else { throw .cancelled() }
        }
        var result = [Float]()
        result.reserveCapacity(count * size)
        for state in states { result.append(contentsOf: UnsafeBufferPointer(start: state.x, count: size)) }
        return result
    }

    /// x <- m x + (1 - m) (alpha x0 + sigma z) for every sample (`known` holds x0, z and m of all
    /// samples, concatenated); m = 1 leaves x as it is, bit for bit.
    func reimpose(_ known: (x0: [Float], z: [Float], mask: [Float]), into states: [SampleState], size: Int,
                  alpha: Float, sigma: Float) {
        for (k, state) in states.enumerated() {
            for i in 0..<size {
                let j = k * size + i, m = known.mask[j]
                guard m < 1 else { continue }
                state.x[i] = m * state.x[i] + (1 - m) * (alpha * known.x0[j] + sigma * known.z[j])
            }
        }
    }

    /// The x_T that sampling draws for samples `firstIndex ..< firstIndex + count` with `seed`, in
    /// the sampler's standardized units (unit normal, one latent of `size` after another): what
    /// `sample(noise:)` takes.
    public static func initialNoise(seed: UInt64, firstIndex: Int, count: Int, size: Int) -> [Float] {
        let philox = Philox(seed: seed)
        var noise = [Float](repeating: 0, count: count * size)
        noise.withUnsafeMutableBufferPointer { buffer in
            for k in 0..<count { fillInitialNoise(buffer.baseAddress! + k * size, size: size, philox: philox, index: UInt64(firstIndex + k)) }
        }
        return noise
    }

    /// Sample `index`'s x_T: unit normals from Philox stream `index`, offset 0 (later steps' noise
    /// uses offsets (step + 1) << 32).
    static func fillInitialNoise(_ x: UnsafeMutablePointer<Float>, size: Int, philox: Philox, index: UInt64) {
        philox.fillNormals(x, count: size, stream: index, offset: 0)
    }

    /// The model outputs c for a batch of samples, with classifier-free guidance u + g (c - u) for
    /// each sample with a class when g != 1 (u the unconditional output), then for every sample,
    /// when `guide` = (denoiser, w) is given, autoguidance's + w (c - a) (a the guide's output for
    /// the same sample and label); each output either changed is then rescaled towards c's spread
    /// by `rescale`. One model call, whose rows are the samples (their class or -1) followed by the
    /// classifier-free guided samples again (-1), and one guide call on the samples.
    func guidedOutputs(
        _ states: [SampleState], shape: [Int], t: Int, labels: [Int], guidance: Float, rescale: Float = 0,
        model: DenoiseFunction, guide: (denoiser: DenoiseFunction, weight: Float)? = nil
    ) {
        let size = shape.reduce(1, *)
        let guided = states.indices.filter { labels[$0] >= 0 && guidance != 1 }
        let input = Tensor(zeros: [states.count + guided.count] + shape)
        for (row, state) in states.enumerated() { (input.data + row * size).update(from: state.x, count: size) }
        for (row, k) in guided.enumerated() {
            (input.data + (states.count + row) * size).update(from: states[k].x, count: size)
        }
        let result = model(input, t, labels + [Int](repeating: -1, count: guided.count))
        let auto = guide.map { guide in
            let samples = Tensor(zeros: [states.count] + shape)
            samples.data.update(from: input.data, count: states.count * size)
            return (outputs: guide.denoiser(samples, t, labels), weight: guide.weight)
        }
        withExtendedLifetime((result, auto?.outputs)) {
            for (k, state) in states.enumerated() { state.output.update(from: result.data + k * size, count: size) }
            for (row, k) in guided.enumerated() {
                let (c, u, out) = (result.data + k * size, result.data + (states.count + row) * size, states[k].output)
                for i in 0..<size { out[i] = u[i] + guidance * (c[i] - u[i]) }
            }
            if let auto {
                for (k, state) in states.enumerated() {
                    let (c, a, out) = (result.data + k * size, auto.outputs.data + k * size, state.output)
                    for i in 0..<size { out[i] += auto.weight * (c[i] - a[i]) }
                }
            }
            guard rescale > 0 else { return }
            for k in auto == nil ? guided : Array(states.indices) {
                rescaleSpread(states[k].output, towards: result.data + k * size, count: size, phi: rescale)
            }
        }
    }

    /// g <- phi g std(c) / std(g) + (1 - phi) g (Lin et al. 2024, their Algorithm 2; std over the
    /// sample's values).
    func rescaleSpread(_ g: UnsafeMutablePointer<Float>, towards c: UnsafePointer<Float>, count: Int, phi: Float) {
        func variance(_ x: UnsafePointer<Float>) -> Double {
            var (sum, squares) = (0.0, 0.0)
            for i in 0..<count { (sum, squares) = (sum + Double(x[i]), squares + Double(x[i]) * Double(x[i])) }
            let mean = sum / Double(count)
            return max(0, squares / Double(count) - mean * mean)
        }
        let (guided, conditional) = (variance(g), variance(c))
        guard guided > 0 else { return }
        let factor = Float(Double(phi) * (conditional / guided).squareRoot() + Double(1 - phi))
        for i in 0..<count { g[i] *= factor }
    }

    /// The data prediction D (clamped to [-clip, clip] when set, eps then recomputed from it)
    /// and eps of a sample's model output at scales (alpha, sigma).
    func splitOutput(_ state: SampleState, scales: (alpha: Double, sigma: Double), clip: Float?) {
        let (alpha, sigma) = (Float(scales.alpha), Float(scales.sigma))
        let (x, output, d, eps) = (state.x, state.output, state.prediction, state.eps)
        for i in 0..<state.size {
            var (x0, e) = prediction.split(xt: x[i], output: output[i], alpha: alpha, sigma: sigma)
            if let clip, abs(x0) > clip {
                x0 = max(-clip, min(clip, x0))
                e = (x[i] - alpha * x0) / sigma
            }
            d[i] = x0
            eps[i] = e
        }
    }
}

/// One sample's running state, in buffers allocated once: x_t, the (guided) model output, the
/// data prediction D and eps derived from it, a scratch buffer for noise, the two previous data
/// predictions with their log-SNR step sizes (multistep methods; a one-step method may use the
/// two buffers as scratch).
public final class SampleState: @unchecked Sendable {
    public let size: Int
    private let storage: UnsafeMutablePointer<Float>
    public var x: UnsafeMutablePointer<Float> { storage }
    public var output: UnsafeMutablePointer<Float> { storage + size }
    public var prediction: UnsafeMutablePointer<Float> { storage + 2 * size }
    public var eps: UnsafeMutablePointer<Float> { storage + 3 * size }
    public var noise: UnsafeMutablePointer<Float> { storage + 4 * size }
    public var previousPrediction: UnsafeMutablePointer<Float> { storage + 5 * size }
    public var secondPreviousPrediction: UnsafeMutablePointer<Float> { storage + 6 * size }
    /// h of the previous steps, most recent first (at most 2).
    public private(set) var previousStepSizes: [Double] = []

    init(size: Int, philox: Philox, index: UInt64) {
        self.size = size
        storage = .allocate(capacity: 7 * size)
        storage.initialize(repeating: 0, count: 7 * size)
        Sampler.fillInitialNoise(x, size: size, philox: philox, index: index)
    }

    deinit { storage.deallocate() }

    /// Shifts `d` into the history of data predictions: D_2 <- D_1 <- d.
    func remember(_ d: UnsafePointer<Float>) {
        secondPreviousPrediction.update(from: previousPrediction, count: size)
        previousPrediction.update(from: d, count: size)
    }

    /// Shifts the step size `h` into the history.
    func rememberStep(_ h: Double) {
        previousStepSizes = [h] + previousStepSizes.prefix(1)
    }
}
