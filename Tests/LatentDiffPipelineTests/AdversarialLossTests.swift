import Testing
import LatentDiffKernels
import LatentDiffNN
import LatentDiffPipeline

/// The adversarial term's math on hand-computed cases: hinge losses and the adaptive weight.
@Suite struct AdversarialLossTests {
    @Test func hingeLossesAndTheirGradients() {
        let real = Tensor(shape: [4], values: [2, 0.5, -1, 0], requiresGrad: true)
        let fake = Tensor(shape: [4], values: [-2, 0, 0.5, -0.5], requiresGrad: true)
        // relu(1 - real) = (0, 0.5, 2, 1), relu(1 + fake) = (0, 1, 1.5, 0.5): 0.875 + 0.75
        let loss = discriminatorHingeLoss(real: real, fake: fake)
        #expect(loss.scalar == 1.625)
        loss.backward()
        #expect(real.gradValues == [0, -0.25, -0.25, -0.25])
        #expect(fake.gradValues == [0, 0.25, 0.25, 0.25])

        let logits = Tensor(shape: [4], values: [-2, 0, 0.5, -0.5], requiresGrad: true)
        let generator = generatorLoss(fake: logits)
        #expect(generator.scalar == 0.5)
        generator.backward()
        #expect(logits.gradValues == [-0.25, -0.25, -0.25, -0.25])
    }

    /// A 1x1 convolution x = w f, f = (1, 2), w = 0.5, target t = (1, 0):
    /// L_rec = mean((x - t)^2), dL_rec/dw = mean(2 (x - t) f) = (-1 + 4) / 2 = 1.5;
    /// L_G = -s mean(x), dL_G/dw = -s mean(f) = -1.5 s.
    @Test func adaptiveWeightOnAHandComputedCase() throws {
        let store = ParameterStore(seed: 0)
        let layer = try Conv2d(store, "out", inChannels: 1, outChannels: 1, kernel: 1, bias: false)
        layer.weight.data[0] = 0.5
        let features = Tensor(shape: [1, 1, 1, 2], values: [1, 2], requiresGrad: true)
        let target = Tensor(shape: [1, 1, 1, 2], values: [1, 0])
        func lambda(scale: Float) -> Float {
            adaptiveAdversarialWeight(layer: layer, features: features, reconstructionLoss: { mseLoss($0, target) },
                                      generatorLoss: { multiply(mean($0), -scale) })
        }
        #expect(abs(lambda(scale: 1) - 1.5 / (1.5 + 1e-4)) < 1e-6)
        #expect(abs(lambda(scale: 3) - 1.5 / (4.5 + 1e-4)) < 1e-6)
        #expect(lambda(scale: 1e-9) == 1e4, "1.5 / (1.5e-9 + 1e-4) is clamped")
        // Neither the layer's own weight nor the (recorded) features got a gradient.
        #expect(layer.weight.grad == nil && features.grad == nil)
    }
}
