import CLatentDiffABI
import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import Testing
@testable import LatentDiff

#if canImport(Glibc)
import Glibc
#endif

/// The sampler settings of ld_sample_params (spacing, guidance_interval_low/high,
/// guidance_rescale, autoguidance) and ld_spacing_name / ld_spacing_from_name, called as C calls them: each
/// field reaches SamplerSettings (the C call gives the bits of the Swift sampler with the same
/// settings), bad values are refused, older structs get the defaults.
@Suite struct SamplerSettingsEntryPointTests {
    static let count: Int32 = 2
    static let labels: [Int32] = [3, 7]

    func params(guidance: Float = 3) -> ld_sample_params {
        var params = ld_sample_params()
        CLatentDiffABI.ld_sample_params_init(&params)
        (params.steps, params.seed, params.threads, params.guidance) = (5, 21, 1, guidance)
        return params
    }

    /// ld_sample_latents of `params` with the labels [3, 7]; the status and the latents (nil on failure).
    /// ld_sample_params_json of one sample with `params` (the call must succeed).
    func settingsJSON(_ model: OpaquePointer?, _ params: ld_sample_params) throws -> String {
        var params = params
        var out: UnsafeMutablePointer<CChar>?
        #expect(LatentDiff.ld_sample_params_json(model, &params, 1, &out) == 0, "\(String(cString: LatentDiff.ld_last_error()))")
        let pointer = try #require(out)
        defer { LatentDiff.ld_free_buffer(pointer) }
        return String(cString: pointer)
    }

    func sample(_ model: OpaquePointer?, _ params: ld_sample_params) -> (status: Int32, latents: [Float]?) {
        var params = params
        var out = [Float](repeating: 0, count: Int(Self.count) * 196)
        let status = Self.labels.withUnsafeBufferPointer { labels in
            params.labels = labels.baseAddress
            return LatentDiff.ld_sample_latents(model, &params, Self.count, &out, out.count * 4)
        }
        return (status, status == 0 ? out : nil)
    }

    @Test func spacingNamesRoundTripAndCoverEverySpacing() {
        let names = ["default", "uniform", "trailing", "logsnr", "karras"]
        for (value, name) in names.enumerated() {
            #expect(LatentDiff.ld_spacing_name(UInt32(value)).map { String(cString: $0) } == name)
            var spacing: UInt32 = 99
            #expect(LatentDiff.ld_spacing_from_name(name, &spacing) == 0)
            #expect(spacing == UInt32(value))
        }
        #expect(LatentDiff.ld_spacing_name(5) == nil && LatentDiff.ld_spacing_name(UInt32(bitPattern: -1)) == nil)
        var spacing: UInt32 = 99
        #expect(LatentDiff.ld_spacing_from_name("Karras", &spacing) == -1)
        #expect(String(cString: LatentDiff.ld_last_error()).contains("unknown spacing 'Karras': default, uniform, trailing, logsnr, karras"))
        #expect(LatentDiff.ld_spacing_from_name(nil, &spacing) == -1 && LatentDiff.ld_spacing_from_name("karras", nil) == -1)
        #expect(spacing == 99, "untouched on failure")
        // Every Swift spacing has its ld_spacing value, named as the command line names it.
        #expect(spacingKinds.count == NoiseSchedule.Spacing.allCases.count)
        for kind in NoiseSchedule.Spacing.allCases {
            let value = spacingValue(kind)
            #expect(value != Int32(LD_SPACING_DEFAULT.rawValue) && spacingKinds[value] == kind)
            #expect(LatentDiff.ld_spacing_name(UInt32(value)).map { String(cString: $0) } == kind.rawValue)
        }
        #expect(spacingValue(nil) == Int32(LD_SPACING_DEFAULT.rawValue))
    }

    /// The C fields give the bits of the Swift sampler with the same SamplerSettings; the default
    /// spacing is each sampler's own (`defaultSpacing`), bit for bit.
    @Test func fieldsReachTheSampler() throws {
        let model = loadModel()
        defer { LatentDiff.ld_model_free(model) }
        let swift = try DiffusionModel.load(path: tinyModelPath)
        var request = params()
        (request.spacing, request.guidance_interval_low, request.guidance_interval_high, request.guidance_rescale)
            = (Int32(LD_SPACING_KARRAS.rawValue), 0.5, 20, 0.6)
        var settings = SamplerSettings(kind: .dpmSolver, steps: 5, spacing: .karras, guidance: 3)
        settings.guidanceInterval = 0.5...20
        settings.guidanceRescale = 0.6
        let expected = try swift.sampleLatents(settings: settings, seed: 21, labels: Self.labels.map(Int.init))
        let viaC = sample(model, request)
        #expect(viaC.status == 0 && viaC.latents == expected)
        #expect(viaC.latents != sample(model, params()).latents, "the settings change the samples")

        for kind in SamplerSettings.Kind.allCases {
            var own = params(), named = params()
            own.sampler = samplerValue(kind)
            named.sampler = own.sampler
            named.spacing = spacingValue(kind.method(eta: 0).defaultSpacing)
            let (a, b) = (sample(model, own), sample(model, named))
            #expect(a.status == 0 && a.latents == b.latents, "\(kind.rawValue): the default spacing is not its own")
        }
    }

    /// An interval holding no step's noise level is guidance 1; one holding every step's, no
    /// interval; rescale 0, no rescale. The tiny model's linear schedule spans about 0.01...158.
    @Test func intervalEndsAndRescaleZero() {
        let model = loadModel()
        defer { LatentDiff.ld_model_free(model) }
        let guided = sample(model, params()).latents, unguided = sample(model, params(guidance: 1)).latents
        #expect(guided != nil && guided != unguided)
        func banded(_ low: Float, _ high: Float) -> [Float]? {
            var request = params()
            (request.guidance_interval_low, request.guidance_interval_high) = (low, high)
            return sample(model, request).latents
        }
        #expect(banded(1e30, 1e31) == unguided && banded(0, 0.001) == unguided)
        #expect(banded(0, 1e30) == guided)
        let middle = banded(0.5, 5)
        #expect(middle != guided && middle != unguided)
        var rescaled = params()
        rescaled.guidance_rescale = 0
        #expect(sample(model, rescaled).latents == guided)
        rescaled.guidance_rescale = 1
        #expect(sample(model, rescaled).latents != guided)
    }

    @Test func badValuesAreRefusedWithAReason() {
        let model = loadModel()
        defer { LatentDiff.ld_model_free(model) }
        let cases: [(String, (inout ld_sample_params) -> Void, String)] = [
            ("spacing 5", { $0.spacing = 5 }, "unknown spacing 5"),
            ("spacing -1", { $0.spacing = -1 }, "unknown spacing -1"),
            ("reversed", { ($0.guidance_interval_low, $0.guidance_interval_high) = (5, 1) }, "0 <= low <= high"),
            ("low without high", { $0.guidance_interval_low = 0.5 }, "0 <= low <= high"),
            ("negative", { ($0.guidance_interval_low, $0.guidance_interval_high) = (-1, 2) }, "0 <= low <= high"),
            ("NaN low", { ($0.guidance_interval_low, $0.guidance_interval_high) = (.nan, 2) }, "guidance interval"),
            ("NaN high", { $0.guidance_interval_high = .nan }, "guidance interval"),
            ("infinite high", { ($0.guidance_interval_low, $0.guidance_interval_high) = (1, .infinity) }, "both finite"),
            ("rescale -0.1", { $0.guidance_rescale = -0.1 }, "guidance rescale must be in [0, 1]"),
            ("rescale 1.5", { $0.guidance_rescale = 1.5 }, "guidance rescale must be in [0, 1]"),
            ("rescale NaN", { $0.guidance_rescale = .nan }, "guidance rescale must be in [0, 1]"),
        ]
        for (what, change, message) in cases {
            var request = params()
            change(&request)
            let result = sample(model, request)
            #expect(result.status == -1, "\(what)")
            #expect(String(cString: LatentDiff.ld_last_error()).contains(message), "\(what): \(String(cString: LatentDiff.ld_last_error()))")
            var json: UnsafeMutablePointer<CChar>?
            #expect(LatentDiff.ld_sample_params_json(model, &request, 1, &json) == -1 && json == nil, "\(what): JSON")
        }
        // `padding` is not read.
        var padded = params()
        padded.padding = -1
        #expect(sample(model, padded).latents == sample(model, params()).latents)
    }

    /// A struct that ends before the settings (0.2.0's, or the one with the editing fields, whose
    /// last 4 bytes were padding) gets their defaults, whatever lies past its size.
    @Test func olderStructsGetTheDefaults() {
        let model = loadModel()
        defer { LatentDiff.ld_model_free(model) }
        let plain = sample(model, params()).latents
        #expect(plain != nil)
        let editing = MemoryLayout<ld_sample_params>.offset(of: \ld_sample_params.padding)! + 4
        let v020 = MemoryLayout<ld_sample_params>.offset(of: \ld_sample_params.init_noise)!
        #expect(editing == MemoryLayout<ld_sample_params>.offset(of: \ld_sample_params.spacing)!)
        let refinements = MemoryLayout<ld_sample_params>.offset(of: \ld_sample_params.autoguidance)!
        #expect(MemoryLayout<ld_sample_params>.offset(of: \ld_sample_params.guidance_rescale)! + 4 == refinements)
        #expect(MemoryLayout<ld_sample_params>.offset(of: \ld_sample_params.padding2)! + 4
            == MemoryLayout<ld_sample_params>.size, "no tail padding")
        for size in [v020, editing] {
            var request = params()
            (request.spacing, request.guidance_interval_low, request.guidance_interval_high, request.guidance_rescale)
                = (Int32(LD_SPACING_KARRAS.rawValue), 7, 3, 9)  // refused, were they read
            request.padding = -1
            request.struct_size = size
            #expect(sample(model, request).latents == plain, "a \(size)-byte struct")
        }
    }

    /// The tiny model with `defaults` as its stored sampling defaults, loaded from a temporary
    /// file, and the ld_sample_params that ld_sample_params_init_for_model gives for it.
    func withStoredDefaults(_ defaults: SamplingDefaults,
                            _ body: (OpaquePointer?, inout ld_sample_params) throws -> Void) throws {
        let path = "/tmp/latentdiff-defaults-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).safetensors"
        var file = try ModelFile.read(path: tinyModelPath)
        file.config.samplingDefaults = defaults
        try file.write(path: path)
        defer { unlink(path) }
        let model = loadModel(path)
        defer { LatentDiff.ld_model_free(model) }
        var request = ld_sample_params()
        #expect(CLatentDiffABI.ld_sample_params_init_for_model(model, &request) == LD_OK)
        try body(model, &request)
    }

    @Test func settingsJSONAndModelDefaultsCarryThem() throws {
        try withStoredDefaults(SamplingDefaults(guidance: 2, steps: 9, sampler: .euler, spacing: .trailing)) { model, request in
            #expect(request.spacing == Int32(LD_SPACING_TRAILING.rawValue) && request.sampler == Int32(LD_SAMPLER_EULER.rawValue))
            #expect(request.guidance_interval_low == 0 && request.guidance_interval_high == 0 && request.guidance_rescale == 0)

            func json(_ params: ld_sample_params) throws -> JSON { try JSON.parse(settingsJSON(model, params)) }
            let recommended = try json(request)
            #expect(recommended["spacing"]?.stringValue == "trailing" && recommended["guidance_interval"] == .null)
            #expect(recommended["guidance_rescale"]?.doubleValue == 0)
            (request.spacing, request.guidance_interval_low, request.guidance_interval_high, request.guidance_rescale)
                = (Int32(LD_SPACING_DEFAULT.rawValue), 0.3, 5, 0.7)
            let chosen = try json(request)
            #expect(chosen["spacing"]?.stringValue == "karras", "the default resolved to euler's own")
            #expect(chosen["guidance_interval"] == .array([.number(0.3), .number(5)]) && chosen["guidance_rescale"]?.doubleValue == 0.7)
        }
    }

    /// A spacing, guidance interval and rescale stored in the file reach C callers through
    /// ld_sample_params_init_for_model and ld_model_info.
    @Test func modelDefaultsCarryTheGuidanceIntervalAndRescale() throws {
        let stored = SamplingDefaults(guidance: 4, steps: 6, sampler: .dpmSolver, spacing: .karras,
                                      guidanceInterval: 0.25...2, guidanceRescale: 0.5)
        try withStoredDefaults(stored) { model, request in
            #expect(request.guidance == 4 && request.steps == 6 && request.spacing == Int32(LD_SPACING_KARRAS.rawValue))
            #expect(request.guidance_interval_low == 0.25 && request.guidance_interval_high == 2 && request.guidance_rescale == 0.5)
            var desc = ld_model_desc()
            #expect(LatentDiff.ld_model_info_sized(model, &desc, MemoryLayout<ld_model_desc>.size) == 0)
            #expect(desc.default_spacing == Int32(LD_SPACING_KARRAS.rawValue) && desc.default_guidance_rescale == 0.5)
            #expect(desc.default_guidance_interval_low == 0.25 && desc.default_guidance_interval_high == 2)
        }
        try withStoredDefaults(SamplingDefaults(guidance: 2)) { model, _ in
            var desc = ld_model_desc()
            #expect(LatentDiff.ld_model_info_sized(model, &desc, MemoryLayout<ld_model_desc>.size) == 0)
            #expect(desc.default_spacing == Int32(LD_SPACING_DEFAULT.rawValue) && desc.default_guidance_rescale == 0)
            #expect(desc.default_guidance_interval_low == 0 && desc.default_guidance_interval_high == 0, "no band: every step")
        }
    }

    /// Autoguidance through the C fields, with the guided fixture (the tiny model plus a guide):
    /// weight w gives the bits of the Swift sampler with `autoguidance` w, weight 0 the bits of
    /// the tiny model without a guide; ld_sample_params_init_for_model copies the stored weight 1.
    @Test func autoguidanceReachesTheSampler() throws {
        let guided = loadModel(guidedModelPath), plain = loadModel()
        defer { LatentDiff.ld_model_free(guided); LatentDiff.ld_model_free(plain) }
        let swift = try DiffusionModel.load(path: guidedModelPath)
        #expect(swift.guide != nil)
        var recommended = ld_sample_params()
        #expect(CLatentDiffABI.ld_sample_params_init_for_model(guided, &recommended) == LD_OK)
        #expect(recommended.autoguidance == 1 && recommended.padding2 == 0)
        #expect(CLatentDiffABI.ld_sample_params_init_for_model(plain, &recommended) == LD_OK)
        #expect(recommended.autoguidance == 0)

        for guidance: Float in [1, 3] {
            var request = params(guidance: guidance)
            #expect(request.autoguidance == 0, "off by default")
            let off = sample(guided, request)
            #expect(off.status == 0 && off.latents == sample(plain, request).latents, "weight 0: the model without a guide")
            for weight: Float in [0.5, 2] {
                request.autoguidance = weight
                var settings = SamplerSettings(kind: .dpmSolver, steps: 5, guidance: guidance)
                settings.autoguidance = weight
                let expected = try swift.sampleLatents(settings: settings, seed: 21, labels: Self.labels.map(Int.init))
                let viaC = sample(guided, request)
                #expect(viaC.status == 0 && viaC.latents == expected, "guidance \(guidance), weight \(weight)")
                #expect(viaC.latents != off.latents, "weight \(weight) changes the samples")
                // `padding2` is not read; neither is the weight past a struct that ends before it.
                request.padding2 = -1
                #expect(sample(guided, request).latents == expected)
                request.padding2 = 0
                var older = request
                older.struct_size = MemoryLayout<ld_sample_params>.offset(of: \ld_sample_params.autoguidance)!
                #expect(sample(guided, older).latents == off.latents, "a weight past struct_size")
            }
        }
    }

    /// A nonzero weight without a guide denoiser, and weights outside [0, 100], are refused by
    /// every sampling entry point with a reason, writing nothing.
    @Test func autoguidanceIsRefusedWithoutAGuideOrOutOfRange() {
        let guided = loadModel(guidedModelPath), plain = loadModel()
        defer { LatentDiff.ld_model_free(guided); LatentDiff.ld_model_free(plain) }
        let cases: [(String, OpaquePointer?, Float, String)] = [
            ("weight 1 without a guide", plain, 1, "autoguidance needs a guide denoiser, and this model file holds none"),
            ("weight 1e-6 without a guide", plain, 1e-6, "needs a guide denoiser"),
            ("weight NaN", guided, .nan, "the autoguidance weight must be in [0, 100], not nan"),
            ("weight -1", guided, -1, "the autoguidance weight must be in [0, 100], not -1"),
            ("weight 101", guided, 101, "the autoguidance weight must be in [0, 100], not 101"),
            ("weight inf", guided, .infinity, "the autoguidance weight must be in [0, 100]"),
        ]
        for (what, model, weight, message) in cases {
            var request = params()
            request.autoguidance = weight
            let result = sample(model, request)
            #expect(result.status == -1 && result.latents == nil, "\(what)")
            #expect(String(cString: LatentDiff.ld_last_error()).contains(message), "\(what): \(String(cString: LatentDiff.ld_last_error()))")
            var pixels = [UInt8](repeating: 7, count: Int(Self.count) * 784)
            #expect(LatentDiff.ld_generate(model, &request, Self.count, &pixels, pixels.count) == -1, "\(what): generate")
            #expect(pixels.allSatisfy { $0 == 7 }, "\(what): nothing written")
            var json: UnsafeMutablePointer<CChar>?
            #expect(LatentDiff.ld_sample_params_json(model, &request, 1, &json) == -1 && json == nil, "\(what): JSON")
        }
        #expect(sample(plain, params()).status == 0, "weight 0 needs no guide")
    }

    /// ld_sample_params_json ends with the weight used.
    @Test func settingsJSONReportsTheAutoguidanceWeight() throws {
        let guided = loadModel(guidedModelPath)
        defer { LatentDiff.ld_model_free(guided) }
        func json(_ params: ld_sample_params) throws -> String { try settingsJSON(guided, params) }
        var request = ld_sample_params()
        #expect(CLatentDiffABI.ld_sample_params_init_for_model(guided, &request) == LD_OK)
        #expect(try json(request).hasSuffix(",\"init_noise\":false,\"autoguidance\":1}"))
        request.autoguidance = 0.3
        #expect(try json(request).hasSuffix(",\"autoguidance\":0.3}"), "the shortest decimal form")
        request.autoguidance = 0
        #expect(try JSON.parse(json(request))["autoguidance"]?.doubleValue == 0)
    }
}
