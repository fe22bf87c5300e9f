import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import LatentDiffModels
import LatentDiffNN

/// `latentdiff eval`: sample quality against the real test set (docs/design.md, "How quality is
/// measured"): the codec's reconstruction PSNR and the memorization report always; with the
/// project's classifier for the data set also the Fréchet distance, class accuracy and the
/// codec's ceiling on them.
public struct Evaluation {
    public var modelPath: String
    /// The classifier (train-classifier on the same data set); nil measures without one.
    public var classifierPath: String?
    public var dataDirectory: String
    /// The data set as the model was trained on it; nil: the kind the model file names
    /// (`Dataset.Kind.named` with its image shape and folder background).
    public var dataset: Dataset.Kind?
    /// Samples (for conditional models: split evenly over the classes).
    public var count = 10_000
    public var settings = SamplerSettings(kind: .dpmSolver, steps: 20)
    public var seed: UInt64 = 0
    public var threads = 2
    /// Where to write the memorization report's closest pairs (`MemorizationReport.writePairs`).
    public var pairsPath: String?

    public init(modelPath: String, classifierPath: String?, dataDirectory: String) {
        self.modelPath = modelPath
        self.classifierPath = classifierPath
        self.dataDirectory = dataDirectory
    }

    /// What the classifier measures.
    public struct ClassifierFigures {
        public var frechetDistance: Double
        /// Real training images (as many as samples) against the test set: the floor.
        public var floorDistance: Double
        /// Fraction of conditional samples the classifier assigns to the requested class.
        public var classAccuracy: Double?
        public var histogram: [Int]
        public var reconstructionDistance: Double
        /// The classifier's accuracy on reconstructions of the test images: what the codec
        /// leaves of the class (the ceiling of `classAccuracy`).
        public var reconstructionAccuracy: Double
    }

    public struct Report {
        public var samples: Int
        /// What the samples were drawn with, and the first seed (a JSON number: exact up to 2^53).
        public var settings: SamplerSettings
        public var seed: UInt64
        public var classifier: ClassifierFigures?
        public var reconstructionPSNR: Double
        public var secondsPerImage: Double
        public var memorization: MemorizationReport

        public var json: JSON {
            var object: [(key: String, value: JSON)] = [
                ("samples", .number(Double(samples))), ("sampler_settings", settings.json), ("seed", .number(Double(seed))),
            ]
            if let classifier {
                object += [
                    ("frechet_distance", .number(classifier.frechetDistance)), ("floor_distance", .number(classifier.floorDistance)),
                    ("ratio_to_floor", .number(classifier.frechetDistance / classifier.floorDistance)),
                ]
                if let classAccuracy = classifier.classAccuracy { object.append(("class_accuracy", .number(classAccuracy))) }
                object.append(("predicted_class_histogram", .ints(classifier.histogram)))
            }
            object.append(("reconstruction_psnr", .number(reconstructionPSNR)))
            if let classifier {
                object += [
                    ("reconstruction_frechet_distance", .number(classifier.reconstructionDistance)),
                    ("reconstruction_class_accuracy", .number(classifier.reconstructionAccuracy)),
                ]
            }
            object += [("seconds_per_image", .number(secondsPerImage)), ("memorization", memorization.json)]
            return .object(object)
        }
    }

    /// Throws `.invalidArgument` for a sample count outside 2...1,000,000 (a Fréchet distance
    /// needs two samples).
    public static func checkCount(_ count: Int) throws(LatentDiffError) {
        guard (2...1_000_000).contains(count) else { throw .invalidArgument("the sample count must be in 2...1000000, not \(count)") }
    }

    /// The class labels of `count` samples: -1 each for an unconditional model (`classCount`
    /// 0), else max(1, count / classCount) of each class in turn.
    public static func sampleLabels(classCount: Int, count: Int) -> [Int] {
        guard classCount > 0 else { return [Int](repeating: -1, count: count) }
        let perClass = max(1, count / classCount)
        return (0..<classCount).flatMap { [Int](repeating: $0, count: perClass) }
    }

    public func run(log: (String) -> Void = { print($0) }) throws -> Report {
        try run(guidances: [settings.guidance], log: log)[0]
    }

    /// One report per guidance scale (`settings` with each in turn), sharing the work that does
    /// not depend on it: the model, the data, the classifier's features of the test set and of the
    /// floor's training images, and the codec's reconstruction figures.
    func run(guidances: [Float], log: (String) -> Void) throws -> [Report] {
        try Self.checkCount(count)
        let model = try DiffusionModel.load(path: modelPath)
        let classifier = try classifierPath.map { try Self.loadClassifier(path: $0, for: model.config, log: log) }
        let kind = dataset ?? Self.dataset(of: model.config)
        let test = try Self.loadTest(kind, directory: dataDirectory, for: model.config, log: log)
        let train = try Dataset.load(kind, directory: dataDirectory, split: .train)
        // Conditional models get count / classes samples of each class.
        let labels = Self.sampleLabels(classCount: model.classCount, count: count)

        // The codec's ceiling: reconstructions of the test set; the floor: real training images.
        let testFeatures = try classifier.map { try classify($0, pixels: test.allPixels(), count: test.count).features }
        let codecFigures = try ReconstructionFigures.measure(codec: model.codec, test: test, classifier: classifier, testFeatures: testFeatures)
        let floorFeatures = try classifier.map { classifier in
            let floorIndices = Array(train.permutation(seed: seed, epoch: 0).prefix(labels.count))
            return try classify(classifier, pixels: try train.batch(indices: floorIndices).pixels, count: floorIndices.count).features
        }

        // Every scale's samples first, then one memorization pass over the training split for all.
        let sampled = try guidances.map { guidance in
            var settings = self.settings
            settings.guidance = guidance
            let progress = ProgressReporter(title: "sample \(labels.count)", total: settings.steps, unit: "steps")
            let start = MonotonicClock.now()
            let generation = try Generation(model: model, settings: settings, seed: seed, labels: labels, threads: threads) { done, _ in
                progress.update(done)
                return true
            }
            progress.finish()
            let secondsPerImage = (MonotonicClock.now() - start) / Double(labels.count)
            let generatedImages = ImageConversion.images(
                from: generation.pixels, count: labels.count, channels: model.imageShape[0], height: model.imageShape[1], width: model.imageShape[2])
            let figures = try classifier.map { classifier in
                try classifierFigures(classifier, generated: generatedImages.values, labels: labels, conditional: model.classCount > 0,
                                      testFeatures: testFeatures ?? [], floorFeatures: floorFeatures ?? [], reconstructions: codecFigures)
            }
            return (settings: settings, images: generatedImages.values, figures: figures, secondsPerImage: secondsPerImage)
        }
        let memorizations = try MemorizationReport.measure(
            sampleSets: sampled.map(\.images), train: train, heldOut: test,
            encode: MemorizationReport.latentEncoder(model, threads: threads), seed: seed, threads: threads, log: log)
        return try zip(sampled, memorizations).map { sample, memorization in
            let (settings, figures) = (sample.settings, sample.figures)
            let pairsPath = self.pairsPath.map { guidances.count > 1 ? Self.path($0, guidance: settings.guidance) : $0 }
            if let pairsPath { try memorization.writePairs(path: pairsPath) }
            let report = Report(samples: labels.count, settings: settings, seed: seed, classifier: figures,
                                reconstructionPSNR: codecFigures.psnr, secondsPerImage: sample.secondsPerImage, memorization: memorization)
            log("\(report.samples) samples (\(settings)) against \(test.count) test images:")
            if let figures {
                log("  Fréchet distance: \(format(figures.frechetDistance, digits: 3)); floor (train vs test, \(labels.count) images): \(format(figures.floorDistance, digits: 3)); ratio \(format(figures.frechetDistance / figures.floorDistance, digits: 2))")
                if let classAccuracy = figures.classAccuracy { log("  accuracy on the requested class: \(format(classAccuracy * 100, digits: 2))%") }
                log("  predicted classes: \(figures.histogram.map(String.init).joined(separator: " "))")
                log("  codec: reconstruction PSNR \(format(report.reconstructionPSNR, digits: 2)) dB, Fréchet distance of reconstructions \(format(figures.reconstructionDistance, digits: 3)), classifier accuracy on them \(format(figures.reconstructionAccuracy * 100, digits: 2))%")
            } else {
                log("  codec: reconstruction PSNR \(format(report.reconstructionPSNR, digits: 2)) dB (no classifier: no Fréchet distance or class accuracy)")
            }
            log("  sampling: \(format(sample.secondsPerImage * 1000, digits: 1)) ms per image (\(threads) threads)")
            for line in memorization.summary { log("  " + line) }
            if let pairsPath { log("  wrote \(pairsPath): the samples closest to a training image (top) and those images (bottom)") }
            return report
        }
    }

    /// `path` with "-g<guidance>" before its extension: one file per point of a guidance sweep
    /// ("pairs.png", 1.5 -> "pairs-g1.5.png").
    public static func path(_ path: String, guidance: Float) -> String {
        let tag = "-g\(guidance == guidance.rounded() ? String(Int(guidance)) : String(guidance))"
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return path + tag }
        let stemLength = path.count - name.count + name.distance(from: name.startIndex, to: dot)
        return String(path.prefix(stemLength)) + tag + String(path.dropFirst(stemLength))
    }

    /// Fréchet distances of the samples and of real training images (the floor, `floorFeatures`)
    /// against the test set in the classifier's features (`testFeatures`); class agreement; the
    /// codec's figures.
    private func classifierFigures(
        _ classifier: Classifier, generated: [Float], labels: [Int], conditional: Bool, testFeatures: [Float],
        floorFeatures: [Float], reconstructions: ReconstructionFigures
    ) throws -> ClassifierFigures {
        let d = classifier.config.features
        let samples = try classify(classifier, pixels: generated, count: labels.count)
        var histogram = [Int](repeating: 0, count: classifier.config.classCount)
        for p in samples.predictions { histogram[p] += 1 }
        return ClassifierFigures(
            frechetDistance: try frechetDistance(samples.features, testFeatures, dimension: d),
            floorDistance: try frechetDistance(floorFeatures, testFeatures, dimension: d),
            classAccuracy: conditional ? agreement(samples.predictions, labels).fraction : nil, histogram: histogram,
            reconstructionDistance: reconstructions.frechetDistance ?? .nan,
            reconstructionAccuracy: reconstructions.classAccuracy ?? .nan)
    }
}

extension Evaluation {
    /// The data set `config`'s model (or codec) was trained on, by the name and image shape it records.
    static func dataset(of config: ModelConfig) -> Dataset.Kind {
        Dataset.Kind.named(config.dataset, imageShape: config.codec.imageShape, background: config.folderBackground)
    }

    /// The classifier at `path`, which must be for `config`'s data set and image shape.
    static func loadClassifier(path: String, for config: ModelConfig, log: (String) -> Void) throws -> Classifier {
        let (classifier, accuracy) = try ClassifierFile.read(path: path)
        guard classifier.config.dataset == config.dataset, classifier.config.imageShape == config.codec.imageShape else {
            throw LatentDiffError.invalidArgument("the classifier is for \(classifier.config.dataset), the model for \(config.dataset)")
        }
        log("classifier: \(path) (test accuracy \(accuracy.map { format($0 * 100, digits: 2) + "%" } ?? "unknown"))")
        return classifier
    }

    /// The test split of `kind`, whose images must have `config`'s image shape.
    static func loadTest(_ kind: Dataset.Kind, directory: String, for config: ModelConfig, log: (String) -> Void) throws -> Dataset {
        let test = try Dataset.load(kind, directory: directory, split: .test, log: log)
        let shape = config.codec.imageShape
        guard [test.channels, test.height, test.width] == shape else {
            throw LatentDiffError.invalidArgument(
                "'\(directory)' holds \(test.channels)x\(test.height)x\(test.width) images, the model makes \(shape.map(String.init).joined(separator: "x"))")
        }
        return test
    }
}
