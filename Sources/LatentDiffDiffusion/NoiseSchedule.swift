import LatentDiffKernels

#if canImport(Glibc)
import Glibc
#endif

/// The forward (noising) process q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I), t = 0 ..< T,
/// described by abar_t = prod_{s <= t} (1 - beta_s).
public struct NoiseSchedule: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        /// beta_t linear from 1e-4 to 0.02 (scaled by 1000 / T) (Ho et al. 2020).
        case linear
        /// abar_t = f(t) / f(0), f(t) = cos^2(((t + 1) / T + s) / (1 + s) * pi / 2), s = 0.008,
        /// betas clipped to 0.999 (Nichol & Dhariwal 2021).
        case cosine
    }

    public let kind: Kind
    public let timesteps: Int
    /// abar_t for t = 0 ..< T, in Double for accurate closed forms.
    public let alphasCumprod: [Double]

    public init(kind: Kind, timesteps: Int = 1000) throws(LatentDiffError) {
        guard (2...100_000).contains(timesteps) else {
            throw .invalidArgument("the number of diffusion timesteps must be in 2...100000, not \(timesteps)")
        }
        self.kind = kind
        self.timesteps = timesteps
        var betas = [Double](repeating: 0, count: timesteps)
        switch kind {
        case .linear:
            let scale = 1000.0 / Double(timesteps)
            let start = scale * 1e-4, end = scale * 0.02
            for t in 0..<timesteps { betas[t] = start + (end - start) * Double(t) / Double(timesteps - 1) }
        case .cosine:
            let s = 0.008
            func f(_ t: Double) -> Double {
                let angle = (t / Double(timesteps) + s) / (1 + s) * Double.pi / 2
                return cos(angle) * cos(angle)
            }
            for t in 0..<timesteps { betas[t] = min(0.999, 1 - f(Double(t + 1)) / f(Double(t))) }
        }
        var product = 1.0
        alphasCumprod = betas.map { product *= 1 - $0; return product }
    }

    /// sqrt(abar_t) and sqrt(1 - abar_t): the signal and noise scales at t; t = -1 means clean data.
    public func scales(at t: Int) -> (alpha: Double, sigma: Double) {
        let abar = t < 0 ? 1.0 : alphasCumprod[min(t, timesteps - 1)]
        return (abar.squareRoot(), (1 - abar).squareRoot())
    }

    /// How sampling timesteps are spread over 0 ..< T.
    public enum Spacing: Sendable {
        /// Evenly in t (DDPM/DDIM respacing).
        case uniformTime
        /// Evenly in log-SNR lambda = log(alpha / sigma), rounded to the nearest discrete t, with
        /// repeats merged: the spacing DPM-Solver++ needs, since uniform t makes the last lambda
        /// steps huge and its second-order extrapolation overshoot.
        case uniformLogSNR
    }

    /// Model timesteps for sampling, from T - 1 down to 0, at most `steps` of them.
    public func samplingTimesteps(steps: Int, spacing: Spacing = .uniformTime) -> [Int] {
        let n = max(1, min(steps, timesteps))
        if n == 1 { return [timesteps - 1] }
        switch spacing {
        case .uniformTime:
            return (0..<n).map { i in
                Int((Double(timesteps - 1) * Double(n - 1 - i) / Double(n - 1)).rounded())
            }
        case .uniformLogSNR:
            let lambdas = alphasCumprod.map { 0.5 * log($0 / (1 - $0)) }  // increasing as t falls
            let first = lambdas[timesteps - 1], last = lambdas[0]
            var result: [Int] = []
            var t = timesteps - 1
            for i in 0..<n {
                let target = first + (last - first) * Double(i) / Double(n - 1)
                // lambdas decrease in t: walk t down to the nearest value.
                while t > 0, abs(lambdas[t - 1] - target) <= abs(lambdas[t] - target) { t -= 1 }
                if result.last != t { result.append(t) }
            }
            return result
        }
    }
}
