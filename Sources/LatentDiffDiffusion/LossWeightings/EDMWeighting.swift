#if canImport(Glibc)
import Glibc
#endif

/// EDM's training distribution and weighting (Karras et al. 2022), for data of unit variance
/// (latents are standardized): noise levels sigma~ = sigma / alpha log-normal, ln sigma~ ~
/// N(-1.2, 1.2^2), each rounded to the timestep of nearest log-SNR; x0-space weight
/// (sigma~^2 + 1) / sigma~^2 = SNR + 1 (with eps prediction (SNR + 1) / SNR, with v 1: EDM's
/// objective is v-prediction's under its noise levels).
struct EDMWeighting: LossWeighting {
    static let logSigmaMean = -1.2, logSigmaStd = 1.2

    func timestep(_ u: Float, _ v: Float, schedule: NoiseSchedule) -> Int {
        // Box-Muller: n = sqrt(-2 ln(1 - u)) cos(2 pi v) ~ N(0, 1); lambda = -ln sigma~.
        let n = (-2 * log(1 - Double(u))).squareRoot() * cos(2 * Double.pi * Double(v))
        return schedule.timestep(nearestLogSNR: -(Self.logSigmaMean + Self.logSigmaStd * n))
    }

    func x0Weight(snr: Double) -> Double { snr + 1 }
}
