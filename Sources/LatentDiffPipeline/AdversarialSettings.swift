import LatentDiffKernels
import LatentDiffModels

/// The options of codec training's adversarial term (`AdversarialCodecLoss`).
public struct AdversarialSettings: Sendable, Equatable {
    /// The weight of the generator term; 0 trains without a discriminator.
    public var weight: Float = 0
    /// When the term starts, as a fraction of the budget: of its steps, or of its minutes.
    public var start: Double = 0.5
    /// The patch discriminator's width w.
    public var discriminatorWidth = 32

    public init(weight: Float = 0, start: Double = 0.5, discriminatorWidth: Int = 32) {
        self.weight = weight
        self.start = start
        self.discriminatorWidth = discriminatorWidth
    }

    public var isEnabled: Bool { weight > 0 }

    /// Throws `.invalidArgument` for a negative or non-finite weight, a start outside [0, 1], a
    /// width below 1, or a weight above 0 for a codec other than vae-cnn.
    public func validate(codec: CodecKind) throws(LatentDiffError) {
        guard weight.isFinite, weight >= 0 else { throw .invalidArgument("the adversarial weight must be >= 0, not \(weight)") }
        guard (0...1).contains(start) else { throw .invalidArgument("the adversarial start must be a fraction in [0, 1], not \(start)") }
        guard discriminatorWidth >= 1 else {
            throw .invalidArgument("the discriminator width must be >= 1, not \(discriminatorWidth)")
        }
        guard !isEnabled || codec == .vaeCNN else {
            throw .invalidArgument("an adversarial weight needs a vae-cnn codec, not \(codec.rawValue)")
        }
    }

    /// Whether the term is on at `step` (0-based) after `elapsedSeconds` of training under `budget`:
    /// from step start * steps, or from start * minutes of training.
    public func hasStarted(step: Int, elapsedSeconds: Double, budget: TrainingBudget) -> Bool {
        guard isEnabled else { return false }
        switch budget {
        case .steps(let total): return Double(step) >= start * Double(total)
        case .minutes(let minutes): return elapsedSeconds >= start * minutes * 60
        }
    }
}
