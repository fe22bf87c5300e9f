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
    /// cancels and throws `.cancelled`.
    public func sample(
        settings: SamplerSettings, seed: UInt64, labels: [Int], latentShape: [Int], firstIndex: Int = 0,
        threads: Int = 1, model: DenoiseFunction, progress: (Int, Int) -> Bool = { _, _ in true }
    ) throws(LatentDiffError) -> [Float] {
        try settings.validate(timesteps: schedule.timesteps)
        let count = labels.count
        let size = latentShape.reduce(1, *)
        guard count > 0, size > 0 else { throw .invalidArgument("nothing to sample: \(count) samples of \(latentShape)") }
        let timesteps = schedule.samplingTimesteps(
            steps: settings.steps, spacing: settings.kind == .dpmSolver ? .uniformLogSNR : .uniformTime)
        let philox = Philox(seed: seed)
        let states = (0..<count).map { k in
            SampleState(size: size, philox: philox, index: UInt64(firstIndex + k))
        }
        for (stepIndex, t) in timesteps.enumerated() {
            let next = stepIndex + 1 < timesteps.count ? timesteps[stepIndex + 1] : -1
            Parallel.forEachBatch(count, threads: threads, largest: Self.batchLimit) { batch in
                guidedOutputs(Array(states[batch]), shape: latentShape, t: t, labels: Array(labels[batch]),
                              guidance: settings.guidance, model: model)
                for k in batch {
                    step(states[k], t: t, next: next, stepIndex: stepIndex,
                         settings: settings, philox: philox, sampleIndex: UInt64(firstIndex + k))
                }
            }
            guard progress(stepIndex + 1, timesteps.count) else { throw .cancelled() }
        }
        var result = [Float]()
        result.reserveCapacity(count * size)
        for state in states { result.append(contentsOf: UnsafeBufferPointer(start: state.x, count: size)) }
        return result
    }

    /// The model outputs for a batch of samples, with classifier-free guidance u + g (c - u) for
    /// each sample with a class when g != 1: one model call, whose rows are the samples (their
    /// class or -1) followed by the guided samples again (-1, unconditional).
    func guidedOutputs(
        _ states: [SampleState], shape: [Int], t: Int, labels: [Int], guidance: Float, model: DenoiseFunction
    ) {
        let size = shape.reduce(1, *)
        let guided = states.indices.filter { labels[$0] >= 0 && guidance != 1 }
        let input = Tensor(zeros: [states.count + guided.count] + shape)
        for (row, state) in states.enumerated() { (input.data + row * size).update(from: state.x, count: size) }
        for (row, k) in guided.enumerated() {
            (input.data + (states.count + row) * size).update(from: states[k].x, count: size)
        }
        let result = model(input, t, labels + [Int](repeating: -1, count: guided.count))
        withExtendedLifetime(result) {
            for (k, state) in states.enumerated() { state.output.update(from: result.data + k * size, count: size) }
            for (row, k) in guided.enumerated() {
                let (c, u, out) = (result.data + k * size, result.data + (states.count + row) * size, states[k].output)
                for i in 0..<size { out[i] = u[i] + guidance * (c[i] - u[i]) }
            }
        }
    }

    /// One update of a sample from timestep t to `next` (-1 = clean data).
    func step(
        _ state: SampleState, t: Int, next: Int, stepIndex: Int,
        settings: SamplerSettings, philox: Philox, sampleIndex: UInt64
    ) {
        let (alpha, sigma) = schedule.scales(at: t)
        let (alphaNext, sigmaNext) = schedule.scales(at: next)
        let x = state.x, size = state.size, output = state.output
        // x0 (the data prediction D) and eps from the model output.
        let d = state.prediction, eps = state.eps
        for i in 0..<size {
            var (x0, e) = prediction.split(xt: x[i], output: output[i], alpha: Float(alpha), sigma: Float(sigma))
            if let clip = settings.x0Clip, abs(x0) > clip {
                x0 = max(-clip, min(clip, x0))
                e = (x[i] - Float(alpha) * x0) / Float(sigma)
            }
            d[i] = x0
            eps[i] = e
        }
        switch settings.kind {
        case .ddpm, .ddim:
            let eta = settings.kind == .ddpm ? 1 : Double(settings.eta)
            let abar = alpha * alpha, abarNext = alphaNext * alphaNext
            // sigma_t = eta sqrt((1 - abar') / (1 - abar)) sqrt(1 - abar / abar')
            let noiseScale = eta * ((1 - abarNext) / (1 - abar) * (1 - abar / abarNext)).squareRoot()
            let epsScale = max(0, 1 - abarNext - noiseScale * noiseScale).squareRoot()
            let z = state.noise
            if noiseScale > 0 {
                philox.fillNormals(z, count: size, stream: sampleIndex, offset: UInt64(stepIndex + 1) << 32)
            } else {
                z.update(repeating: 0, count: size)
            }
            for i in 0..<size {
                x[i] = Float(alphaNext) * d[i] + Float(epsScale) * eps[i] + Float(noiseScale) * z[i]
            }
        case .dpmSolver:
            // lambda = log(alpha / sigma); h = lambda' - lambda. First order (DDIM) on the first and
            // the last step; otherwise D <- (1 + 1/(2r)) D - 1/(2r) D_prev with r = h_prev / h.
            // x' = (sigma' / sigma) x - alpha' (e^{-h} - 1) D   (sigma' = 0 at the end: x' = D).
            if sigmaNext == 0 {
                x.update(from: d, count: size)
            } else {
                let lambda = log(alpha / sigma), lambdaNext = log(alphaNext / sigmaNext)
                let h = lambdaNext - lambda
                let blended = state.noise  // scratch: the blended data prediction
                blended.update(from: d, count: size)
                if let hPrevious = state.previousStepSize, stepIndex > 0 {
                    let r = hPrevious / h
                    let a = Float(1 + 1 / (2 * r)), b = Float(1 / (2 * r))
                    for i in 0..<size { blended[i] = a * d[i] - b * state.previousPrediction[i] }
                }
                let ratio = Float(sigmaNext / sigma), coefficient = Float(alphaNext * (exp(-h) - 1))
                for i in 0..<size { x[i] = ratio * x[i] - coefficient * blended[i] }
                state.previousStepSize = h
            }
            state.previousPrediction.update(from: d, count: size)
        }
    }
}

/// One sample's running state, in buffers allocated once: x_t, the (guided) model output, the
/// data prediction D and eps derived from it, D of the previous step with its step size (for
/// DPM-Solver++(2M)), and a scratch buffer for noise.
final class SampleState: @unchecked Sendable {
    let size: Int
    private let storage: UnsafeMutablePointer<Float>
    var x: UnsafeMutablePointer<Float> { storage }
    var output: UnsafeMutablePointer<Float> { storage + size }
    var prediction: UnsafeMutablePointer<Float> { storage + 2 * size }
    var eps: UnsafeMutablePointer<Float> { storage + 3 * size }
    var previousPrediction: UnsafeMutablePointer<Float> { storage + 4 * size }
    var noise: UnsafeMutablePointer<Float> { storage + 5 * size }
    var previousStepSize: Double?

    init(size: Int, philox: Philox, index: UInt64) {
        self.size = size
        storage = .allocate(capacity: 6 * size)
        storage.initialize(repeating: 0, count: 6 * size)
        philox.fillNormals(x, count: size, stream: index, offset: 0)
    }

    deinit { storage.deallocate() }
}
