import LatentDiffKernels

/// One reverse-diffusion method (DDIM, DPM-Solver++, Euler, Heun, ...): how a sample moves from
/// x_t to x_next, given the (guided) model's data prediction D and noise prediction eps at t.
///
/// x_t = alpha_t x_0 + sigma_t eps (variance preserving). Methods written for the variance-exploding
/// form (Karras et al. 2022) use x~ = x / alpha, sigma~ = sigma / alpha: dx~/dsigma~ = eps.
/// Each sample's history (earlier predictions, step sizes) lives in its `SampleState`. A method
/// that needs the model at more points than t (Heun) asks for more stages: stage s > 0 is
/// evaluated at `next` with x_t holding the point to evaluate.
public protocol SamplingMethod: Sendable {
    /// The spacing of timesteps it is meant for (the settings may choose another).
    var defaultSpacing: NoiseSchedule.Spacing { get }

    /// Model evaluations in the step (1, or 2 for a predictor-corrector step).
    func stages(of step: SamplingStep) -> Int

    /// Stage `stage` of the step for one sample: `state.prediction` and `state.eps` hold D and eps
    /// at the stage's point; updates `state.x` (to x_next after the last stage) and its history.
    /// `noise` fills a buffer with the sample's standard normal noise for this step.
    func update(_ state: SampleState, _ step: SamplingStep, stage: Int, noise: (UnsafeMutablePointer<Float>) -> Void)
}

/// One step from timestep t to `next` (-1 = clean data) with their scales.
public struct SamplingStep: Sendable {
    /// Step `index` of `count`, from t to `next`.
    public let index: Int, count: Int, t: Int, next: Int
    public let alpha: Double, sigma: Double, alphaNext: Double, sigmaNext: Double

    init(index: Int, count: Int, t: Int, next: Int, schedule: NoiseSchedule) {
        (self.index, self.count, self.t, self.next) = (index, count, t, next)
        (alpha, sigma) = schedule.scales(at: t)
        (alphaNext, sigmaNext) = schedule.scales(at: next)
    }

    /// The timestep stage `stage` evaluates the model at: t, then `next`.
    func timestep(ofStage stage: Int) -> Int { stage == 0 ? t : next }

    /// The scales (alpha, sigma) at stage `stage`'s point.
    func scales(ofStage stage: Int) -> (alpha: Double, sigma: Double) {
        stage == 0 ? (alpha, sigma) : (alphaNext, sigmaNext)
    }

    /// log-SNR step h = lambda' - lambda, lambda = log(alpha / sigma) (infinite to clean data).
    var logSNRStep: Double { log(alphaNext / sigmaNext) - log(alpha / sigma) }

    /// sigma~ = sigma / alpha now and next (the variance-exploding noise levels).
    var veSigma: Double { sigma / alpha }
    var veSigmaNext: Double { sigmaNext / alphaNext }
}

#if canImport(Glibc)
import Glibc
#endif
