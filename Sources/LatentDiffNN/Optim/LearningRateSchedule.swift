#if canImport(Glibc)
import Glibc
#endif

/// Linear warm-up from 0 to `peak` over `warmupSteps`, then cosine decay to `floor` at `totalSteps`
/// (and `floor` after):  lr(s) = floor + (peak - floor) * (1 + cos(pi * (s - w) / (T - w))) / 2.
public struct WarmupCosineSchedule: Sendable, Equatable {
    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int
    public var floor: Float

    public init(peak: Float, warmupSteps: Int, totalSteps: Int, floor: Float = 0) {
        self.peak = peak
        self.warmupSteps = max(0, warmupSteps)
        self.totalSteps = max(totalSteps, self.warmupSteps + 1)
        self.floor = floor
    }

    /// The learning rate for update number `step` (0-based).
    public func learningRate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        let progress = min(1, Double(step - warmupSteps) / Double(totalSteps - warmupSteps))
        return floor + (peak - floor) * Float((1 + cos(Double.pi * progress)) / 2)
    }
}
