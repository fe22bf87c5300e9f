import Testing
import LatentDiffKernels
import LatentDiffModels
import LatentDiffNN

/// The patch discriminator: one logit per patch, its own parameter names, its argument checks.
@Suite struct PatchDiscriminatorTests {
    @Test(arguments: [([3, 32, 32], 4, [2, 1, 8, 8]), ([1, 28, 28], 3, [2, 1, 7, 7]), ([3, 16, 12], 1, [2, 1, 4, 3])])
    func logitsArePerPatch(imageShape: [Int], width: Int, expected: [Int]) throws {
        let store = ParameterStore(seed: 1)
        let discriminator = try PatchDiscriminator(imageShape: imageShape, width: width, store: store)
        let images = Tensor(shape: [2] + imageShape, repeating: 0.5)
        #expect(discriminator(images).shape == expected)
        #expect(store.names.allSatisfy { $0.hasPrefix("discriminator.") }, "\(store.names)")
        #expect(store.names.count == 8, "three convolutions and a group norm, each with weight and bias")
    }

    @Test func badWidthsAndTinyImagesAreRefused() {
        #expect(throws: LatentDiffError.self) { try PatchDiscriminator(imageShape: [3, 32, 32], width: 0, store: ParameterStore(seed: 1)) }
        #expect(throws: LatentDiffError.self) { try PatchDiscriminator(imageShape: [3, 3, 32], width: 4, store: ParameterStore(seed: 1)) }
    }
}
