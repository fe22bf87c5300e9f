/// A multistep solver in the data prediction (the DPM-Solver++ family): each step takes the model
/// once, ends at x' = D on the step to clean data, and keeps the last predictions and log-SNR
/// step sizes in the sample's history.
protocol MultistepSolver: SamplingMethod {
    /// x <- the step from x with prediction D, h = lambda' - lambda > 0, and the earlier step
    /// sizes `history` (most recent first; empty on the first step).
    func advance(_ state: SampleState, _ step: SamplingStep, h: Double, history: [Double])
}

extension MultistepSolver {
    var defaultSpacing: NoiseSchedule.Spacing { .uniformLogSNR }

    func stages(of step: SamplingStep) -> Int { 1 }

    func update(_ state: SampleState, _ step: SamplingStep, stage: Int, noise: (UnsafeMutablePointer<Float>) -> Void) {
        defer { state.remember(state.prediction) }
        if step.sigmaNext == 0 { return state.x.update(from: state.prediction, count: state.size) }
        let h = step.logSNRStep
        advance(state, step, h: h, history: step.index > 0 ? state.previousStepSizes : [])
        state.rememberStep(h)
    }
}
