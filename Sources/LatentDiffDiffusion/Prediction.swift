/// What the denoiser outputs for x_t = alpha x_0 + sigma eps.
public enum PredictionType: String, Sendable, CaseIterable, Codable {
    /// The noise eps.
    case epsilon
    /// v = alpha eps - sigma x_0 (Salimans & Ho 2022).
    case v

    /// The training target for clean `x0` and `noise` at scales (alpha, sigma).
    @inlinable
    public func target(x0: Float, noise: Float, alpha: Float, sigma: Float) -> Float {
        switch self {
        case .epsilon: return noise
        case .v: return alpha * noise - sigma * x0
        }
    }

    /// (x0, eps) recovered from x_t and the model output at scales (alpha, sigma), alpha^2 + sigma^2 = 1.
    @inlinable
    public func split(xt: Float, output: Float, alpha: Float, sigma: Float) -> (x0: Float, eps: Float) {
        switch self {
        case .epsilon:
            return ((xt - sigma * output) / alpha, output)
        case .v:
            return (alpha * xt - sigma * output, sigma * xt + alpha * output)
        }
    }
}
