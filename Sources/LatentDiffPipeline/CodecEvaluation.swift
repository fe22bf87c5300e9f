import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import LatentDiffModels

/// What a codec leaves of the test set: decode(encode(x)) against x.
public struct ReconstructionFigures: Sendable {
    /// 10 log10(1 / MSE), pixels in [0, 1].
    public var psnr: Double
    /// With a classifier: the Fréchet distance of the reconstructions to the test images in its
    /// features, and its accuracy on the reconstructions.
    public var frechetDistance: Double?
    public var classAccuracy: Double?

    /// Reconstructs `test`; with a classifier, `testFeatures` are its features of the test images.
    static func measure(codec: Codec, test: Dataset, classifier: Classifier?, testFeatures: [Float]?) throws -> ReconstructionFigures {
        var reconstructed: [Float] = [], error = ReconstructionError()
        try forEachReconstruction(codec: codec, images: test) { reconstructions, originals in
            if classifier != nil { reconstructed += reconstructions }
            error.add(reconstructions, originals)
        }
        var figures = ReconstructionFigures(psnr: error.psnr)
        if let classifier, let testFeatures {
            let reconstructions = try classify(classifier, pixels: reconstructed, count: test.count)
            figures.frechetDistance = try LatentDiffPipeline.frechetDistance(reconstructions.features, testFeatures, dimension: classifier.config.features)
            figures.classAccuracy = agreement(reconstructions.predictions, test.labels).fraction
        }
        return figures
    }

    /// reconstruction_psnr and, with a classifier, reconstruction_frechet_distance and
    /// reconstruction_class_accuracy (the keys of `Evaluation.Report.json`).
    public var json: JSON {
        var object: [(key: String, value: JSON)] = [("reconstruction_psnr", .number(psnr))]
        if let frechetDistance { object.append(("reconstruction_frechet_distance", .number(frechetDistance))) }
        if let classAccuracy { object.append(("reconstruction_class_accuracy", .number(classAccuracy))) }
        return .object(object)
    }
}

/// `latentdiff eval` of a codec file (train-codec output, no denoiser): the reconstruction
/// figures of the test set alone, no sampling and no memorization report.
public struct CodecEvaluation {
    public var codecPath: String
    /// The classifier (train-classifier on the same data set); nil measures PSNR only.
    public var classifierPath: String?
    public var dataDirectory: String
    /// The data set as the codec was trained on it; nil: the kind the codec file names.
    public var dataset: Dataset.Kind?

    public init(codecPath: String, classifierPath: String?, dataDirectory: String) {
        self.codecPath = codecPath
        self.classifierPath = classifierPath
        self.dataDirectory = dataDirectory
    }

    public func run(log: (String) -> Void = { print($0) }) throws -> ReconstructionFigures {
        let (file, codec) = try loadCodec(path: codecPath)
        let classifier = try classifierPath.map { try Evaluation.loadClassifier(path: $0, for: file.config, log: log) }
        let test = try Evaluation.loadTest(dataset ?? Evaluation.dataset(of: file.config), directory: dataDirectory,
                                           for: file.config, log: log)
        let testFeatures = try classifier.map { try classify($0, pixels: test.allPixels(), count: test.count).features }
        let figures = try ReconstructionFigures.measure(codec: codec, test: test, classifier: classifier, testFeatures: testFeatures)
        var line = "codec \(file.config.codec.kind.rawValue) on \(test.count) test images: reconstruction PSNR \(format(figures.psnr, digits: 2)) dB"
        if let distance = figures.frechetDistance, let accuracy = figures.classAccuracy {
            line += ", Fréchet distance of reconstructions \(format(distance, digits: 3)), classifier accuracy on them \(format(accuracy * 100, digits: 2))%"
        } else {
            line += " (no classifier: no Fréchet distance or class accuracy)"
        }
        log(line)
        return figures
    }
}
