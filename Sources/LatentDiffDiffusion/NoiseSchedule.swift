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
    public enum Spacing: String, Sendable, CaseIterable, Codable {
        /// Evenly in t from T - 1 to 0 (DDPM/DDIM respacing).
        case uniformTime = "uniform"
        /// Evenly in t from T - 1 down by T / n, ending at T / n - 1 rather than 0 (Lin et al.
        /// 2024, "trailing"): the first step starts at the last timestep, the last leaves a
        /// step's worth of noise for the final jump to clean data.
        case trailing
        /// Evenly in log-SNR lambda = log(alpha / sigma), rounded to the nearest discrete t, with
        /// repeats merged: the spacing DPM-Solver++ needs, since uniform t makes the last lambda
        /// steps huge and its second-order extrapolation overshoot.
        case uniformLogSNR = "logsnr"
        /// Karras et al. (2022)'s noise levels, sigma~_i = (smax^(1/rho) + i / (n - 1) (smin^(1/rho)
        /// - smax^(1/rho)))^rho with rho = 7, sigma~ = sigma / alpha, from smin = sigma~ at t = 0 to
        /// smax = sigma~ at T - 1 but at most 80 (theirs: the cosine schedule's last sigma~ is ~2e4,
        /// which would spend most levels where nothing changes), each rounded to the discrete t of
        /// nearest log sigma~, repeats merged; the first is T - 1, where x_T is drawn. Dense near the data.
        case karras
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
        case .trailing:
            return (0..<n).map { i in max(0, Int((Double(timesteps) * Double(n - i) / Double(n)).rounded()) - 1) }
        case .uniformLogSNR:
            let first = logSNR(timesteps - 1), last = logSNR(0)
            return nearestTimesteps((0..<n).map { i in first + (last - first) * Double(i) / Double(n - 1) })
        case .karras:
            // lambda = -log sigma~; sigma~ from largest to smallest.
            let rho = 7.0
            let largest = pow(min(80, exp(-logSNR(timesteps - 1))), 1 / rho), smallest = pow(exp(-logSNR(0)), 1 / rho)
            var result = nearestTimesteps((0..<n).map { i in
                -log(pow(largest + Double(i) / Double(n - 1) * (smallest - largest), rho))
            })
            if result[0] != timesteps - 1 { result[0] = timesteps - 1 }
            return result
        }
    }

    /// The timestep whose log-SNR is nearest `lambda` (t = 0 above the largest, T - 1 below the
    /// smallest), by bisection over the falling lambda_t.
    public func timestep(nearestLogSNR lambda: Double) -> Int {
        var (low, high) = (0, timesteps - 1)  // lambda_low >= lambda_high
        if !(lambda < logSNR(0)) { return 0 }
        if !(lambda > logSNR(timesteps - 1)) { return timesteps - 1 }
        while high - low > 1 {
            let middle = (low + high) / 2
            if logSNR(middle) >= lambda { low = middle } else { high = middle }
        }
        return logSNR(low) - lambda <= lambda - logSNR(high) ? low : high
    }

    /// lambda_t = log(alpha_t / sigma_t) = log(abar / (1 - abar)) / 2, falling as t grows.
    public func logSNR(_ t: Int) -> Double { 0.5 * log(alphasCumprod[t] / (1 - alphasCumprod[t])) }

    /// For log-SNR targets in increasing order, the timesteps of nearest log-SNR (falling), repeats merged.
    private func nearestTimesteps(_ targets: [Double]) -> [Int] {
        var result: [Int] = []
        var t = timesteps - 1
        for target in targets {
            // lambdas decrease in t: walk t down to the nearest value.
            while t > 0, abs(logSNR(t - 1) - target) <= abs(logSNR(t) - target) { t -= 1 }
            if result.last != t { result.append(t) }
        }
        return result
    }
}
