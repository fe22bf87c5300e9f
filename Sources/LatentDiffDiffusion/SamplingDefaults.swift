import LatentDiffIO
import LatentDiffKernels

/// The sampling settings a model recommends, stored in its file (`sampling_defaults` of the
/// configuration JSON): what `latentdiff sample`, `ld_sample_params_init_for_model` and the
/// bindings use when the caller does not choose. Files without them get `standard`.
public struct SamplingDefaults: Sendable, Equatable {
    /// Classifier-free guidance scale g (output = u + g (c - u)); 1 for unconditional models.
    public var guidance: Float
    public var steps: Int
    public var sampler: SamplerSettings.Kind
    /// nil: the sampler's own spacing.
    public var spacing: NoiseSchedule.Spacing?

    public init(guidance: Float = 1, steps: Int = 20, sampler: SamplerSettings.Kind = .dpmSolver,
                spacing: NoiseSchedule.Spacing? = nil) {
        self.guidance = guidance
        self.steps = steps
        self.sampler = sampler
        self.spacing = spacing
    }

    /// The library's defaults before models carried their own: DPM-Solver++(2M), 20 steps, guidance 1.
    public static let standard = SamplingDefaults()

    /// The settings they describe (eta 0, no guidance interval or rescale).
    public var settings: SamplerSettings {
        SamplerSettings(kind: sampler, steps: steps, spacing: spacing, guidance: guidance)
    }

    /// Checks them as sampling would for a schedule of `timesteps` steps.
    public func validate(timesteps: Int) throws(LatentDiffError) {
        try settings.validate(timesteps: timesteps)
    }

    public var json: JSON {
        var object: [(key: String, value: JSON)] = [
            ("guidance", .number(Double(guidance))), ("steps", .number(Double(steps))), ("sampler", .string(sampler.rawValue)),
        ]
        if let spacing { object.append(("spacing", .string(spacing.rawValue))) }
        return .object(object)
    }

    public init(json: JSON) throws(LatentDiffError) {
        let context = "sampling defaults"
        guard json.objectValue != nil else { throw .format("\(context) must be an object") }
        self.init(guidance: try json.float("guidance", in: context), steps: try json.int("steps", in: context),
                  sampler: try json.enumValue("sampler", in: context))
        if json["spacing"] != nil { spacing = try json.enumValue("spacing", in: context) }
    }
}

extension SamplingDefaults: CustomStringConvertible {
    /// "dpm++, 20 steps, guidance 2" (and ", logsnr spacing" when one is set).
    public var description: String {
        "\(sampler.rawValue), \(steps) steps, guidance \(guidance)" + (spacing.map { ", \($0.rawValue) spacing" } ?? "")
    }
}
