import LatentDiffIO
import LatentDiffKernels
import LatentDiffModels
import LatentDiffNN

/// `latentdiff train-classifier`: trains the evaluation classifier (for CIFAR-10 with random
/// horizontal flips and shifts of up to 4 pixels, and then predicting from the mean of each
/// image's and its mirror image's logits) and reports its test accuracy.
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
        let train = try Dataset.load(dataset, directory: dataDirectory, split: .train, log: log)
        guard train.classNames.count >= 2 else {
            throw LatentDiffError.invalidArgument("'\(dataDirectory)' has \(train.classNames.count) classes: a classifier needs labelled images of 2 or more")
        }
        let test = try Dataset.load(dataset, directory: dataDirectory, split: .test)
        let flips = dataset.flipAugmentation
        let config = Classifier.Config(dataset: dataset.name, imageShape: [train.channels, train.height, train.width],
                                       width: width, classCount: train.classNames.count, blocks: blocks, mirrorAverage: flips)
        let store = ParameterStore(seed: seed)
        let classifier = try Classifier(config: config, store: store)
        let loop = TrainingLoop(store: store, settings: .init(learningRate: learningRate, warmupSteps: 100, weightDecay: 5e-4,
                                                              checkpointSeconds: .infinity))
        let batches = try StepBatches(dataset: train, batchSize: batchSize, seed: seed, flip: flips, maxShift: flips ? 4 : 0)
        let shape = [batchSize, train.channels, train.height, train.width]
        try loop.run(budget: budget, title: "train-classifier", unitsPerStep: batchSize, unit: "img", lossPlot: outputPath + ".loss.png",
                     loss: { step in
                         let batch = try batches.batch(step: step)
                         return crossEntropyWithLogits(classifier(Tensor(shape: shape, values: batch.pixels)).logits,
                                                       labels: batch.labels.map { Int($0) })
                     },
                     save: { _ in })
        let inference = try Classifier(config: config, store: ParameterStore(tensors: store.tensorsByName, requiresGrad: false))
        let accuracy = try testAccuracy(inference, test: test, log: log)
        try ClassifierFile.write(inference, testAccuracy: accuracy, path: outputPath)
        log("wrote \(outputPath)")
        return accuracy
    }
}

/// The fraction of `test` the classifier gets right, logged (with the single-image accuracy too
/// when it averages mirror images).
@discardableResult
public func testAccuracy(_ classifier: Classifier, test: Dataset, log: (String) -> Void = { print($0) }) throws -> Double {
    func accuracy(mirrorAverage: Bool) throws -> (fraction: Double, correct: Int) {
        agreement(try classify(classifier, pixels: test.allPixels(), count: test.count, mirrorAverage: mirrorAverage).predictions, test.labels)
    }
    let result = try accuracy(mirrorAverage: classifier.config.mirrorAverage)
    var line = "test accuracy: \(format(result.fraction * 100, digits: 2))% (\(result.correct)/\(test.count))"
    if classifier.config.mirrorAverage {
        line += " averaging each image with its mirror image; single images \(format(try accuracy(mirrorAverage: false).fraction * 100, digits: 2))%"
    }
    log(line)
    return result.fraction
}

/// How many predictions equal their labels, and their fraction (0 for no predictions).
public func agreement<Label: BinaryInteger>(_ predictions: [Int], _ labels: [Label]) -> (fraction: Double, correct: Int) {
    let correct = zip(predictions, labels).filter { $0 == Int($1) }.count
    return (predictions.isEmpty ? 0 : Double(correct) / Double(predictions.count), correct)
}

/// Features (count, F) and predicted classes of images (count, C, H, W) in [-1, 1], in batches;
/// with the configuration's `mirrorAverage` (or `mirrorAverage` here), the features and logits
/// are the means of each image's and its mirror image's.
public func classify(_ classifier: Classifier, pixels: [Float], count: Int, batchSize: Int = 500,
                     mirrorAverage: Bool? = nil) throws -> (features: [Float], predictions: [Int]) {
    let shape = classifier.config.imageShape, size = shape.reduce(1, *)
    guard pixels.count == count * size else { throw LatentDiffError.invalidArgument("\(pixels.count) values are not \(count) images of \(shape)") }
    let mirrored = mirrorAverage ?? classifier.config.mirrorAverage
    var features: [Float] = [], predictions: [Int] = []
    var start = 0
    while start < count {
        let n = min(batchSize, count - start)
        let batch = Array(pixels[(start * size)..<((start + n) * size)])
        var (f, logits) = classifier(Tensor(shape: [n] + shape, values: batch))
        if mirrored {
            let (mf, ml) = classifier(Tensor(shape: [n] + shape, values: mirrorRows(batch, width: shape[2])))
            (f, logits) = (multiply(add(f, mf), 0.5), multiply(add(logits, ml), 0.5))
        }
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

/// Images (..., W) with every row of W values reversed: the left-right mirror images.
private func mirrorRows(_ values: [Float], width: Int) -> [Float] {
    var out = values
    for row in stride(from: 0, to: values.count, by: width) {
        for x in 0..<width { out[row + x] = values[row + width - 1 - x] }
    }
    return out
}
