import Testing
import LatentDiffKernels
import LatentDiffNN
@testable import LatentDiffModels

/// The convolutional VAE at 2 to 4 stages: each halves the image once more.
@Suite struct ConvVAETests {
    /// (image (C, H, W), stage widths) -> latent shape: 64 x 64 to 8 x 8 with three stages, odd
    /// sizes rounding up on the way down and restored on the way up.
    @Test(arguments: [
        ([3, 64, 64], [16, 32, 32], [4, 8, 8]), ([3, 64, 64], [16, 32], [4, 16, 16]),
        ([1, 28, 28], [8, 16, 16, 16], [4, 2, 2]), ([3, 30, 22], [8, 16, 24], [4, 4, 3]),
    ])
    func latentAndReconstructionShapes(image: [Int], widths: [Int], latent: [Int]) throws {
        let config = CodecConfig(kind: .vaeCNN, imageShape: image, widths: widths)
        try config.validate()
        #expect(config.latentShape == latent && config.downsamplingFactor == 1 << widths.count)
        let store = ParameterStore(seed: 3)
        guard let vae = try makeCodec(config, store: store) as? ConvVAE else { Issue.record("not a ConvVAE"); return }
        let images = Tensor(shape: [2] + image, values: (0..<(2 * image.reduce(1, *))).map { Float($0 % 13) / 6.5 - 1 })
        let (mean, logVariance) = vae.posterior(images)
        #expect(mean.shape == [2] + latent && logVariance.shape == [2] + latent)
        #expect(vae.decode(mean).shape == [2] + image)
        // Training reaches every stage's weights.
        let (loss, _) = vae.loss(images, seed: 1, stream: 0)
        loss.backward()
        for name in ["codec.encoder.down\(widths.count - 1).weight", "codec.decoder.res\(widths.count).conv2.weight"] {
            #expect(store[name]?.gradValues?.contains { $0 != 0 } == true, "\(name)")
        }
    }

    /// Two stages keep the first version's tensor names, so its model files still load.
    @Test func twoStagesKeepTheFirstVersionsNames() throws {
        let store = ParameterStore(seed: 1)
        _ = try makeCodec(CodecConfig(kind: .vaeCNN, imageShape: [1, 28, 28]), store: store)
        let names = Set(store.names)
        for name in ["codec.encoder.res2.conv1.weight", "codec.encoder.down1.weight", "codec.decoder.up1.weight",
                     "codec.decoder.res2.conv2.weight", "codec.encoder.conv_out.weight"] {
            #expect(names.contains(name), "\(name)")
        }
        #expect(!names.contains("codec.encoder.down2.weight") && !names.contains("codec.decoder.res3.conv1.weight"))
        #expect(throws: LatentDiffError.self) {
            try CodecConfig(kind: .vaeCNN, imageShape: [3, 64, 64], widths: [8, 8, 8, 8, 8]).validate()
        }
        #expect(throws: LatentDiffError.self) { try CodecConfig(kind: .vaeCNN, imageShape: [3, 64, 64], widths: [8]).validate() }
    }
}
