import LatentDiffIO
import LatentDiffKernels
import LatentDiffModels
import LatentDiffNN

/// `latentdiff train-classifier`: trains the evaluation classifier (for CIFAR-10 with random
/// horizontal flips and shifts of up to 4 pixels) and reports its test accuracy.
public struct ClassifierTrainingJob {
    public var dataset: Dataset.Kind
    public var dataDirectory: String
    public var budget: TrainingBudget = .steps(1500)
    public var batchSize = 128
    public var learningRate: Float = 2e-3
    public var width = 32
    public var blocks = 0
    public var seed: UInt64 = 0
    public var outputPath: String

    public init(dataset: Dataset.Kind, dataDirectory: String, outputPath: String) {
        self.dataset = dataset
        self.dataDirectory = dataDirectory
        self.outputPath = outputPath
    }

    @discardableResult
    public func run(log: (String) -> Void = { print($0) }) throws -> Double {
        try TrainingLoop.prepareOutput(outputPath, log: log)
        let train = try Dataset.load(dataset, directory: dataDirectory, split: .train)
        let test = try Dataset.load(dataset, directory: dataDirectory, split: .test)
        let config = Classifier.Config(dataset: dataset.rawValue, imageShape: [train.channels, train.height, train.width],
                                       width: width, classCount: train.classNames.count, blocks: blocks)
        let store = ParameterStore(seed: seed)
        let classifier = try Classifier(config: config, store: store)
        let loop = TrainingLoop(store: store, settings: .init(learningRate: learningRate, warmupSteps: 100, weightDecay: 5e-4,
                                                              checkpointSeconds: .infinity))
        let batches = try StepBatches(dataset: train, batchSize: batchSize, seed: seed, flip: dataset == .cifar10,
                                      maxShift: dataset == .cifar10 ? 4 : 0)
        let shape = [batchSize, train.channels, train.height, train.width]
        try loop.run(budget: budget, title: "train-classifier", unitsPerStep: batchSize, unit: "img", lossPlot: outputPath + ".loss.png",
                     loss: { step in
                         let batch = try batches.batch(step: step)
                         return crossEntropyWithLogits(classifier(Tensor(shape: shape, values: batch.pixels)).logits,
                                                       labels: batch.labels.map { Int($0) })
                     },
                     save: { _ in })
        let inference = try Classifier(config: config, store: ParameterStore(tensors: store.tensorsByName, requiresGrad: false))
        let predictions = try predict(inference, images: test)
        let correct = zip(predictions, test.labels).filter { $0 == Int($1) }.count
        let accuracy = Double(correct) / Double(test.count)
        log("test accuracy: \(format(accuracy * 100, digits: 2))% (\(correct)/\(test.count))")
        try ClassifierFile.write(inference, testAccuracy: accuracy, path: outputPath)
        log("wrote \(outputPath)")
        return accuracy
    }
}

/// Predicted classes of a whole data set.
public func predict(_ classifier: Classifier, images: Dataset) throws -> [Int] {
    try classify(classifier, pixels: images.pixels, count: images.count).predictions
}

/// Features (count, F) and predicted classes of images (count, C, H, W) in [-1, 1], in batches.
public func classify(_ classifier: Classifier, pixels: [Float], count: Int, batchSize: Int = 500) throws -> (features: [Float], predictions: [Int]) {
    let shape = classifier.config.imageShape, size = shape.reduce(1, *)
    guard pixels.count == count * size else { throw LatentDiffError.invalidArgument("\(pixels.count) values are not \(count) images of \(shape)") }
    var features: [Float] = [], predictions: [Int] = []
    var start = 0
    while start < count {
        let n = min(batchSize, count - start)
        let images = Tensor(shape: [n] + shape, values: Array(pixels[(start * size)..<((start + n) * size)]))
        let (f, logits) = classifier(images)
        features += f.values
        let k = classifier.config.classCount
        for b in 0..<n {
            var best = 0
            for c in 1..<k where logits.data[b * k + c] > logits.data[b * k + best] { best = c }
            predictions.append(best)
        }
        start += n
    }
    return (features, predictions)
}
