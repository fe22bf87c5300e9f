/// Euler ancestral (k-diffusion's `sample_euler_ancestral`, eta 1), variance-exploding form: an
/// Euler step down to sigma_down, then fresh noise of sigma_up, where
/// sigma_up = min(sigma~', sqrt(sigma~'^2 (sigma~^2 - sigma~'^2) / sigma~^2)),
/// sigma_down = sqrt(sigma~'^2 - sigma_up^2):
/// x~' = D + sigma_down eps + sigma_up z (as x~ + (sigma_down - sigma~) eps + sigma_up z), x = alpha x~.
struct EulerAncestralSampler: SamplingMethod {
    var defaultSpacing: NoiseSchedule.Spacing { .karras }

    func stages(of step: SamplingStep) -> Int { 1 }

    func update(_ state: SampleState, _ step: SamplingStep, stage: Int, noise: (UnsafeMutablePointer<Float>) -> Void) {
        let (x, d, eps, z, size) = (state.x, state.prediction, state.eps, state.noise, state.size)
        if step.sigmaNext == 0 { return x.update(from: d, count: size) }
        let (s, sNext) = (step.veSigma, step.veSigmaNext)
        let up = min(sNext, (sNext * sNext * (s * s - sNext * sNext) / (s * s)).squareRoot())
        let down = max(0, sNext * sNext - up * up).squareRoot()
        noise(z)
        let (alphaNext, slope, noiseScale) = (Float(step.alphaNext), Float(step.alphaNext * down), Float(step.alphaNext * up))
        for i in 0..<size { x[i] = alphaNext * d[i] + slope * eps[i] + noiseScale * z[i] }
    }
}
