import LatentDiffDiffusion
import LatentDiffKernels
import LatentDiffModels
import LatentDiffNN
import LatentDiffPipeline

// The workloads of benchmarks/README.md, on the project's default models with random weights and
// random inputs: images uniform in [-1, 1], latents standard normal, labels uniform in 0..<10.

extension Benchmark {
    static let all: [Benchmark] = [
        resBlocks(channels: 96, side: 8), resBlocks(channels: 48, side: 16),
        vaeTraining("vae-train-mnist", imageShape: [1, 28, 28]),
        vaeTraining("vae-train-cifar10", imageShape: [3, 32, 32]),
        diffusionTraining("unet-train-mnist", .latents, shape: [4, 7, 7]),
        diffusionTraining("unet-train-cifar10", .latents, shape: [4, 8, 8]),
        denoisingStep("unet-step-64", count: 64),
        generation("ddim50-64-mnist", .images, SamplerSettings(kind: .ddim, steps: 50), count: 64),
        generation("dpm20-1-mnist", .milliseconds, SamplerSettings(kind: .dpmSolver, steps: 20), count: 1),
        diffusionTraining("pixel-train-cifar10", .images, shape: [3, 32, 32]),
        // 64x64 RGB through a codec of downsampling factor 8 (4x8x8 latents, what train-all picks)
        // or 4 (4x16x16): codec training, U-Net training on the 16x16 latents (8x8: unet-train-cifar10),
        // and one image sampled (DPM-Solver++ 20 steps) and decoded.
        vaeTraining("vae-train-64-f8", imageShape: [3, 64, 64], widths: [32, 64, 64]),
        vaeTraining("vae-train-64-f4", imageShape: [3, 64, 64], widths: [32, 64]),
        diffusionTraining("unet-train-64-f4", .latents, shape: [4, 16, 16]),
        generation("dpm20-1-64-f8", .milliseconds, SamplerSettings(kind: .dpmSolver, steps: 20), count: 1,
                   imageShape: [3, 64, 64], widths: [32, 64, 64]),
        generation("dpm20-1-64-f4", .milliseconds, SamplerSettings(kind: .dpmSolver, steps: 20), count: 1,
                   imageShape: [3, 64, 64], widths: [32, 64]),
    ]

    static let classCount = 10

    /// A stack of 4 ResBlocks (8 groups) at C channels on side x side maps: forward, backward of
    /// mean(h^2), in-place SGD.
    static func resBlocks(channels: Int, side: Int) -> Benchmark {
        Benchmark(name: "resblocks-\(channels)x\(side)x\(side)", unit: .milliseconds, flopFactor: 3) { _, batch in
            let store = ParameterStore(seed: 1)
            let stack = try (0..<4).map {
                try ResBlock(store, "blocks.\($0)", inChannels: channels, outChannels: channels, groups: 8)
            }
            let x = randomTensor([batch, channels, side, side], normal: true)
            return {
                var h = x
                for block in stack { h = block(h) }
                mean(multiply(h, h)).backward()
                for p in store.parameters {
                    let g = p.gradBuffer()
                    for i in 0..<p.count { p.data[i] -= 1e-3 * g[i] }
                    p.zeroGrad()
                }
            }
        }
    }

    /// A conv VAE training step on a batch of images: MSE + KL, backward, clip, AdamW.
    static func vaeTraining(_ name: String, imageShape: [Int], widths: [Int]? = nil) -> Benchmark {
        Benchmark(name: name, unit: .images, flopFactor: 3) { _, trainingBatch in
            let store = ParameterStore(seed: 1)
            guard let vae = try makeCodec(CodecConfig(kind: .vaeCNN, imageShape: imageShape, widths: widths), store: store)
                as? VariationalCodec else { throw LatentDiffError(.internalError, "vae-cnn is not variational") }
            let images = randomTensor([trainingBatch] + imageShape, normal: false)
            let loop = trainingLoop(store)
            return { try loop.update(loss: vae.loss(images, seed: 3, stream: UInt64(loop.step)).loss) }
        }
    }

    /// A class-conditional U-Net training step on a batch (latents, or pixels for the pixel-space
    /// U-Net): epsilon loss at random t, backward, clip, AdamW.
    static func diffusionTraining(_ name: String, _ unit: Unit, shape: [Int]) -> Benchmark {
        Benchmark(name: name, unit: unit, flopFactor: 3) { _, trainingBatch in
            let store = ParameterStore(seed: 1)
            let denoiser = try makeDenoiser(
                DenoiserConfig(kind: .unet, inputShape: shape, classCount: classCount), store: store)
            let x0 = randomTensor([trainingBatch] + shape, normal: unit == .latents)
            let labels = randomLabels(trainingBatch)
            let loss = DiffusionLoss(schedule: try NoiseSchedule(kind: .linear), prediction: .epsilon)
            let loop = trainingLoop(store)
            return { try loop.update(loss: loss(denoiser: denoiser, x0: x0, labels: labels, seed: 3, step: loop.step)) }
        }
    }

    /// One denoising step (one DDIM step from t = 999, guidance 1) for `count` CIFAR-10 latents
    /// (4, 8, 8), evaluated in batches as the sampler does (one per thread).
    static func denoisingStep(_ name: String, count: Int) -> Benchmark {
        Benchmark(name: name, unit: .milliseconds, items: count, flopFactor: 1) { threads, _ in
            let model = try randomModel(imageShape: [3, 32, 32])
            let labels = randomLabels(count)
            return {
                _ = try model.sampleLatents(settings: SamplerSettings(kind: .ddim, steps: 1), seed: 5,
                                            labels: labels, threads: threads)
            }
        }
    }

    /// `count` images (MNIST's by default: latents (4, 7, 7)): sampling of latents with `settings`,
    /// then conv VAE decoding.
    static func generation(_ name: String, _ unit: Unit, _ settings: SamplerSettings, count: Int,
                           imageShape: [Int] = [1, 28, 28], widths: [Int]? = nil) -> Benchmark {
        Benchmark(name: name, unit: unit, items: count, flopFactor: 1) { threads, _ in
            let model = try randomModel(imageShape: imageShape, widths: widths)
            let labels = randomLabels(count)
            return { _ = try Generation(model: model, settings: settings, seed: 5, labels: labels, threads: threads) }
        }
    }

    /// A conv VAE + class-conditional latent U-Net with freshly initialized weights.
    static func randomModel(imageShape: [Int], widths: [Int]? = nil) throws -> DiffusionModel {
        let codec = CodecConfig(kind: .vaeCNN, imageShape: imageShape, widths: widths)
        let denoiser = DenoiserConfig(kind: .unet, inputShape: codec.latentShape, classCount: classCount)
        let config = ModelConfig(dataset: imageShape[0] == 1 ? "mnist" : "cifar10", codec: codec, denoiser: denoiser)
        let store = ParameterStore(seed: 1, requiresGrad: false)
        _ = try makeCodec(codec, store: store)
        _ = try makeDenoiser(denoiser, store: store)
        return try DiffusionModel(file: ModelFile(config: config, tensors: namedTensors(store)))
    }

    /// The training loop's step (lr 2e-4, clipping at 1, no EMA: the PyTorch side has none).
    static func trainingLoop(_ store: ParameterStore) -> TrainingLoop {
        TrainingLoop(store: store, settings: .init(learningRate: 2e-4, warmupSteps: 0))
    }

    static func randomTensor(_ shape: [Int], normal: Bool) -> Tensor {
        let x = Tensor(zeros: shape)
        let philox = Philox(seed: 2)
        if normal {
            philox.fillNormals(x.data, count: x.count, stream: 0)
        } else {
            philox.fillUniforms(x.data, count: x.count, stream: 0)
            for i in 0..<x.count { x.data[i] = 2 * x.data[i] - 1 }
        }
        return x
    }

    static func randomLabels(_ count: Int) -> [Int] {
        (0..<count).map { Int(Philox(seed: 4).uniforms(stream: 0, index: UInt64($0)).0 * Float(classCount)) }
    }
}
