import Testing
import LatentDiffKernels
import LatentDiffNN
@testable import LatentDiffDiffusion

/// The exact denoiser for data x0 ~ N(mean(label), s^2 I): E[eps | x_t] = sigma (x_t - alpha mu) /
/// (alpha^2 s^2 + sigma^2), converted to the prediction type. Class -1 has mean 0.
func gaussianModel(schedule: NoiseSchedule, prediction: PredictionType, std: Double, mean: @escaping @Sendable (Int) -> Double) -> DenoiseFunction {
    return { x, t, labels in
        let (alpha, sigma) = schedule.scales(at: t)
        let out = Tensor(zeros: x.shape)
        let size = x.count / labels.count
        for (n, label) in labels.enumerated() {
            let mu = mean(label)
            for i in 0..<size {
                let xt = Double(x.data[n * size + i])
                let eps = sigma * (xt - alpha * mu) / (alpha * alpha * std * std + sigma * sigma)
                let x0 = (xt - sigma * eps) / alpha
                out.data[n * size + i] = prediction.target(x0: Float(x0), noise: Float(eps), alpha: Float(alpha), sigma: Float(sigma))
            }
        }
        return out
    }
}

func moments(_ values: [Float]) -> (mean: Double, std: Double) {
    let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
    let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)
    return (mean, variance.squareRoot())
}

@Suite struct SamplerTests {
    static let cases: [(SamplerSettings.Kind, Int, PredictionType, NoiseSchedule.Kind, NoiseSchedule.Spacing?)] = [
        (.ddpm, 100, .epsilon, .linear, nil), (.ddim, 100, .epsilon, .linear, nil), (.ddim, 100, .v, .cosine, nil),
        (.ddim, 100, .epsilon, .linear, .trailing),
        (.dpmSolver, 20, .epsilon, .linear, nil), (.dpmSolver, 15, .v, .cosine, nil),
        (.dpmSolver, 20, .epsilon, .linear, .karras), (.dpmSolver, 20, .v, .cosine, .trailing),
        (.euler, 50, .epsilon, .linear, nil), (.euler, 50, .v, .cosine, nil),
        (.eulerAncestral, 100, .epsilon, .linear, nil), (.eulerAncestral, 100, .v, .cosine, nil),
        (.heun, 20, .epsilon, .linear, nil), (.heun, 20, .v, .cosine, nil), (.heun, 20, .epsilon, .linear, .uniformLogSNR),
        (.dpmSolver3M, 20, .epsilon, .linear, nil), (.dpmSolver3M, 20, .v, .cosine, nil),
    ]

    /// With the exact model of N(1.5, 0.5^2), every sampler must return that distribution.
    @Test(arguments: cases)
    func samplesFollowTheData(kind: SamplerSettings.Kind, steps: Int, prediction: PredictionType,
                              scheduleKind: NoiseSchedule.Kind, spacing: NoiseSchedule.Spacing?) throws {
        let schedule = try NoiseSchedule(kind: scheduleKind)
        let sampler = Sampler(schedule: schedule, prediction: prediction)
        let model = gaussianModel(schedule: schedule, prediction: prediction, std: 0.5) { _ in 1.5 }
        let values = try sampler.sample(
            settings: SamplerSettings(kind: kind, steps: steps, spacing: spacing, eta: kind == .ddim ? 0.5 : 0),
            seed: 11, labels: [Int](repeating: -1, count: 64), latentShape: [4, 4], model: model)
        let (mean, std) = moments(values)
        #expect(abs(mean - 1.5) < 0.05, "\(kind) \(String(describing: spacing)) mean \(mean)")
        #expect(abs(std - 0.5) < 0.05, "\(kind) \(String(describing: spacing)) std \(std)")
    }

    /// Deterministic samplers solve the probability-flow ODE, whose solution for N(mu, s^2) data is
    /// known: x~ - mu scales with sqrt(s^2 + sigma~^2) (x~ = x / alpha, sigma~ = sigma / alpha). Against
    /// it, from the same x_T, on log-SNR-uniform steps: each solver's error falls at its order from
    /// 20 to 40 steps (Euler 2x, Heun and DPM-Solver++(2M) about 4x, DPM-Solver++(3M) over 8x), and
    /// at equal model calls the higher orders are closer.
    @Test func solversConvergeAtTheirOrder() throws {
        let schedule = try NoiseSchedule(kind: .linear)
        let sampler = Sampler(schedule: schedule, prediction: .epsilon)
        let (mu, s) = (1.5, 0.5)
        let model = gaussianModel(schedule: schedule, prediction: .epsilon, std: s) { _ in mu }
        let (count, size) = (16, 8)
        let philox = Philox(seed: 3)
        let (alpha, sigma) = schedule.scales(at: schedule.timesteps - 1)
        var exact: [Double] = []
        for k in 0..<count {
            var z = [Float](repeating: 0, count: size)
            philox.fillNormals(&z, count: size, stream: UInt64(k), offset: 0)
            let veSigma = sigma / alpha
            exact += z.map { mu + (Double($0) / alpha - mu) * s / (s * s + veSigma * veSigma).squareRoot() }
        }
        func error(_ kind: SamplerSettings.Kind, _ steps: Int) throws -> Double {
            let values = try sampler.sample(settings: SamplerSettings(kind: kind, steps: steps, spacing: .uniformLogSNR),
                                            seed: 3, labels: [Int](repeating: -1, count: count), latentShape: [size],
                                            model: model)
            return zip(values, exact).map { abs(Double($0) - $1) }.max() ?? .infinity
        }
        let orders: [(SamplerSettings.Kind, Double)] = [(.euler, 1.8), (.heun, 3.5), (.dpmSolver, 3.5), (.dpmSolver3M, 8)]
        for (kind, factor) in orders {
            let (coarse, fine) = (try error(kind, 20), try error(kind, 40))
            #expect(coarse / fine > factor, "\(kind): \(coarse) at 20 steps, \(fine) at 40")
        }
        // 40 model calls: Euler 40 steps, Heun 20 (39 calls), the multistep solvers 40.
        let euler = try error(.euler, 40), heun = try error(.heun, 20)
        let dpm2 = try error(.dpmSolver, 40), dpm3 = try error(.dpmSolver3M, 40)
        #expect(heun < euler && dpm2 < heun && dpm3 < dpm2, "euler \(euler), heun \(heun), dpm++ \(dpm2), dpm++3m \(dpm3)")
    }

    /// Guidance g on exact Gaussian models with conditional mean m and unconditional mean 0 gives
    /// mean g m.
    @Test func guidanceScalesTheConditionalShift() throws {
        let schedule = try NoiseSchedule(kind: .linear)
        let sampler = Sampler(schedule: schedule, prediction: .epsilon)
        let model = gaussianModel(schedule: schedule, prediction: .epsilon, std: 0.3) { $0 < 0 ? 0 : 1 }
        for guidance: Float in [0, 1, 2] {
            let values = try sampler.sample(
                settings: SamplerSettings(kind: .dpmSolver, steps: 20, guidance: guidance),
                seed: 5, labels: [Int](repeating: 3, count: 32), latentShape: [8], model: model)
            #expect(abs(moments(values).mean - Double(guidance)) < 0.05, "guidance \(guidance)")
        }
    }

    /// Autoguidance w on exact Gaussian models whose guide's mean lies 0.5 below the model's gives
    /// mean mu + 0.5 w, with classifier-free guidance g (conditional mean 1, unconditional 0) on
    /// top for samples with a class: g + 0.5 w; unconditional samples: 0.5 w. Weight 0 gives the
    /// bits of sampling without a guide, and a weight without a guide is an error.
    @Test func autoguidanceMovesAwayFromTheGuide() throws {
        let schedule = try NoiseSchedule(kind: .linear)
        let sampler = Sampler(schedule: schedule, prediction: .v)
        let model = gaussianModel(schedule: schedule, prediction: .v, std: 0.3) { $0 < 0 ? 0 : 1 }
        let guide = gaussianModel(schedule: schedule, prediction: .v, std: 0.3) { $0 < 0 ? -0.5 : 0.5 }
        let labels = [Int](repeating: 3, count: 32) + [Int](repeating: -1, count: 32)
        func run(_ guidance: Float, _ weight: Float, guide: DenoiseFunction?) throws -> [Float] {
            var settings = SamplerSettings(kind: .dpmSolver, steps: 20, guidance: guidance)
            settings.autoguidance = weight
            return try sampler.sample(settings: settings, seed: 6, labels: labels, latentShape: [8], guide: guide, model: model)
        }
        for (guidance, weight): (Float, Float) in [(1, 0), (1, 1), (1, 2), (3, 1)] {
            let values = try run(guidance, weight, guide: guide)
            let (conditional, unconditional) = (moments(Array(values[..<256])).mean, moments(Array(values[256...])).mean)
            #expect(abs(conditional - Double(guidance + 0.5 * weight)) < 0.05, "g \(guidance), w \(weight): \(conditional)")
            #expect(abs(unconditional - Double(0.5 * weight)) < 0.05, "g \(guidance), w \(weight): \(unconditional)")
        }
        #expect(try run(3, 0, guide: guide) == run(3, 0, guide: nil))
        #expect(throws: LatentDiffError.self) { try run(1, 1, guide: nil) }
        #expect(throws: LatentDiffError.self) { try run(1, .nan, guide: guide) }
        #expect(throws: LatentDiffError.self) { try run(1, -1, guide: guide) }
    }

    /// A guidance interval that holds no noise level gives the unguided bits; one that holds
    /// them all, the guided bits; one in between, something else.
    @Test func guidanceIntervalGuidesInsideItsBandOnly() throws {
        let schedule = try NoiseSchedule(kind: .linear)
        let sampler = Sampler(schedule: schedule, prediction: .epsilon)
        let model = gaussianModel(schedule: schedule, prediction: .epsilon, std: 0.3) { $0 < 0 ? 0 : 1 }
        func run(_ guidance: Float, _ band: ClosedRange<Double>?) throws -> [Float] {
            var settings = SamplerSettings(kind: .dpmSolver, steps: 10, guidance: guidance)
            settings.guidanceInterval = band
            return try sampler.sample(settings: settings, seed: 4, labels: [2, 5, -1], latentShape: [6], model: model)
        }
        let unguided = try run(1, nil), guided = try run(3, nil)
        #expect(try run(3, 1000...2000) == unguided)
        #expect(try run(3, 0...1000) == guided)
        let middle = try run(3, 0.5...5)
        #expect(middle != guided && middle != unguided)
    }

    /// Rescale 1 gives each guided output the conditional output's spread (checked on a buffer),
    /// and over a run it pulls the samples' spread back towards the conditional distribution's:
    /// exact Gaussian models, conditional N(1, 0.3^2), unconditional N(0, 1), guidance 4. phi = 0
    /// is the plain guided bits.
    @Test func guidanceRescaleMatchesTheConditionalSpread() throws {
        let schedule = try NoiseSchedule(kind: .linear)
        let sampler = Sampler(schedule: schedule, prediction: .epsilon)
        let conditional = gaussianModel(schedule: schedule, prediction: .epsilon, std: 0.3) { _ in 1 }
        let unconditional = gaussianModel(schedule: schedule, prediction: .epsilon, std: 1) { _ in 0 }
        let model: DenoiseFunction = { x, t, labels in
            let (c, u) = (conditional(x, t, labels), unconditional(x, t, labels))
            let size = x.count / labels.count
            for (n, label) in labels.enumerated() where label < 0 {
                (c.data + n * size).update(from: u.data + n * size, count: size)
            }
            return c
        }
        func run(_ phi: Float) throws -> [Float] {
            var settings = SamplerSettings(kind: .dpmSolver, steps: 20, guidance: 4)
            settings.guidanceRescale = phi
            return try sampler.sample(settings: settings, seed: 4, labels: [Int](repeating: 3, count: 64),
                                      latentShape: [8], model: model)
        }
        let plain = try run(0), rescaled = try run(1)
        #expect(plain == (try sampler.sample(settings: SamplerSettings(kind: .dpmSolver, steps: 20, guidance: 4), seed: 4,
                                              labels: [Int](repeating: 3, count: 64), latentShape: [8], model: model)))
        let (plainStd, rescaledStd) = (moments(plain).std, moments(rescaled).std)
        #expect(abs(rescaledStd - 0.3) < abs(plainStd - 0.3), "std: plain \(plainStd), rescaled \(rescaledStd)")
        var buffer: [Float] = [3, -1, 2, 0], target: [Float] = [1, 0, 1, 0]
        sampler.rescaleSpread(&buffer, towards: &target, count: 4, phi: 1)
        #expect(abs(moments(buffer).std - moments(target).std) < 1e-6)
        for bad: Float in [-0.1, 1.5, .nan] {
            var settings = SamplerSettings()
            settings.guidanceRescale = bad
            #expect(throws: LatentDiffError.self) { try settings.validate(timesteps: 1000) }
        }
    }

    /// SDEdit starts: strength 1 is plain generation bit for bit, strength 0 returns the start, and
    /// in between only the last round(strength n) steps run. With the exact model, starting from
    /// data samples keeps the data distribution.
    @Test func startingFromLatentsRunsTheLastStepsOnly() throws {
        let schedule = try NoiseSchedule(kind: .linear)
        let sampler = Sampler(schedule: schedule, prediction: .epsilon)
        let model = gaussianModel(schedule: schedule, prediction: .epsilon, std: 0.5) { _ in 1.5 }
        let labels = [Int](repeating: -1, count: 64), shape = [4, 4]
        var data = [Float](repeating: 0, count: 64 * 16)
        data.withUnsafeMutableBufferPointer { Philox(seed: 77).fillNormals($0.baseAddress!, count: 64 * 16, stream: 9) }
        data = data.map { 1.5 + 0.5 * $0 }
        for kind in [SamplerSettings.Kind.dpmSolver, .ddpm, .heun] {
            let n = kind == .ddpm ? 100 : 20  // ancestral steps need more of them (as in samplesFollowTheData)
            let settings = SamplerSettings(kind: kind, steps: n)
            let plain = try sampler.sample(settings: settings, seed: 3, labels: labels, latentShape: shape, model: model)
            let full = try sampler.sample(settings: settings, seed: 3, labels: labels, latentShape: shape,
                                          start: (data, 1), model: model)
            #expect(full == plain, "\(kind): strength 1")
            var steps: [Int] = []
            let none = try sampler.sample(settings: settings, seed: 3, labels: labels, latentShape: shape,
                                          start: (data, 0), model: model) { done, total in steps.append(total); return true }
            #expect(none == data && steps.isEmpty, "\(kind): strength 0")
            let half = try sampler.sample(settings: settings, seed: 3, labels: labels, latentShape: shape,
                                          start: (data, 0.5), model: model) { done, total in steps.append(total); return true }
            #expect(steps == [Int](repeating: n / 2, count: n / 2), "\(kind): \(steps)")
            #expect(half != plain && half != data)
            let (mean, std) = moments(half)
            #expect(abs(mean - 1.5) < 0.05 && abs(std - 0.5) < 0.05, "\(kind): mean \(mean), std \(std)")
        }
        #expect(throws: LatentDiffError.self) {
            try sampler.sample(settings: SamplerSettings(), seed: 3, labels: labels, latentShape: shape,
                               start: (data, 1.5), model: model)
        }
        #expect(throws: LatentDiffError.self) {
            try sampler.sample(settings: SamplerSettings(), seed: 3, labels: labels, latentShape: shape,
                               start: (Array(data.dropLast()), 0.5), model: model)
        }
    }

    @Test func sameBitsWhateverBatchSizeAndThreads() throws {
        let schedule = try NoiseSchedule(kind: .linear)
        let sampler = Sampler(schedule: schedule, prediction: .epsilon)
        let model = gaussianModel(schedule: schedule, prediction: .epsilon, std: 0.5) { Double($0) }
        let labels = [0, 1, 2, 3, 4, 5, 6, 7]
        for kind in SamplerSettings.Kind.allCases {
            let settings = SamplerSettings(kind: kind, steps: 10, eta: 1, guidance: 2)
            let batch = try sampler.sample(settings: settings, seed: 9, labels: labels, latentShape: [3, 2], threads: 1, model: model)
            let threaded = try sampler.sample(settings: settings, seed: 9, labels: labels, latentShape: [3, 2], threads: 2, model: model)
            #expect(batch == threaded, "\(kind): 1 vs 2 threads")
            for k in [0, 5, 7] {
                let single = try sampler.sample(settings: settings, seed: 9, labels: [labels[k]], latentShape: [3, 2], firstIndex: k, model: model)
                #expect(single == Array(batch[(k * 6)..<(k * 6 + 6)]), "\(kind): sample \(k) alone vs in a batch of 8")
            }
            let otherSeed = try sampler.sample(settings: settings, seed: 10, labels: labels, latentShape: [3, 2], model: model)
            #expect(otherSeed != batch)
        }
    }

    @Test func progressAndCancel() throws {
        let schedule = try NoiseSchedule(kind: .linear)
        let sampler = Sampler(schedule: schedule, prediction: .epsilon)
        let model = gaussianModel(schedule: schedule, prediction: .epsilon, std: 1) { _ in 0 }
        var seen: [Int] = []
        _ = try sampler.sample(settings: SamplerSettings(kind: .ddim, steps: 5), seed: 1, labels: [-1], latentShape: [2],
                               model: model) { done, total in seen.append(done); #expect(total == 5); return true }
        #expect(seen == [1, 2, 3, 4, 5])
        #expect { try sampler.sample(settings: SamplerSettings(kind: .ddim, steps: 5), seed: 1, labels: [-1], latentShape: [2],
                                     model: model) { done, _ in done < 3 } } throws: { ($0 as? LatentDiffError)?.status == .cancelled }
    }

    @Test func rejectsBadSettings() throws {
        let schedule = try NoiseSchedule(kind: .linear, timesteps: 100)
        let sampler = Sampler(schedule: schedule, prediction: .epsilon)
        let model = gaussianModel(schedule: schedule, prediction: .epsilon, std: 1) { _ in 0 }
        for settings in [SamplerSettings(steps: 0), SamplerSettings(steps: 101), SamplerSettings(eta: 2), SamplerSettings(guidance: .nan)] {
            #expect(throws: LatentDiffError.self) {
                try sampler.sample(settings: settings, seed: 1, labels: [-1], latentShape: [2], model: model)
            }
        }
        #expect(throws: LatentDiffError.self) { try sampler.sample(settings: SamplerSettings(), seed: 1, labels: [], latentShape: [2], model: model) }
    }
}
