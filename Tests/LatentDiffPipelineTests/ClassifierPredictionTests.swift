import Testing
import LatentDiffIO
import LatentDiffModels
import LatentDiffNN
import LatentDiffPipeline

/// `classify` with mirror averaging: the features and logits are the means of the image's and
/// its left-right mirror image's, so predictions do not change when the input is mirrored.
@Suite struct ClassifierPredictionTests {
    let classifier: Classifier
    let images: [Float]                 // (4, 3, 16, 16)
    let mirrored: [Float]

    init() throws {
        classifier = try Classifier(config: .init(dataset: "cifar10", imageShape: [3, 16, 16], width: 8, features: 6, blocks: 1),
                                    store: ParameterStore(seed: 11))
        let values: [Float] = (0..<(4 * 768)).map { (i: Int) -> Float in Float((i * 7919) % 255) / 127.5 - 1 }
        images = values
        mirrored = (0..<values.count).map { (i: Int) -> Float in
            let rowStart = i - i % 16
            return values[rowStart + 15 - i % 16]
        }
    }

    @Test func mirrorAverageIsTheMeanOfBothImagesFeatures() throws {
        let plain = try classify(classifier, pixels: images, count: 4, mirrorAverage: false)
        let flipped = try classify(classifier, pixels: mirrored, count: 4, mirrorAverage: false)
        let averaged = try classify(classifier, pixels: images, count: 4, batchSize: 3, mirrorAverage: true)
        #expect(plain.features != flipped.features)
        for i in 0..<averaged.features.count {
            #expect(abs(averaged.features[i] - (plain.features[i] + flipped.features[i]) / 2) <= 1e-5)
        }
        // The mirror images get the same features and predictions.
        let averagedMirror = try classify(classifier, pixels: mirrored, count: 4, mirrorAverage: true)
        #expect(averagedMirror.predictions == averaged.predictions)
        for i in 0..<averaged.features.count { #expect(abs(averagedMirror.features[i] - averaged.features[i]) <= 1e-5) }
        // Without an argument, the configuration decides (false here).
        #expect(try classify(classifier, pixels: images, count: 4).features == plain.features)
    }
}
