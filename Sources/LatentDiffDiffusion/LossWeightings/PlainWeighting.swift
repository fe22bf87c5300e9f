/// The plain objective (Ho et al. 2020): t ~ U{0 ..< T}, each sample's eps or v error weighted 1
/// (x0-space weight SNR for eps, SNR + 1 for v).
struct PlainWeighting: LossWeighting {
    func timestep(_ u: Float, _ v: Float, schedule: NoiseSchedule) -> Int { uniformTimestep(u, schedule: schedule) }

    /// Unused: `weight(at:)` is 1 whatever the prediction.
    func x0Weight(snr: Double) -> Double { snr }

    func weight(at t: Int, schedule: NoiseSchedule, prediction: PredictionType) -> Float { 1 }
}
