import Testing
import LatentDiffDiffusion
import LatentDiffIO
@testable import LatentDiffPipeline

/// What `latentdiff train` stores for hosts: the data set's guidance and its class names when
/// class-conditional; guidance 1 and no names when not.
@Suite struct TrainedDefaultsTests {
    func train(conditional: Bool) throws -> ModelConfig {
        let directory = temporaryDirectory()
        var job = DiffusionTrainingJob(dataset: .mnist, dataDirectory: DataParallelJobTests.mnist, codecPath: nil,
                                       outputPath: "\(directory)/model.safetensors")
        job.budget = .steps(1)
        job.batchSize = 4
        job.widths = [8, 16]
        job.attention = false
        job.conditional = conditional
        job.checkpointSeconds = .infinity
        try job.run(log: { _ in })
        return try ModelFile.read(path: job.outputPath).config
    }

    @Test func conditionalModelsStoreTheDataSetsGuidanceAndNames() throws {
        let config = try train(conditional: true)
        #expect(config.samplingDefaults == SamplingDefaults(guidance: Dataset.Kind.mnist.defaultGuidance, steps: 20, sampler: .dpmSolver))
        #expect(config.samplingDefaults.guidance == 1.5)
        #expect(config.classNames == MNIST.classNames)
    }

    @Test func unconditionalModelsStoreGuidanceOne() throws {
        let config = try train(conditional: false)
        #expect(config.samplingDefaults == SamplingDefaults(guidance: 1, steps: 20, sampler: .dpmSolver))
        #expect(config.classNames.isEmpty)
    }
}
