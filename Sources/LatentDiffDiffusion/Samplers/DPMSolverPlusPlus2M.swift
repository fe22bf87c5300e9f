#if canImport(Glibc)
import Glibc
#endif

/// DPM-Solver++(2M) (Lu et al. 2022), second-order multistep in the data prediction, for 10-25
/// steps. h = lambda' - lambda; first order (DDIM) on the first and last steps, otherwise
/// D <- (1 + 1/(2r)) D - 1/(2r) D_prev, r = h_prev / h; then
/// x' = (sigma' / sigma) x - alpha' (e^{-h} - 1) D   (x' = D at the end, sigma' = 0).
struct DPMSolverPlusPlus2M: MultistepSolver {
    func advance(_ state: SampleState, _ step: SamplingStep, h: Double, history: [Double]) {
        let (x, d, size) = (state.x, state.prediction, state.size)
        let blended = state.noise  // scratch: the blended data prediction
        blended.update(from: d, count: size)
        if let hPrevious = history.first {
            let r = hPrevious / h
            let a = Float(1 + 1 / (2 * r)), b = Float(1 / (2 * r))
            let previous = state.previousPrediction
            for i in 0..<size { blended[i] = a * d[i] - b * previous[i] }
        }
        let ratio = Float(step.sigmaNext / step.sigma), coefficient = Float(step.alphaNext * (exp(-h) - 1))
        for i in 0..<size { x[i] = ratio * x[i] - coefficient * blended[i] }
    }
}
