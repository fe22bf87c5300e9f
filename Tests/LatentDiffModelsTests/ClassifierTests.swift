import Testing
import LatentDiffIO
import LatentDiffKernels
import LatentDiffNN
@testable import LatentDiffModels

/// The residual classifier (CIFAR-10) and its configuration field `blocks`.
@Suite struct ClassifierTests {
    @Test func blocksRoundTripAndFilesWithoutThemAreThePlainNetwork() throws {
        let config = Classifier.Config(dataset: "cifar10", imageShape: [3, 32, 32], width: 16, blocks: 2, mirrorAverage: true)
        #expect(try Classifier.Config(json: try JSON.parse(config.json.serialized())) == config)

        guard case .object(var fields) = config.json else { Issue.record("configuration is not an object"); return }
        fields.removeAll { $0.key == "blocks" || $0.key == "mirror_average" }   // as written before they existed
        let old = try Classifier.Config(json: .object(fields))
        #expect(old.blocks == 0 && !old.mirrorAverage)
        fields.append((key: "mirror_average", value: .number(1)))
        #expect { try Classifier.Config(json: .object(fields)) } throws: {
            ($0 as? LatentDiffError)?.message.contains("'mirror_average' must be true or false") == true
        }

        for blocks in [-1, 9] {
            var bad = config
            bad.blocks = blocks
            #expect { try Classifier(config: bad, store: ParameterStore(seed: 1)) } throws: {
                ($0 as? LatentDiffError)?.message.contains("blocks must be in 0...8") == true
            }
        }
    }

    /// Each block adds two 3x3 convolutions and two GroupNorms at its stage's width, and the
    /// network still maps (B, C, H, W) to (B, F) features and (B, classes) logits.
    @Test func residualBlocksAddTwoConvolutionsPerStage() throws {
        func parameters(blocks: Int) throws -> (count: Int, classifier: Classifier) {
            let store = ParameterStore(seed: 3)
            let classifier = try Classifier(config: .init(dataset: "cifar10", imageShape: [3, 16, 16], width: 8, features: 12,
                                                          blocks: blocks), store: store)
            return (store.names.reduce(0) { $0 + (store[$1]?.count ?? 0) }, classifier)
        }
        let perStage = { (w: Int) in 2 * (9 * w * w + w) + 2 * 2 * w }     // conv weights + biases, GN gamma + beta
        let plain = try parameters(blocks: 0), residual = try parameters(blocks: 2)
        #expect(residual.count - plain.count == 2 * (perStage(8) + perStage(16) + perStage(32)))

        let images = Tensor(shape: [2, 3, 16, 16], values: (0..<1536).map { Float($0 % 17) / 8 - 1 })
        let (features, logits) = residual.classifier(images)
        #expect(features.shape == [2, 12] && logits.shape == [2, 10])
        #expect(logits.values.allSatisfy { $0.isFinite })
        #expect(logits.values != plain.classifier(images).logits.values)
    }
}
