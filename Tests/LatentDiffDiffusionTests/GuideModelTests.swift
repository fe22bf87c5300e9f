import Testing
import LatentDiffKernels
import LatentDiffNN
@testable import LatentDiffDiffusion

#if canImport(Glibc)
import Glibc
#endif

/// A guide denoiser kept in a model file (`ModelFile.withGuide`): written and read back, used by
/// autoguidance only when asked, removed, and refused when it was not trained on the model's codec.
@Suite struct GuideModelTests {
    let file: ModelFile
    /// The fixture's denoiser with its weights halved: a guide of the same architecture.
    let weaker: ModelFile

    init() throws {
        file = try ModelFile.read(path: BatchInvarianceTests.modelPath)
        var weaker = file
        weaker.tensors = file.tensors.map { name, tensor in
            guard name.hasPrefix("denoiser.") else { return (name, tensor) }
            return (name, Tensor(shape: tensor.shape, values: tensor.values.map { $0 * 0.5 }))
        }
        weaker.config.denoiserSteps = 7
        self.weaker = weaker
    }

    @Test func attachedGuideIsWrittenReadAndUsedWhenAsked() throws {
        var template = [CChar]("/tmp/guide-test-XXXXXX".utf8CString)
        let directory = try #require(mkdtemp(&template).map { String(cString: $0) })
        let path = directory + "/guided.safetensors"
        try file.withGuide(weaker).write(path: path)
        let model = try DiffusionModel.load(path: path)
        #expect(model.guide != nil && model.config.guide == file.config.denoiser)
        #expect(model.config.metric(ModelFile.guideStepsMetric) == 7)
        #expect(try ModelFile.read(path: path).tensors.filter { $0.name.hasPrefix("guide.") }.count
                == file.tensors.filter { $0.name.hasPrefix("denoiser.") }.count)

        let plain = try DiffusionModel(file: file)
        var settings = SamplerSettings(kind: .dpmSolver, steps: 4, guidance: 2)
        let labels = [3, -1, 7]
        let reference = try plain.sampleLatents(settings: settings, seed: 2, labels: labels)
        #expect(try model.sampleLatents(settings: settings, seed: 2, labels: labels) == reference)
        settings.autoguidance = 1
        #expect(try model.sampleLatents(settings: settings, seed: 2, labels: labels) != reference)
        #expect(throws: LatentDiffError.self) { try plain.sampleLatents(settings: settings, seed: 2, labels: labels) }
        // Guided by itself, c - a = 0: the bits without autoguidance.
        let selfGuided = try DiffusionModel(file: try file.withGuide(file))
        #expect(try selfGuided.sampleLatents(settings: settings, seed: 2, labels: labels) == reference)
    }

    @Test func removingTheGuideRestoresTheFile() throws {
        var guided = try file.withGuide(weaker)
        guided.config.samplingDefaults.autoguidance = 1
        _ = try ModelConfig(json: guided.config.json)
        let removed = try guided.withGuide(nil)
        #expect(removed.config.json == file.config.json)
        #expect(removed.tensors.map(\.name) == file.tensors.map(\.name))
    }

    @Test func guidesOfAnotherCodecOrSetupAreRefused() throws {
        var otherCodec = weaker
        otherCodec.tensors = weaker.tensors.map { name, tensor in
            guard name.hasPrefix("codec."), tensor.count > 0 else { return (name, tensor) }
            var values = tensor.values
            values[0] += 1
            return (name, Tensor(shape: tensor.shape, values: values))
        }
        var otherStandardization = weaker
        otherStandardization.config.latentStd *= 2
        var otherPrediction = weaker
        otherPrediction.config.prediction = file.config.prediction == .v ? .epsilon : .v
        var codecOnly = weaker
        codecOnly.config.denoiser = nil
        for bad in [otherCodec, otherStandardization, otherPrediction, codecOnly] {
            #expect(throws: LatentDiffError.self) { try file.withGuide(bad) }
        }
    }

    @Test func autoguidanceDefaultsNeedAGuide() throws {
        var config = file.config
        config.samplingDefaults.autoguidance = 1
        #expect(throws: LatentDiffError.self) { try ModelConfig(json: config.json) }
        config.guide = file.config.denoiser
        let read = try ModelConfig(json: config.json)
        #expect(read.samplingDefaults.autoguidance == 1 && read.guide == file.config.denoiser)
        // Guide tensors without a guide configuration are unexpected.
        var stray = try file.withGuide(weaker)
        stray.config.guide = nil
        #expect(throws: LatentDiffError.self) { try DiffusionModel(file: stray) }
    }
}
