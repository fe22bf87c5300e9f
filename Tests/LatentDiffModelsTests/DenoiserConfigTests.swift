import Testing
import LatentDiffKernels
import LatentDiffNN
@testable import LatentDiffModels

@Suite struct DenoiserConfigTests {
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
}
