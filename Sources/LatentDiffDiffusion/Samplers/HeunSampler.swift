/// Heun's second-order method on the probability-flow ODE (Karras et al. 2022, Algorithm 1
/// without churn), variance-exploding form: an Euler step to sigma~' with slope eps, the model at
/// that point gives eps', and the step is taken again with the mean slope:
/// x~' = x~ + (sigma~' - sigma~) (eps + eps') / 2 = D + sigma~' (eps + eps') / 2 + sigma~ (eps - eps') / 2
/// (x~ = D + sigma~ eps), so x' = alpha' D + sigma' (eps + eps') / 2 + alpha' sigma~ (eps - eps') / 2.
/// The last step (to clean data) is Euler's. Two model evaluations per step but the last.
struct HeunSampler: SamplingMethod {
    var defaultSpacing: NoiseSchedule.Spacing { .karras }

    func stages(of step: SamplingStep) -> Int { step.sigmaNext == 0 ? 1 : 2 }

    func update(_ state: SampleState, _ step: SamplingStep, stage: Int, noise: (UnsafeMutablePointer<Float>) -> Void) {
        let (x, d, eps, size) = (state.x, state.prediction, state.eps, state.size)
        let (alphaNext, sigmaNext) = (Float(step.alphaNext), Float(step.sigmaNext))
        // The step's D and eps at t, kept for the corrector (the history buffers serve as scratch).
        let (firstPrediction, firstSlope) = (state.previousPrediction, state.secondPreviousPrediction)
        if stage == 0 {
            // Predictor: the Euler point, where the model is evaluated next (or the end).
            firstPrediction.update(from: d, count: size)
            firstSlope.update(from: eps, count: size)
            for i in 0..<size { x[i] = alphaNext * d[i] + sigmaNext * eps[i] }
        } else {
            // Corrector: from the start again with the mean slope.
            let half = 0.5 * sigmaNext, correction = Float(0.5 * step.alphaNext * step.veSigma)
            for i in 0..<size {
                x[i] = alphaNext * firstPrediction[i] + half * (firstSlope[i] + eps[i]) + correction * (firstSlope[i] - eps[i])
            }
        }
    }
}
