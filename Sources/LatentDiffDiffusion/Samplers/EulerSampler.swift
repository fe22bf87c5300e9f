/// Euler's method on the probability-flow ODE in the variance-exploding form (Karras et al.
/// 2022): x~' = x~ + (sigma~' - sigma~) eps with x~ = x / alpha. Since x~ = D + sigma~ eps, that is
/// x' = alpha' D + sigma' eps, computed so (the other form cancels large terms near t = T): the
/// update of DDIM with eta 0. Its default spacing is Karras et al.'s noise levels.
struct EulerSampler: SamplingMethod {
    var defaultSpacing: NoiseSchedule.Spacing { .karras }

    func stages(of step: SamplingStep) -> Int { 1 }

    func update(_ state: SampleState, _ step: SamplingStep, stage: Int, noise: (UnsafeMutablePointer<Float>) -> Void) {
        let (x, d, eps) = (state.x, state.prediction, state.eps)
        let (alphaNext, sigmaNext) = (Float(step.alphaNext), Float(step.sigmaNext))
        for i in 0..<state.size { x[i] = alphaNext * d[i] + sigmaNext * eps[i] }
    }
}
