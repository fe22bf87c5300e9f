import Testing
import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import LatentDiffPipeline

/// `latentdiff eval` on a model trained for a few steps on Tests/Fixtures/folders/labelled at
/// 16x16: without a classifier (reconstruction PSNR and memorization) and with one trained on
/// the folder's labels (also Fréchet distance and class accuracy).
@Suite struct FolderEvaluationTests {
    static let labelled = FolderTrainingTests.labelled

    /// The top-level keys of a JSON object.
    static func keys(_ json: JSON) -> [String] {
        guard case .object(let fields) = json else { return [] }
        return fields.map(\.key)
    }

    @Test func evalWithoutClassifierMeasuresReconstructionAndMemorization() throws {
        let directory = temporaryDirectory()
        let modelPath = directory + "/model.safetensors", pairsPath = directory + "/pairs.png"
        let settings = ImageFolderSettings(size: 16, channels: 3, background: .black)
        let file = try FolderTrainingTests.tinyDenoiserJob(.folder(settings), codecPath: nil, steps: 3, outputPath: modelPath).run { _ in }

        // The folder's background is recorded, read back, and names the data set eval reads.
        #expect(file.config.folderBackground == .black)
        let config = try DiffusionModel.load(path: modelPath).config
        #expect(config.folderBackground == .black && config.dataset == "folder")
        let kind = Dataset.Kind.named(config.dataset, imageShape: config.codec.imageShape, background: config.folderBackground)
        #expect(kind.folder == ImageFolderSettings(size: 16, channels: 3, background: .black))
        guard case .object(let fields) = config.json else { Issue.record("configuration is not an object"); return }
        let old = try ModelConfig(json: .object(fields.filter { $0.key != "folder" }))
        #expect(old.folderBackground == nil)

        var evaluation = Evaluation(modelPath: modelPath, classifierPath: nil, dataDirectory: Self.labelled)
        evaluation.count = 6
        evaluation.settings = SamplerSettings(kind: .dpmSolver, steps: 2)
        evaluation.pairsPath = pairsPath
        var log: [String] = []
        let report = try evaluation.run { log.append($0) }
        let test = try Dataset.load(kind, directory: Self.labelled, split: .test)
        #expect(report.classifier == nil && report.samples == 6)
        #expect(report.reconstructionPSNR > 100, "the identity codec reconstructs exactly")
        #expect(report.memorization.sampleCount == 6 && report.memorization.heldOutCount == min(6, test.count))
        #expect(report.memorization.pixels.samples.allSatisfy { $0 > 0 && $0 < 1 })
        #expect(log.contains { $0.contains("no classifier") } && log.contains { $0.contains("memorization") }, "\(log)")
        let keys = Self.keys(report.json)
        #expect(keys.contains("memorization") && keys.contains("reconstruction_psnr") && !keys.contains("frechet_distance"), "\(keys)")
        let pairs = try PNG.read(path: pairsPath)
        #expect(pairs.width == 6 * 18 + 2 && pairs.height == 2 * 18 + 2)

        var bad = evaluation
        bad.count = 0
        #expect(throws: LatentDiffError.self) { try bad.run { _ in } }
    }

    @Test func evalWithClassifierAddsFrechetDistanceAndClassAccuracy() throws {
        let directory = temporaryDirectory()
        let codecPath = directory + "/codec.safetensors", modelPath = directory + "/model.safetensors"
        let classifierPath = directory + "/classifier.safetensors"
        let kind = Dataset.Kind.folder(ImageFolderSettings(size: 16, channels: 3)).cachingBeside(codecPath, directory: Self.labelled)
        try FolderTrainingTests.tinyCodecJob(kind, steps: 2, outputPath: codecPath).run { _ in }
        var train = FolderTrainingTests.tinyDenoiserJob(kind, codecPath: codecPath, steps: 2, outputPath: modelPath)
        train.conditional = true
        try train.run { _ in }
        var classifierJob = ClassifierTrainingJob(dataset: kind, dataDirectory: Self.labelled, outputPath: classifierPath)
        classifierJob.budget = .steps(2)
        classifierJob.batchSize = 8
        classifierJob.width = 8
        try classifierJob.run { _ in }

        var evaluation = Evaluation(modelPath: modelPath, classifierPath: classifierPath, dataDirectory: Self.labelled)
        evaluation.dataset = kind
        evaluation.count = 6
        evaluation.settings = SamplerSettings(kind: .dpmSolver, steps: 2, guidance: 2)
        evaluation.settings.guidanceInterval = 0...50
        evaluation.seed = 7
        var evaluationLog: [String] = []
        let report = try evaluation.run { evaluationLog.append($0) }
        #expect(evaluationLog.contains { $0.hasPrefix("6 samples (dpm++, 2 steps, guidance 2.0, guidance interval 0.0...50.0) against") },
                "\(evaluationLog)")
        #expect(report.json["sampler_settings"]?.serialized() == evaluation.settings.json.serialized() && report.json["seed"]?.doubleValue == 7)
        guard let figures = report.classifier else { Issue.record("no classifier figures"); return }
        #expect(report.samples == 6 && figures.histogram.reduce(0, +) == 6 && figures.histogram.count == 3)
        #expect(figures.frechetDistance.isFinite && figures.frechetDistance >= 0 && figures.floorDistance.isFinite)
        #expect(figures.classAccuracy.map { (0...1).contains($0) } == true)
        #expect(report.reconstructionPSNR.isFinite && report.reconstructionPSNR < 100, "a 2-step VAE does not reconstruct exactly")
        // Latents of the vae-cnn codec are 4x4x4, measured apart from the pixels.
        let memorization = report.memorization
        #expect(memorization.sampleCount == 6)
        #expect(zip(memorization.latents.samples, memorization.pixels.samples).contains { abs($0 - 2 * $1) > 1e-6 })
        let keys = Self.keys(report.json)
        #expect(["frechet_distance", "class_accuracy", "reconstruction_class_accuracy", "memorization"].allSatisfy(keys.contains), "\(keys)")

        // The codec file alone: the same reconstruction figures, without sampling.
        var codecEvaluation = CodecEvaluation(codecPath: codecPath, classifierPath: classifierPath, dataDirectory: Self.labelled)
        codecEvaluation.dataset = kind
        var log: [String] = []
        let codecFigures = try codecEvaluation.run { log.append($0) }
        #expect(codecFigures.psnr == report.reconstructionPSNR)
        #expect(codecFigures.frechetDistance == figures.reconstructionDistance && codecFigures.classAccuracy == figures.reconstructionAccuracy)
        #expect(Self.keys(codecFigures.json) == ["reconstruction_psnr", "reconstruction_frechet_distance", "reconstruction_class_accuracy"])
        #expect(log.contains { $0.hasPrefix("codec vae-cnn on ") && $0.contains("classifier accuracy on them") }, "\(log)")
        codecEvaluation.classifierPath = nil
        #expect(try codecEvaluation.run { _ in }.frechetDistance == nil)

        // A directory without images for a folder model: one error naming it.
        var other = evaluation
        other.dataset = nil
        other.dataDirectory = Self.labelled + "/../../mnist"
        #expect { try other.run { _ in } } throws: { ($0 as? LatentDiffError)?.message.contains("no images") == true }
    }
}
