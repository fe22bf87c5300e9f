/// How the denoising objective spreads its effort over noise levels: which timesteps training
/// draws, and how much each sample's squared error weighs.
///
/// Weights are stated in x0 space and converted to the prediction's: the squared error of a
/// prediction is the x0-space error times SNR (eps) or SNR + 1 (v), SNR = alpha^2 / sigma^2, so a
/// weighting with x0-space weight lambda(SNR) weighs a sample's eps or v error by lambda / SNR or
/// lambda / (SNR + 1).
public protocol LossWeighting: Sendable {
    /// The timestep of a training sample from two independent uniforms in [0, 1).
    func timestep(_ u: Float, _ v: Float, schedule: NoiseSchedule) -> Int
    /// lambda(SNR): the weight of the x0-space squared error at this signal-to-noise ratio.
    func x0Weight(snr: Double) -> Double
    /// The weight of a sample's squared error in the prediction's own space at timestep t
    /// (by default lambda(SNR) over the prediction's own x0-space weight).
    func weight(at t: Int, schedule: NoiseSchedule, prediction: PredictionType) -> Float
}

extension LossWeighting {
    public func weight(at t: Int, schedule: NoiseSchedule, prediction: PredictionType) -> Float {
        let (alpha, sigma) = schedule.scales(at: t)
        let snr = alpha * alpha / (sigma * sigma)
        return Float(x0Weight(snr: snr) / prediction.x0Weight(snr: snr))
    }

    /// t ~ U{0 ..< T}.
    func uniformTimestep(_ u: Float, schedule: NoiseSchedule) -> Int {
        min(schedule.timesteps - 1, Int(u * Float(schedule.timesteps)))
    }
}

/// The weightings `train --loss-weighting` offers.
public enum LossWeightingKind: String, Sendable, CaseIterable, Codable {
    /// The plain objective: t uniform, every sample's eps or v error weighted 1.
    case none
    /// Min-SNR-gamma (Hang et al. 2023), gamma = 5.
    case minSNR = "min-snr"
    /// EDM's noise levels and weighting (Karras et al. 2022).
    case edm

    /// The weighting itself (the one place a new weighting is registered).
    public var weighting: any LossWeighting {
        switch self {
        case .none: PlainWeighting()
        case .minSNR: MinSNRWeighting(gamma: 5)
        case .edm: EDMWeighting()
        }
    }
}

extension PredictionType {
    /// How the squared error of this prediction weighs the x0-space error: SNR for eps (x0 - x0^ =
    /// (sigma / alpha) (eps^ - eps)), SNR + 1 for v (x0 - x0^ = sigma (v^ - v), 1 / sigma^2 = SNR + 1).
    public func x0Weight(snr: Double) -> Double {
        switch self {
        case .epsilon: snr
        case .v: snr + 1
        }
    }
}
