/// DDIM (Song et al. 2021) with stochasticity eta; eta = 1 is ancestral DDPM on the respaced
/// schedule. With abar = alpha^2:
/// x' = alpha' D + sqrt(1 - abar' - s^2) eps + s z, s = eta sqrt((1 - abar') / (1 - abar)) sqrt(1 - abar / abar').
struct DDIMSampler: SamplingMethod {
    let eta: Double

    var defaultSpacing: NoiseSchedule.Spacing { .uniformTime }

    func stages(of step: SamplingStep) -> Int { 1 }

    func update(_ state: SampleState, _ step: SamplingStep, stage: Int, noise: (UnsafeMutablePointer<Float>) -> Void) {
        let abar = step.alpha * step.alpha, abarNext = step.alphaNext * step.alphaNext
        let noiseScale = eta * ((1 - abarNext) / (1 - abar) * (1 - abar / abarNext)).squareRoot()
        let epsScale = max(0, 1 - abarNext - noiseScale * noiseScale).squareRoot()
        let (x, d, eps, z, size) = (state.x, state.prediction, state.eps, state.noise, state.size)
        if noiseScale > 0 { noise(z) } else { z.update(repeating: 0, count: size) }
        for i in 0..<size {
            x[i] = Float(step.alphaNext) * d[i] + Float(epsScale) * eps[i] + Float(noiseScale) * z[i]
        }
    }
}
