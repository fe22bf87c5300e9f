import LatentDiffKernels

/// How long a training run lasts: a number of steps (reproducible) or a wall-clock budget.
public enum TrainingBudget: Sendable, Equatable {
    case steps(Int)
    case minutes(Double)

    /// From the CLI's `--steps` / `--minutes` (exactly one).
    public static func from(steps: Int?, minutes: Double?) throws(LatentDiffError) -> TrainingBudget {
        switch (steps, minutes) {
        case (let steps?, nil):
            guard steps > 0 else { throw .invalidArgument("--steps must be positive, not \(steps)") }
            return .steps(steps)
        case (nil, let minutes?):
            guard minutes.isFinite, minutes > 0 else { throw .invalidArgument("--minutes must be positive, not \(minutes)") }
            return .minutes(minutes)
        case (nil, nil): throw .invalidArgument("give a training budget: --steps N or --minutes M")
        default: throw .invalidArgument("give --steps or --minutes, not both")
        }
    }
}
