import LatentDiffDiffusion
import LatentDiffIO
import LatentDiffKernels
import LatentDiffModels
import LatentDiffNN

/// `latentdiff pca2d`: the PCA-2D baseline. Fits 2 principal components on MNIST, trains the MLP
/// DDPM on the 2-D (whitened) latents, samples as many points as there are test images, draws
/// real and generated points on one scatter plot and measures the sliced Wasserstein distance to
/// the test points of: the generated points, real training points, and a Gaussian fitted to them.
public struct PCA2DExperiment {
    public var dataDirectory: String
    public var budget: TrainingBudget = .minutes(3)
    public var width = 128
    public var blocks = 3
    public var batchSize = 256
    public var learningRate: Float = 1e-3
    public var settings = SamplerSettings(kind: .dpmSolver, steps: 25)
    public var seed: UInt64 = 0
    public var threads = 2
    public var outputDirectory: String
    /// A model an earlier run trained: skips fitting and training, samples and measures it.
    public var trainedModel: String?

    public init(dataDirectory: String, outputDirectory: String) {
        self.dataDirectory = dataDirectory
        self.outputDirectory = outputDirectory
    }

    public struct Result {
        public let generatedToTest: Double
        public let trainToTest: Double
        public let gaussianToTest: Double
        public let modelPath: String
        public let plotPath: String
    }

    public func run(log: (String) -> Void = { print($0) }) throws -> Result {
        try createDirectory(outputDirectory)
        let modelPath = try trainedModelPath(log: log)
        let model = try DiffusionModel.load(path: modelPath)
        guard model.config.codec.latentShape == [2], model.config.dataset == Dataset.Kind.mnist.name else {
            throw LatentDiffError.invalidArgument("'\(modelPath)' is not a PCA-2D MNIST model (latent \(model.config.codec.latentShape))")
        }
        // Points: test, generated (as many), 10,000 training points, a fitted Gaussian.
        let test = try Dataset.load(.mnist, directory: dataDirectory, split: .test)
        let trainSet = try Dataset.load(.mnist, directory: dataDirectory, split: .train)
        let testPoints = try points(model.codec, test, indices: Array(0..<test.count))
        let trainSample = Array(trainSet.permutation(seed: seed, epoch: 0).prefix(test.count))
        let trainPoints = try points(model.codec, trainSet, indices: trainSample)
        let progress = ProgressReporter(title: "sample", total: settings.steps, unit: "steps")
        let latents = try model.sampleLatents(settings: settings, seed: seed &+ 1, labels: [Int](repeating: -1, count: test.count),
                                              threads: threads) { done, _ in progress.update(done); return true }
        progress.finish()
        let generated = (0..<test.count).map { (Double(latents[2 * $0]), Double(latents[2 * $0 + 1])) }
        let gaussian = fittedGaussian(to: trainPoints, count: test.count, seed: seed &+ 2)
        let result = Result(
            generatedToTest: slicedWasserstein(generated, testPoints), trainToTest: slicedWasserstein(trainPoints, testPoints),
            gaussianToTest: slicedWasserstein(gaussian, testPoints), modelPath: modelPath,
            plotPath: "\(outputDirectory)/pca2d-scatter.png")
        try scatterPlot(real: testPoints, realLabels: test.labels.map { Int($0) }, generated: generated,
                        title: "PCA-2D MNIST: TEST (COLOUR = CLASS) VS GENERATED", xLabel: "PC 1 (WHITENED)",
                        yLabel: "PC 2", path: result.plotPath)
        log("sliced Wasserstein distance to the \(test.count) test points:")
        log("  generated (\(generated.count) points): \(format(result.generatedToTest, digits: 4))")
        log("  real training points (\(trainPoints.count)): \(format(result.trainToTest, digits: 4))  (ratio generated/train \(format(result.generatedToTest / result.trainToTest, digits: 2)))")
        log("  Gaussian fitted to the training points: \(format(result.gaussianToTest, digits: 4))  (ratio \(format(result.gaussianToTest / result.trainToTest, digits: 2)))")
        log("wrote \(result.plotPath)")
        return result
    }

    /// The model file to measure: `trainedModel`, or a PCA-2D codec fitted and an MLP DDPM
    /// trained on its latents now (written to the output directory).
    private func trainedModelPath(log: (String) -> Void) throws -> String {
        if let trainedModel { return trainedModel }
        var codecJob = CodecTrainingJob(dataset: .mnist, dataDirectory: dataDirectory, codec: .pca,
                                        outputPath: "\(outputDirectory)/pca2d-codec.safetensors")
        codecJob.latentSize = 2
        try codecJob.run(log: log)
        var train = DiffusionTrainingJob(dataset: .mnist, dataDirectory: dataDirectory, codecPath: codecJob.outputPath,
                                         outputPath: "\(outputDirectory)/pca2d.safetensors")
        train.budget = budget
        train.useFirstObjective()
        train.widths = [width]
        train.blocks = blocks
        train.learningRate = learningRate
        train.batchSize = batchSize
        train.seed = seed
        _ = try train.run(log: log)
        return train.outputPath
    }

    private func points(_ codec: Codec, _ data: Dataset, indices: [Int]) throws -> [(Double, Double)] {
        let batch = try data.batch(indices: indices)
        let z = codec.encode(Tensor(shape: [indices.count, data.channels, data.height, data.width], values: batch.pixels))
        return withExtendedLifetime(z) { (0..<indices.count).map { (Double(z.data[2 * $0]), Double(z.data[2 * $0 + 1])) } }
    }

    /// `count` draws from N(mean, covariance) of `points` (Cholesky of the 2x2 covariance).
    private func fittedGaussian(to points: [(Double, Double)], count: Int, seed: UInt64) -> [(Double, Double)] {
        let n = Double(points.count)
        let mx = points.reduce(0) { $0 + $1.0 } / n, my = points.reduce(0) { $0 + $1.1 } / n
        let sxx = points.reduce(0) { $0 + ($1.0 - mx) * ($1.0 - mx) } / n
        let syy = points.reduce(0) { $0 + ($1.1 - my) * ($1.1 - my) } / n
        let sxy = points.reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / n
        let l11 = sxx.squareRoot(), l21 = sxy / l11, l22 = max(0, syy - l21 * l21).squareRoot()
        let philox = Philox(seed: seed)
        return (0..<count).map { i in
            let z = philox.normals(stream: 0, index: UInt64(i))
            return (mx + l11 * Double(z.0), my + l21 * Double(z.0) + l22 * Double(z.1))
        }
    }
}
