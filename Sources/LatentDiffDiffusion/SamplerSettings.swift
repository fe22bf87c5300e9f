import LatentDiffIO
import LatentDiffKernels

/// How to turn noise into latents.
public struct SamplerSettings: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        /// Ancestral DDPM sampling on a respaced schedule (= DDIM with eta 1).
        case ddpm
        /// DDIM (Song et al. 2021) with stochasticity `eta` (0 = deterministic).
        case ddim
        /// DPM-Solver++(2M) (Lu et al. 2022): second-order multistep, for 10-25 steps.
        case dpmSolver = "dpm++"
        /// Euler on the probability-flow ODE (Karras spacing by default).
        case euler
        /// Euler ancestral: Euler steps with fresh noise (k-diffusion's, eta 1).
        case eulerAncestral = "euler-a"
        /// Heun's second-order method (Karras et al. 2022): two model calls per step but the last.
        case heun
        /// DPM-Solver++(3M): third-order multistep, for 5-15 steps.
        case dpmSolver3M = "dpm++3m"

        /// The method that carries it out (the one place a new sampler is registered).
        public func method(eta: Float) -> any SamplingMethod {
            switch self {
            case .ddpm: DDIMSampler(eta: 1)
            case .ddim: DDIMSampler(eta: Double(eta))
            case .dpmSolver: DPMSolverPlusPlus2M()
            case .euler: EulerSampler()
            case .eulerAncestral: EulerAncestralSampler()
            case .heun: HeunSampler()
            case .dpmSolver3M: DPMSolverPlusPlus3M()
            }
        }
    }

    public var kind: Kind
    public var steps: Int
    /// How the steps' timesteps are spread; nil: the sampler's own default (`defaultSpacing`).
    public var spacing: NoiseSchedule.Spacing?
    /// DDIM's eta in [0, 1]; ignored by the other samplers.
    public var eta: Float
    /// Classifier-free guidance scale g: output = u + g (c - u) for conditional output c and
    /// unconditional u. 1 uses the conditional output alone; 0 the unconditional one.
    public var guidance: Float
    /// When set, predicted clean samples are clamped to [-x0Clip, x0Clip] (pixel-space models).
    public var x0Clip: Float?
    /// Guidance only where the noise level sigma~ = sigma / alpha lies in this band, conditional
    /// output alone elsewhere (Kynkaanniemi et al. 2024): no unconditional pass outside it. nil: always.
    public var guidanceInterval: ClosedRange<Double>?
    /// phi in [0, 1] (Lin et al. 2024): the guided output g is rescaled towards the conditional
    /// output c's spread, phi g std(c) / std(g) + (1 - phi) g, per sample. 0: off.
    public var guidanceRescale: Float = 0
    /// Autoguidance weight w >= 0 (Karras et al. 2024): every output o (guided or not) becomes
    /// o + w (c - a), a the output of the weaker guide denoiser the model file holds for the same
    /// sample and label, at every step (their guidance scale is 1 + w). 0: off.
    public var autoguidance: Float = 0

    public init(kind: Kind = .dpmSolver, steps: Int = 20, spacing: NoiseSchedule.Spacing? = nil, eta: Float = 0,
                guidance: Float = 1, x0Clip: Float? = nil) {
        self.kind = kind
        self.steps = steps
        self.spacing = spacing
        self.eta = eta
        self.guidance = guidance
        self.x0Clip = x0Clip
    }

    /// The guidance scale at noise level sigma~ = sigma / alpha: `guidance` inside the interval, 1 outside.
    public func guidance(atNoiseLevel veSigma: Double) -> Float {
        guard let band = guidanceInterval else { return guidance }
        return band.contains(veSigma) ? guidance : 1
    }

    /// The band low...high of noise levels sigma~ = sigma / alpha for `guidanceInterval`, checked
    /// first (a ClosedRange of reversed or NaN bounds would trap): 0 <= low <= high, both finite.
    public static func guidanceBand(low: Double, high: Double) throws(LatentDiffError) -> ClosedRange<Double> {
        guard low.isFinite, high.isFinite, low >= 0, low <= high else {
            throw .invalidArgument("the guidance interval must be a band of noise levels sigma/alpha with "
                + "0 <= low <= high, both finite, not [\(low), \(high)]")
        }
        return low...high
    }

    /// The method of `kind` with these settings.
    public var method: any SamplingMethod { kind.method(eta: eta) }

    public func validate(timesteps: Int) throws(LatentDiffError) {
        guard (1...timesteps).contains(steps) else {
            throw .invalidArgument("sampling steps must be in 1...\(timesteps), not \(steps)")
        }
        guard eta.isFinite, (0...1).contains(eta) else { throw .invalidArgument("eta must be in [0, 1], not \(eta)") }
        guard guidance.isFinite, (0...100).contains(guidance) else {
            throw .invalidArgument("guidance must be in [0, 100], not \(guidance)")
        }
        if let x0Clip, !(x0Clip.isFinite && x0Clip > 0) { throw .invalidArgument("x0 clip must be positive") }
        if let band = guidanceInterval { _ = try Self.guidanceBand(low: band.lowerBound, high: band.upperBound) }
        guard guidanceRescale.isFinite, (0...1).contains(guidanceRescale) else {
            throw .invalidArgument("guidance rescale must be in [0, 1], not \(guidanceRescale)")
        }
        guard autoguidance.isFinite, (0...100).contains(autoguidance) else {
            throw .invalidArgument("the autoguidance weight must be in [0, 100], not \(autoguidance)")
        }
    }
}

extension SamplerSettings: CustomStringConvertible {
    /// "dpm++, 20 steps, guidance 2.0" (and ", logsnr spacing", ", eta 0.5", ", guidance interval
    /// 0.3...2.0", ", guidance rescale 0.7", ", autoguidance 1.0", ", x0 clip 1.0"
    /// when set).
    public var description: String {
        "\(kind.rawValue), \(steps) steps, guidance \(guidance)" + (spacing.map { ", \($0.rawValue) spacing" } ?? "")
            + (eta != 0 ? ", eta \(eta)" : "")
            + (guidanceInterval.map { ", guidance interval \($0)" } ?? "")
            + (guidanceRescale != 0 ? ", guidance rescale \(guidanceRescale)" : "")
            + (autoguidance != 0 ? ", autoguidance \(autoguidance)" : "")
            + (x0Clip.map { ", x0 clip \($0)" } ?? "")
    }

    /// {"guidance", "steps", "sampler"} and, when set, "spacing", "eta", "guidance_interval"
    /// ([low, high]), "guidance_rescale", "autoguidance", "x0_clip": the keys of a model file's `sampling_defaults`
    /// (floats in their shortest decimal form: a rescale of 0.7 is 0.7, not 0.699999988).
    public var json: JSON {
        var object: [(key: String, value: JSON)] = [
            ("guidance", JSON.shortest(guidance)), ("steps", .number(Double(steps))), ("sampler", .string(kind.rawValue)),
        ]
        if let spacing { object.append(("spacing", .string(spacing.rawValue))) }
        if eta != 0 { object.append(("eta", JSON.shortest(eta))) }
        if let guidanceInterval {
            object.append(("guidance_interval", .array([.number(guidanceInterval.lowerBound), .number(guidanceInterval.upperBound)])))
        }
        if guidanceRescale != 0 { object.append(("guidance_rescale", JSON.shortest(guidanceRescale))) }
        if autoguidance != 0 { object.append(("autoguidance", JSON.shortest(autoguidance))) }
        if let x0Clip { object.append(("x0_clip", JSON.shortest(x0Clip))) }
        return .object(object)
    }
}
