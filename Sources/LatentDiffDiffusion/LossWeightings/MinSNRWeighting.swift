/// Min-SNR-gamma (Hang et al. 2023): t ~ U{0 ..< T}, x0-space weight min(SNR, gamma), so nearly
/// clean timesteps (huge SNR) stop dominating the gradient: eps error weighted min(SNR, gamma) / SNR,
/// v error min(SNR, gamma) / (SNR + 1).
struct MinSNRWeighting: LossWeighting {
    let gamma: Double

    func timestep(_ u: Float, _ v: Float, schedule: NoiseSchedule) -> Int { uniformTimestep(u, schedule: schedule) }

    func x0Weight(snr: Double) -> Double { min(snr, gamma) }
}
