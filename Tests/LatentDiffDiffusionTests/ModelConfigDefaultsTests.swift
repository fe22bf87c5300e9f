import Testing
import LatentDiffIO
import LatentDiffKernels
@testable import LatentDiffDiffusion

#if canImport(Glibc)
import Glibc
#endif

/// The sampling defaults and class names of a model configuration: JSON round trips, files made
/// before they existed, bad values, and rewriting them in a file with its tensors' bytes kept.
@Suite struct ModelConfigDefaultsTests {
    static let fixture = BatchInvarianceTests.modelPath

    /// The fixture's configuration JSON (a file written before defaults and class names existed).
    static func fixtureJSON() throws -> [(key: String, value: JSON)] {
        let text = try #require(try SafeTensorsFile.read(path: fixture).metadataValue(forKey: ModelFile.configKey))
        return try #require(try JSON.parse(text).objectValue)
    }

    static func config(_ members: [(key: String, value: JSON)]) throws(LatentDiffError) -> ModelConfig {
        try ModelConfig(json: .object(members))
    }

    static func replacing(_ members: [(key: String, value: JSON)], _ key: String, _ value: JSON) -> [(key: String, value: JSON)] {
        members.filter { $0.key != key } + [(key, value)]
    }

    @Test func oldFilesGetTodaysDefaultsAndFallbackNames() throws {
        let members = try Self.fixtureJSON()
        #expect(!members.contains { $0.key == "sampling_defaults" || $0.key == "class_names" }, "the fixture is an old file")
        let config = try Self.config(members)
        #expect(config.samplingDefaults == SamplingDefaults(guidance: 1, steps: 20, sampler: .dpmSolver, spacing: nil))
        #expect(config.classNames == (0...9).map(String.init))
        let cifar = try Self.config(Self.replacing(members, "dataset", .string("cifar10")))
        #expect(cifar.classNames == CIFAR10.standardClassNames)
        let folder = try Self.config(Self.replacing(members, "dataset", .string("folder")))
        #expect(folder.classNames == (0..<10).map(String.init))
    }

    @Test func defaultsAndNamesRoundTrip() throws {
        var config = try Self.config(try Self.fixtureJSON())
        config.samplingDefaults = SamplingDefaults(guidance: 2.5, steps: 12, sampler: .heun, spacing: .trailing)
        config.classNames = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine ✓"]
        let back = try ModelConfig(json: try JSON.parse(config.json.serialized()))
        #expect(back.samplingDefaults == config.samplingDefaults)
        #expect(back.classNames == config.classNames)
        #expect(back == config)
        var noSpacing = config
        noSpacing.samplingDefaults.spacing = nil
        #expect(try ModelConfig(json: noSpacing.json).samplingDefaults.spacing == nil)
        var guided = config
        guided.samplingDefaults.guidanceInterval = 0.3...5
        guided.samplingDefaults.guidanceRescale = 0.25
        let guidedBack = try ModelConfig(json: try JSON.parse(guided.json.serialized())).samplingDefaults
        #expect(guidedBack.guidanceInterval == 0.3...5 && guidedBack.guidanceRescale == 0.25)
        #expect(guidedBack.settings.guidanceInterval == 0.3...5 && guidedBack.settings.guidanceRescale == 0.25)
        #expect(try ModelConfig(json: config.json).samplingDefaults.guidanceInterval == nil)
    }

    /// A caller's choices override the stored defaults one by one; the stored spacing goes with
    /// the stored sampler only; an interval of .some(nil) guides every step.
    @Test func chosenSettingsOverrideTheStoredOnes() {
        let stored = SamplingDefaults(guidance: 3, steps: 20, sampler: .dpmSolver, spacing: .karras,
                                      guidanceInterval: 0.3...5, guidanceRescale: 0.5)
        let plain = stored.settings()
        #expect(plain.kind == .dpmSolver && plain.steps == 20 && plain.spacing == .karras && plain.guidance == 3)
        #expect(plain.guidanceInterval == 0.3...5 && plain.guidanceRescale == 0.5)
        let chosen = stored.settings(sampler: .heun, steps: 8, guidance: 2, guidanceInterval: .some(nil), guidanceRescale: 0)
        #expect(chosen.kind == .heun && chosen.steps == 8 && chosen.spacing == nil && chosen.guidance == 2)
        #expect(chosen.guidanceInterval == nil && chosen.guidanceRescale == 0)
        #expect(stored.settings(guidanceInterval: 1...2).guidanceInterval == 1...2)
        #expect(stored.settings(sampler: .dpmSolver, spacing: .uniformTime).spacing == .uniformTime)
    }

    /// What a report records of the settings it sampled with: the keys of `sampling_defaults`
    /// (read back as the same defaults) plus eta and the x0 clip when set.
    @Test func settingsDescribeThemselves() throws {
        let stored = SamplingDefaults(guidance: 6, steps: 20, sampler: .dpmSolver, guidanceInterval: 0.3...2)
        #expect(stored.description == "dpm++, 20 steps, guidance 6.0, guidance interval 0.3...2.0")
        #expect(try SamplingDefaults(json: stored.settings.json) == stored)
        var settings = SamplerSettings(kind: .ddim, steps: 50, spacing: .trailing, eta: 0.5, guidance: 2, x0Clip: 1)
        settings.guidanceRescale = 0.7
        #expect(settings.description == "ddim, 50 steps, guidance 2.0, trailing spacing, eta 0.5, guidance rescale 0.7, x0 clip 1.0")
        let keys = try #require(settings.json.objectValue).map(\.key)
        #expect(keys == ["guidance", "steps", "sampler", "spacing", "eta", "guidance_rescale", "x0_clip"])
        #expect(settings.json["eta"]?.doubleValue == 0.5 && settings.json["x0_clip"]?.doubleValue == 1)
        #expect(settings.json["guidance_rescale"]?.doubleValue == 0.7, "the shortest decimal form, not 0.699999988")
    }

    @Test func badDefaultsAndNamesAreFormatErrors() throws {
        let members = try Self.fixtureJSON()
        func defaults(_ guidance: JSON, _ steps: JSON, _ sampler: JSON) -> [(key: String, value: JSON)] {
            Self.replacing(members, "sampling_defaults", .object([("guidance", guidance), ("steps", steps), ("sampler", sampler)]))
        }
        let bad: [(String, [(key: String, value: JSON)])] = [
            ("guidance over 100", defaults(.number(101), .number(20), .string("dpm++"))),
            ("negative guidance", defaults(.number(-1), .number(20), .string("dpm++"))),
            ("zero steps", defaults(.number(2), .number(0), .string("dpm++"))),
            ("steps over T", defaults(.number(2), .number(1001), .string("dpm++"))),
            ("unknown sampler", defaults(.number(2), .number(20), .string("magic"))),
            ("sampler not a string", defaults(.number(2), .number(20), .number(1))),
            ("defaults not an object", Self.replacing(members, "sampling_defaults", .number(3))),
            ("nine names for ten classes", Self.replacing(members, "class_names", .array((0..<9).map { .string("\($0)") }))),
            ("a name that is not a string", Self.replacing(members, "class_names", .array((0..<10).map { .number(Double($0)) }))),
            ("names not an array", Self.replacing(members, "class_names", .string("0123456789"))),
            ("interval of one number", Self.replacing(members, "sampling_defaults", .object([
                ("guidance", .number(2)), ("steps", .number(20)), ("sampler", .string("dpm++")), ("guidance_interval", .array([.number(1)]))]))),
            ("interval low above high", Self.replacing(members, "sampling_defaults", .object([
                ("guidance", .number(2)), ("steps", .number(20)), ("sampler", .string("dpm++")),
                ("guidance_interval", .array([.number(5), .number(1)]))]))),
            ("negative interval", Self.replacing(members, "sampling_defaults", .object([
                ("guidance", .number(2)), ("steps", .number(20)), ("sampler", .string("dpm++")),
                ("guidance_interval", .array([.number(-1), .number(1)]))]))),
            ("rescale over 1", Self.replacing(members, "sampling_defaults", .object([
                ("guidance", .number(2)), ("steps", .number(20)), ("sampler", .string("dpm++")), ("guidance_rescale", .number(2))]))),
        ]
        for (what, json) in bad {
            do {
                _ = try Self.config(json)
                Issue.record("\(what): accepted")
            } catch {
                #expect(error.status == .format, "\(what): \(error.message)")
            }
        }
    }

    /// The data section: the bytes after the 8-byte length and the header.
    static func dataSection(_ path: String) throws -> [UInt8] {
        let bytes = try #require(readAll(path))
        let length = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        return Array(bytes[(8 + length)...])
    }

    static func readAll(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = fread(&chunk, 1, chunk.count, file)
            bytes += chunk.prefix(got)
            if got < chunk.count { return bytes }
        }
    }

    @Test func rewriteConfigKeepsTensorBytesAndSamples() throws {
        let path = "/tmp/latentdiff-defaults-\(getpid()).safetensors"
        defer { unlink(path) }
        let original = try #require(Self.readAll(Self.fixture))
        let out = try #require(fopen(path, "wb"))
        #expect(fwrite(original, 1, original.count, out) == original.count)
        fclose(out)
        let names = (0..<10).map { "class \($0)" }
        let written = try ModelFile.rewriteConfig(path: path) { (config) throws(LatentDiffError) in
            config.samplingDefaults = SamplingDefaults(guidance: 4, steps: 9, sampler: .euler)
            config.classNames = names
        }
        #expect(written.classNames == names)
        #expect(try Self.dataSection(path) == Self.dataSection(Self.fixture))
        let before = try DiffusionModel.load(path: Self.fixture), after = try DiffusionModel.load(path: path)
        #expect(after.config.samplingDefaults == SamplingDefaults(guidance: 4, steps: 9, sampler: .euler))
        #expect(after.config.classNames == names)
        var expected = before.config
        expected.samplingDefaults = after.config.samplingDefaults
        expected.classNames = names
        #expect(after.config == expected, "nothing else changed")
        let settings = SamplerSettings(kind: .dpmSolver, steps: 3, guidance: 2)
        #expect(try after.sampleLatents(settings: settings, seed: 5, labels: [4], threads: 1)
            == before.sampleLatents(settings: settings, seed: 5, labels: [4], threads: 1))

        // A change that does not validate is refused and leaves the file as it was.
        let kept = try #require(Self.readAll(path))
        #expect(throws: LatentDiffError.self) {
            try ModelFile.rewriteConfig(path: path) { (config) throws(LatentDiffError) in config.samplingDefaults.steps = 0 }
        }
        #expect(throws: LatentDiffError.self) {
            try ModelFile.rewriteConfig(path: path) { (config) throws(LatentDiffError) in config.classNames = ["a"] }
        }
        #expect(Self.readAll(path) == kept)
    }
}
