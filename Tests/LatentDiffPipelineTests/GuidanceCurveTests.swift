import Testing
import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import LatentDiffPipeline

/// `latentdiff eval --guidance-sweep`: one evaluation per scale, its JSON and its two-panel plot.
@Suite struct GuidanceCurveTests {
    @Test func sweepPointsWriteTheirPairsToTheirOwnFiles() {
        #expect(Evaluation.path("pairs.png", guidance: 1.5) == "pairs-g1.5.png")
        #expect(Evaluation.path("out/pairs.png", guidance: 2) == "out/pairs-g2.png")
        #expect(Evaluation.path("a.b/pairs", guidance: 3) == "a.b/pairs-g3")
        #expect(Evaluation.path(".hidden", guidance: 6) == ".hidden-g6")
        #expect(Evaluation.path("x.tar.png", guidance: 0.25) == "x.tar-g0.25.png")
    }

    @Test func curvePlotPutsPointsWhereTheAxesMapThem() throws {
        let path = temporaryDirectory() + "/curve.png"
        let panel = CurvePanel(title: "A", xLabel: "X", yLabel: "", points: [(x: 2, y: 1), (x: 1, y: 0)])
        try curvePlot([panel, panel], title: "T", path: path)
        let image = try PNG.read(path: path)
        #expect(image.width == 920 && image.height == 440 && image.channels == 3)
        let blue = Canvas.palette[0]
        func isBlue(_ x: Int, _ y: Int) -> Bool {
            let i = (y * image.width + x) * 3
            return (image.pixels[i], image.pixels[i + 1], image.pixels[i + 2]) == blue
        }
        // Panel i spans x in [460 i + 70, 460 i + 440), y in [72, 390); ranges pad 5% of 1 each side:
        // (1, 0) -> (70 + Int(0.05 / 1.1 * 370), 390 - Int(0.05 / 1.1 * 318)) = (86, 376); (2, 1) -> (423, 87).
        for left in [0, 460] {
            #expect(isBlue(left + 86, 376) && isBlue(left + 423, 87))
            #expect(!isBlue(left + 86, 87), "no marker where no point is")
        }
    }

    @Test func sweepEvaluatesEachScaleAndDrawsTheTradeOff() throws {
        let directory = temporaryDirectory()
        let codecPath = directory + "/codec.safetensors", modelPath = directory + "/model.safetensors"
        let classifierPath = directory + "/classifier.safetensors", plotPath = directory + "/curve.png"
        let labelled = FolderTrainingTests.labelled
        let kind = Dataset.Kind.folder(ImageFolderSettings(size: 16, channels: 3)).cachingBeside(codecPath, directory: labelled)
        try FolderTrainingTests.tinyCodecJob(kind, steps: 2, outputPath: codecPath).run { _ in }
        var train = FolderTrainingTests.tinyDenoiserJob(kind, codecPath: codecPath, steps: 2, outputPath: modelPath)
        train.conditional = true
        try train.run { _ in }
        var classifierJob = ClassifierTrainingJob(dataset: kind, dataDirectory: labelled, outputPath: classifierPath)
        classifierJob.budget = .steps(2)
        classifierJob.batchSize = 8
        classifierJob.width = 8
        try classifierJob.run { _ in }

        var evaluation = Evaluation(modelPath: modelPath, classifierPath: classifierPath, dataDirectory: labelled)
        evaluation.dataset = kind
        evaluation.count = 6
        evaluation.settings = SamplerSettings(kind: .dpmSolver, steps: 2)
        evaluation.pairsPath = directory + "/pairs.png"
        let points = try GuidanceCurve(evaluation: evaluation, guidances: [1, 3]).run { _ in }
        #expect(points.map(\.guidance) == [1, 3])
        let pairs = try [1, 3].map { try PNG.read(path: directory + "/pairs-g\($0).png") }
        #expect(pairs.count == 2 && pairs[0].pixels != pairs[1].pixels, "each point writes its own closest pairs")
        evaluation.pairsPath = nil
        let distances = points.compactMap { $0.report.classifier?.frechetDistance }
        #expect(distances.count == 2 && distances[0] != distances[1], "each point samples at its own scale")
        var single = evaluation
        single.settings.guidance = 3
        #expect(try single.run { _ in }.classifier?.frechetDistance == distances[1])

        guard case .object(let fields) = GuidanceCurve.json(points), case .array(let entries)? = fields.first?.value,
              case .object(let first)? = entries.first else {
            Issue.record("unexpected JSON \(GuidanceCurve.json(points).serialized())")
            return
        }
        #expect(fields.first?.key == "guidance_curve" && entries.count == 2)
        #expect(first.first?.key == "guidance" && first.first?.value.doubleValue == 1 && first.contains { $0.key == "class_accuracy" })
        #expect(entries.map { $0["sampler_settings"]?["guidance"]?.doubleValue } == [1, 3], "each point records its own settings")

        try GuidanceCurve.plot(points, title: "TINY", path: plotPath)
        let image = try PNG.read(path: plotPath)
        #expect(image.width == 920, "two panels: class accuracy and Fréchet distance / floor")

        var unguided = evaluation
        unguided.classifierPath = nil
        #expect(throws: LatentDiffError.self) { try GuidanceCurve(evaluation: unguided, guidances: [1]).run { _ in } }
        for bad: [Float] in [[], [-1], [.nan], [1, .infinity]] {
            #expect(throws: LatentDiffError.self) { try GuidanceCurve.check(bad) }
        }
    }
}
