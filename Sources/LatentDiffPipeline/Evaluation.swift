import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import LatentDiffModels
import LatentDiffNN

/// `latentdiff eval`: sample quality against the real test set, measured with the project's
/// classifier (docs/design.md, "How quality is measured"), and the codec's own ceiling.
public struct Evaluation {
    public var modelPath: String
    public var classifierPath: String
    public var dataDirectory: String
    /// Samples (for conditional models: split evenly over the classes).
    public var count = 10_000
    public var settings = SamplerSettings(kind: .dpmSolver, steps: 20)
    public var seed: UInt64 = 0
    public var threads = 2

    public init(modelPath: String, classifierPath: String, dataDirectory: String) {
        self.modelPath = modelPath
        self.classifierPath = classifierPath
        self.dataDirectory = dataDirectory
    }

    public struct Report {
        public var samples: Int
        public var frechetDistance: Double
        /// Real training images (as many as samples) against the test set: the floor.
        public var floorDistance: Double
        /// Fraction of conditional samples the classifier assigns to the requested class.
        public var classAccuracy: Double?
        public var histogram: [Int]
        public var reconstructionPSNR: Double
        public var reconstructionDistance: Double
        /// The classifier's accuracy on reconstructions of the test images: what the codec
        /// leaves of the class (the ceiling of `classAccuracy`).
        public var reconstructionAccuracy: Double
        public var secondsPerImage: Double

        public var json: JSON {
            var object: [(key: String, value: JSON)] = [
                ("samples", .number(Double(samples))), ("frechet_distance", .number(frechetDistance)),
                ("floor_distance", .number(floorDistance)), ("ratio_to_floor", .number(frechetDistance / floorDistance)),
            ]
            if let classAccuracy { object.append(("class_accuracy", .number(classAccuracy))) }
            object += [
                ("predicted_class_histogram", .ints(histogram)), ("reconstruction_psnr", .number(reconstructionPSNR)),
                ("reconstruction_frechet_distance", .number(reconstructionDistance)),
                ("reconstruction_class_accuracy", .number(reconstructionAccuracy)),
                ("seconds_per_image", .number(secondsPerImage)),
            ]
            return .object(object)
        }
    }

    /// Throws `.invalidArgument` for a sample count outside 2...1,000,000 (a Fréchet distance
    /// needs two samples).
    public static func checkCount(_ count: Int) throws(LatentDiffError) {
        guard (2...1_000_000).contains(count) else { throw .invalidArgument("the sample count must be in 2...1000000, not \(count)") }
    }

    public func run(log: (String) -> Void = { print($0) }) throws -> Report {
        try Self.checkCount(count)
        let model = try DiffusionModel.load(path: modelPath)
        let (classifier, accuracy) = try ClassifierFile.read(path: classifierPath)
        guard classifier.config.dataset == model.config.dataset, classifier.config.imageShape == model.imageShape else {
            throw LatentDiffError.invalidArgument("the classifier is for \(classifier.config.dataset), the model for \(model.config.dataset)")
        }
        let kind = Dataset.Kind.named(model.config.dataset, imageShape: model.config.codec.imageShape)
        log("classifier: \(classifierPath) (test accuracy \(accuracy.map { format($0 * 100, digits: 2) + "%" } ?? "unknown"))")
        let test = try Dataset.load(kind, directory: dataDirectory, split: .test, log: log)
        let train = try Dataset.load(kind, directory: dataDirectory, split: .train)
        let d = classifier.config.features, classes = classifier.config.classCount

        // Generated samples: conditional models get count / classes of each class.
        let conditional = model.classCount > 0
        let perClass = conditional ? max(1, count / model.classCount) : 0
        let labels = conditional ? (0..<model.classCount).flatMap { [Int](repeating: $0, count: perClass) } : [Int](repeating: -1, count: count)
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
        let generated = try classify(classifier, pixels: generatedImages.values, count: labels.count)
        let testFeatures = try classify(classifier, pixels: test.allPixels(), count: test.count).features
        let floorIndices = Array(train.permutation(seed: seed, epoch: 0).prefix(labels.count))
        let floorImages = try train.batch(indices: floorIndices)
        let floorFeatures = try classify(classifier, pixels: floorImages.pixels, count: floorIndices.count).features

        var histogram = [Int](repeating: 0, count: classes)
        for p in generated.predictions { histogram[p] += 1 }
        let classAccuracy = conditional
            ? agreement(generated.predictions, labels).fraction : nil

        // The codec's ceiling: reconstructions of the test set.
        var reconstructed: [Float] = [], error = ReconstructionError()
        try forEachReconstruction(codec: model.codec, images: test) { reconstructions, originals in
            reconstructed += reconstructions
            error.add(reconstructions, originals)
        }
        let psnr = error.psnr
        let reconstructions = try classify(classifier, pixels: reconstructed, count: test.count)

        let report = Report(
            samples: labels.count,
            frechetDistance: try frechetDistance(generated.features, testFeatures, dimension: d),
            floorDistance: try frechetDistance(floorFeatures, testFeatures, dimension: d),
            classAccuracy: classAccuracy, histogram: histogram, reconstructionPSNR: psnr,
            reconstructionDistance: try frechetDistance(reconstructions.features, testFeatures, dimension: d),
            reconstructionAccuracy: agreement(reconstructions.predictions, test.labels).fraction,
            secondsPerImage: secondsPerImage)
        log("\(report.samples) samples (\(settings.kind.rawValue), \(settings.steps) steps, guidance \(settings.guidance)) against \(test.count) test images:")
        log("  Fréchet distance: \(format(report.frechetDistance, digits: 3)); floor (train vs test, \(labels.count) images): \(format(report.floorDistance, digits: 3)); ratio \(format(report.frechetDistance / report.floorDistance, digits: 2))")
        if let classAccuracy { log("  accuracy on the requested class: \(format(classAccuracy * 100, digits: 2))%") }
        log("  predicted classes: \(histogram.map(String.init).joined(separator: " "))")
        log("  codec: reconstruction PSNR \(format(psnr, digits: 2)) dB, Fréchet distance of reconstructions \(format(report.reconstructionDistance, digits: 3)), classifier accuracy on them \(format(report.reconstructionAccuracy * 100, digits: 2))%")
        log("  sampling: \(format(secondsPerImage * 1000, digits: 1)) ms per image (\(threads) threads)")
        return report
    }
}
