import Testing
import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import LatentDiffPipeline

#if canImport(Glibc)
import Glibc
#endif

/// `latentdiff train-all` through its job: codec then U-Net on the labelled fixture folder for a
/// few steps, the pictures it leaves beside the model, its budget split and its resumption.
@Suite struct TrainAllTests {
    func job(directory: String, steps: Int = 8) -> TrainAllJob {
        let out = directory + "/icons.safetensors"
        let kind = Dataset.Kind.folder(ImageFolderSettings(size: 16, channels: 3))
            .cachingBeside(out, directory: FolderTrainingTests.labelled)
        var job = TrainAllJob(dataset: kind, dataDirectory: FolderTrainingTests.labelled, outputPath: out)
        job.budget = .steps(steps)
        job.batchSize = 8
        job.codecWidths = [8, 16]
        job.denoiserWidths = [8, 16]
        job.checkpointSeconds = .infinity
        job.gridColumns = 4
        job.memorizationSamples = 6
        job.threads = 1
        return job
    }

    @Test func trainsBothStagesAndWritesThePicturesBesideTheModel() throws {
        let directory = temporaryDirectory()
        let job = job(directory: directory)
        var log: [String] = []
        let file = try job.run { log.append($0) }
        #expect(file.config.codec.kind == .vaeCNN && file.config.codec.latentShape == [4, 4, 4])
        #expect(file.config.denoiser?.classCount == 3, "a labelled folder trains a class-conditional model")
        #expect(file.config.codecSteps == 2 && file.config.denoiserSteps == 6, "8 steps split 1:3")
        for suffix in [".safetensors", ".codec.safetensors", ".safetensors.loss.png", ".codec.safetensors.loss.png",
                       ".samples.png", ".reconstructions.png", ".memorization.png", ".memorization.json"] {
            #expect(exists(directory + "/icons" + suffix), "\(suffix) missing")
        }
        // One row of 4 per class; held-out images above their reconstructions.
        let samples = try PNG.read(path: job.samplesPath)
        #expect(samples.width == 4 * 18 + 2 && samples.height == 3 * 18 + 2 && samples.channels == 3)
        let reconstructions = try PNG.read(path: job.reconstructionsPath)
        #expect(reconstructions.width == 4 * 18 + 2 && reconstructions.height == 4 * 18 + 2, "5 held-out: 2 pairs of rows")
        #expect(log.contains { $0.contains("rows: airplane, automobile, cat") }, "\(log)")
        #expect(log.contains { $0.hasPrefix("memorization: RMS distance to the nearest of 31 training images, 6 samples against 5 held-out") },
                "\(log)")
        _ = try DiffusionModel.load(path: job.outputPath)
    }

    @Test func resumingAfterTheCodecKeepsItAndGivesTheSameModel() throws {
        let directory = temporaryDirectory()
        var job = job(directory: directory)
        let first = try job.run { _ in }
        let codecBytes = try ImageFile.readBytes(path: Array(job.codecPath.utf8CString), name: "codec")
        unlink(job.outputPath)
        job.resume = true
        var log: [String] = []
        let second = try job.run { log.append($0) }
        #expect(log.contains { $0.hasPrefix("train-all: keeping the finished codec") }, "\(log)")
        #expect(try ImageFile.readBytes(path: Array(job.codecPath.utf8CString), name: "codec") == codecBytes)
        #expect(second.tensors.map(\.name) == first.tensors.map(\.name))
        for (a, b) in zip(first.tensors, second.tensors) { #expect(a.tensor.values == b.tensor.values, "\(a.name)") }
    }

    @Test func budgetSplitsAQuarterToTheCodec() throws {
        var job = TrainAllJob(dataset: .mnist, dataDirectory: "-", outputPath: "x.safetensors")
        job.budget = .minutes(60)
        #expect(try job.split() == (.minutes(15), .minutes(45)))
        job.budget = .steps(2)
        #expect(try job.split() == (.steps(1), .steps(1)))
        job.codecShare = 1
        #expect(throws: LatentDiffError.self) { try job.split() }
        #expect(job.codecPath == "x.codec.safetensors" && job.samplesPath == "x.samples.png")
    }

    @Test func codecWidthsReachAnEightByEightLatent() {
        #expect(TrainAllJob.codecWidths(imageSize: 16) == [32, 64])
        #expect(TrainAllJob.codecWidths(imageSize: 32) == [32, 64])
        #expect(TrainAllJob.codecWidths(imageSize: 64) == [32, 64, 64])
        #expect(TrainAllJob.codecWidths(imageSize: 128) == [32, 64, 64, 64])
        #expect(TrainAllJob.codecWidths(imageSize: 512) == [32, 64, 64, 64], "at most 4 stages")
    }
}
