import Testing
import LatentDiffKernels
import LatentDiffNN
@testable import LatentDiffModels

/// Configurations that passed validation (or were never validated) and then trapped while the
/// network was built or run.
@Suite struct ConfigValidationTests {
    /// U-Net widths (8, 104) passed validation but gave 104 channels 3 attention heads, and the
    /// first forward pass trapped (from a model file, the host process died). Such a
    /// configuration is now refused; one whose width splits evenly runs.
    @Test func uNetWidthMustSplitIntoItsAttentionHeads() throws {
        let bad = DenoiserConfig(kind: .unet, inputShape: [1, 4, 4], widths: [8, 104])
        #expect { try bad.validate() } throws: { ($0 as? LatentDiffError)?.message.contains("3 attention heads") == true }
        try DenoiserConfig(kind: .unet, inputShape: [1, 4, 4], widths: [8, 104], attention: false).validate()
        let good = DenoiserConfig(kind: .unet, inputShape: [1, 4, 4], widths: [8, 96])
        #expect(good.attentionHeads == 3)
        let unet = try makeDenoiser(good, store: ParameterStore(seed: 1))
        let y = unet(Tensor(zeros: [1, 1, 4, 4]), timesteps: [3], labels: [-1], dropout: nil)
        #expect(y.shape == [1, 1, 4, 4])
    }

    /// `train-classifier --width 7` (or 0) built a GroupNorm of 8 groups over 7 channels and
    /// trapped; `--width 1000000` aborted allocating. Only a file's configuration was validated.
    @Test(arguments: [0, 7, 1_000_000])
    func classifierWidthIsValidatedBeforeBuilding(width: Int) {
        let config = Classifier.Config(dataset: "mnist", imageShape: [1, 28, 28], width: width)
        #expect { try Classifier(config: config, store: ParameterStore(seed: 1)) } throws: {
            ($0 as? LatentDiffError)?.message.contains("width must be a multiple of 8 in 8...512") == true
        }
    }
}
