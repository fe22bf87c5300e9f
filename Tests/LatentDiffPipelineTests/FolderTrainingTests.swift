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
        let codecJob = Self.tinyCodecJob(kind, steps: 3, outputPath: codecPath)
        var log: [String] = []
        let codec = try codecJob.run { log.append($0) }
        #expect(codec.config.dataset == "folder" && codec.config.codec.imageShape == [3, 32, 32])
        #expect(codec.config.codec.latentShape == [4, 8, 8])
        #expect(log.contains { $0.hasPrefix("wrote the image cache") && $0.contains("labelled-32x3-white.ldpack") }, "\(log)")
        #expect(exists(directory + "/labelled-32x3-white.ldpack"))

        // The denoiser's run reads the same cache: nothing decoded again.
        var train = Self.tinyDenoiserJob(kind, codecPath: codecPath, steps: 3, outputPath: modelPath)
        train.conditional = true
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

extension FolderTrainingTests {
    /// A vae-cnn codec (widths 8, 16; 4 latent channels) trained `steps` steps of 8 on the
    /// labelled fixture folder.
    static func tinyCodecJob(_ kind: Dataset.Kind, steps: Int, outputPath: String) -> CodecTrainingJob {
        var job = CodecTrainingJob(dataset: kind, dataDirectory: labelled, codec: .vaeCNN, outputPath: outputPath)
        job.budget = .steps(steps)
        job.batchSize = 8
        job.widths = [8, 16]
        job.latentSize = 4
        job.checkpointSeconds = .infinity
        return job
    }

    /// A U-Net (widths 8, 16, no attention) trained `steps` steps of 8 on the labelled fixture
    /// folder, on `codecPath`'s latents or (nil) the pixels.
    static func tinyDenoiserJob(_ kind: Dataset.Kind, codecPath: String?, steps: Int, outputPath: String) -> DiffusionTrainingJob {
        var job = DiffusionTrainingJob(dataset: kind, dataDirectory: labelled, codecPath: codecPath, outputPath: outputPath)
        job.budget = .steps(steps)
        job.batchSize = 8
        job.widths = [8, 16]
        job.attention = false
        job.checkpointSeconds = .infinity
        return job
    }
}
