import Testing
import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import LatentDiffModels
import LatentDiffPipeline

#if canImport(Glibc)
import Glibc
#endif

/// Training on a folder of images through the jobs the commands run: a vae-cnn codec and a
/// class-conditional U-Net for a few steps on Tests/Fixtures/folders/labelled at 32x32, the
/// decoded images cached beside the output once, then sampling the model.
@Suite struct FolderTrainingTests {
    static let labelled: String = {
        let file = "\(#filePath)"
        return String(file[..<(file.lastIndex(of: "/") ?? file.startIndex)]) + "/../Fixtures/folders/labelled"
    }()

    @Test func codecAndUNetTrainOnTheFixtureFolderAndSample() throws {
        let directory = temporaryDirectory()
        let codecPath = directory + "/codec.safetensors", modelPath = directory + "/model.safetensors"
        let kind = Dataset.Kind.folder(ImageFolderSettings(size: 32, channels: 3)).cachingBeside(codecPath, directory: Self.labelled)
        var codecJob = CodecTrainingJob(dataset: kind, dataDirectory: Self.labelled, codec: .vaeCNN, outputPath: codecPath)
        codecJob.budget = .steps(3)
        codecJob.batchSize = 8
        codecJob.widths = [8, 16]
        codecJob.latentSize = 4
        codecJob.checkpointSeconds = .infinity
        var log: [String] = []
        let codec = try codecJob.run { log.append($0) }
        #expect(codec.config.dataset == "folder" && codec.config.codec.imageShape == [3, 32, 32])
        #expect(codec.config.codec.latentShape == [4, 8, 8])
        #expect(log.contains { $0.hasPrefix("wrote the image cache") && $0.contains("labelled-32x3-white.ldpack") }, "\(log)")
        #expect(exists(directory + "/labelled-32x3-white.ldpack"))

        // The denoiser's run reads the same cache: nothing decoded again.
        var train = DiffusionTrainingJob(dataset: kind, dataDirectory: Self.labelled, codecPath: codecPath, outputPath: modelPath)
        train.budget = .steps(3)
        train.batchSize = 8
        train.widths = [8, 16]
        train.attention = false
        train.conditional = true
        train.checkpointSeconds = .infinity
        log = []
        let file = try train.run { log.append($0) }
        #expect(log.contains { $0.contains("from the cache") } && !log.contains { $0.hasPrefix("wrote the image cache") }, "\(log)")
        #expect(file.config.denoiser?.classCount == 3)

        let model = try DiffusionModel.load(path: modelPath)
        // The file names the folder's classes and recommends a folder's guidance.
        #expect(model.config.classNames == ["airplane", "automobile", "cat"])
        #expect(model.config.samplingDefaults == SamplingDefaults(guidance: 3, steps: 20, sampler: .dpmSolver))
        let generation = try Generation(model: model, settings: SamplerSettings(kind: .dpmSolver, steps: 2, guidance: 2),
                                        seed: 1, labels: [0, 1, 2], threads: 1)
        #expect(generation.pixels.count == 3 * 32 * 32 * 3)
        #expect(Set(generation.pixels).count > 1)

        // An unlabelled folder cannot train a conditional model: one clear error.
        var flat = train
        flat.dataDirectory = Self.labelled + "/../flat"
        flat.dataset = .folder(ImageFolderSettings(size: 32))
        flat.outputPath = directory + "/flat.safetensors"
        do {
            try flat.run { _ in }
            Issue.record("a conditional model trained on an unlabelled folder")
        } catch {
            #expect((error as? LatentDiffError)?.message.contains("unlabelled") == true, "\(error)")
        }
    }
}
