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
    /// Guidance only at noise levels sigma / alpha in this band (`SamplerSettings.guidanceInterval`); nil: every step.
    public var guidanceInterval: ClosedRange<Double>?
    /// Guidance rescale phi in [0, 1] (`SamplerSettings.guidanceRescale`); 0: off.
    public var guidanceRescale: Float = 0
    /// Autoguidance weight w (`SamplerSettings.autoguidance`; needs a guide denoiser); 0: off.
    public var autoguidance: Float = 0

    public init(guidance: Float = 1, steps: Int = 20, sampler: SamplerSettings.Kind = .dpmSolver,
                spacing: NoiseSchedule.Spacing? = nil, guidanceInterval: ClosedRange<Double>? = nil, guidanceRescale: Float = 0) {
        self.guidance = guidance
        self.steps = steps
        self.sampler = sampler
        self.spacing = spacing
        self.guidanceInterval = guidanceInterval
        self.guidanceRescale = guidanceRescale
    }

    /// The library's defaults before models carried their own: DPM-Solver++(2M), 20 steps, guidance 1.
    public static let standard = SamplingDefaults()

    /// The settings they describe (eta 0).
    public var settings: SamplerSettings { settings() }

    /// The settings of a caller who chose some of them, the stored defaults for the rest (nil =
    /// not chosen). The stored spacing goes with the stored sampler only: another sampler gets its
    /// own. `guidanceInterval`: nil = the stored band, .some(nil) = every step.
    public func settings(sampler: SamplerSettings.Kind? = nil, steps: Int? = nil, spacing: NoiseSchedule.Spacing? = nil,
                         eta: Float = 0, guidance: Float? = nil, guidanceInterval: ClosedRange<Double>?? = nil,
                         guidanceRescale: Float? = nil, autoguidance: Float? = nil) -> SamplerSettings {
        var settings = SamplerSettings(kind: sampler ?? self.sampler, steps: steps ?? self.steps,
                                       spacing: spacing ?? (sampler == nil ? self.spacing : nil), eta: eta,
                                       guidance: guidance ?? self.guidance)
        settings.guidanceInterval = guidanceInterval ?? self.guidanceInterval
        settings.guidanceRescale = guidanceRescale ?? self.guidanceRescale
        settings.autoguidance = autoguidance ?? self.autoguidance
        return settings
    }

    /// Checks them as sampling would for a schedule of `timesteps` steps.
    public func validate(timesteps: Int) throws(LatentDiffError) {
        try settings.validate(timesteps: timesteps)
    }

    /// The `sampling_defaults` object of a model file (`SamplerSettings.json` of `settings`).
    public var json: JSON { settings.json }

    public init(json: JSON) throws(LatentDiffError) {
        let context = "sampling defaults"
        guard json.objectValue != nil else { throw .format("\(context) must be an object") }
        self.init(guidance: try json.float("guidance", in: context), steps: try json.int("steps", in: context),
                  sampler: try json.enumValue("sampler", in: context))
        if json["spacing"] != nil { spacing = try json.enumValue("spacing", in: context) }
        if json["guidance_interval"] != nil {
            let band = try json.doubles("guidance_interval", in: context)
            guard band.count == 2 else { throw .format("\(context): guidance_interval must be [low, high]") }
            do throws(LatentDiffError) {
                guidanceInterval = try SamplerSettings.guidanceBand(low: band[0], high: band[1])
            } catch {
                throw .format("\(context): \(error.message)")
            }
        }
        if json["guidance_rescale"] != nil { guidanceRescale = try json.float("guidance_rescale", in: context) }
        if json["autoguidance"] != nil { autoguidance = try json.float("autoguidance", in: context) }
    }
}

extension SamplingDefaults: CustomStringConvertible {
    /// "dpm++, 20 steps, guidance 2.0, guidance interval 0.3...2.0": `SamplerSettings.description`.
    public var description: String { settings.description }
}
