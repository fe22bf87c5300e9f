import ArgumentParser
import LatentDiffCLI
import LatentDiffIO
import LatentDiffKernels
import LatentDiffModels
import LatentDiffPipeline

extension CodecKind: ExpressibleByArgument {}

struct TrainCodecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-codec",
        abstract: "Fit PCA or train a VAE codec on MNIST, CIFAR-10 or a folder of images and write it as a codec file.")

    @OptionGroup var source: DataOptions
    @Option(help: "pca, vae-mlp or vae-cnn.") var codec: CodecKind
    @Option(help: "pca: components; vae-mlp: latent dimension; vae-cnn: latent channels.") var latent: Int?
    @Option(help: "Widths, comma-separated (vae-cnn: one per stage, each halving the image: 32,64 = 4x smaller, 32,64,64 = 8x; vae-mlp: 512,256).") var widths: String?
    @Option(help: "KL weight per latent element (VAEs).") var klWeight: Float = 1e-4
    @Option(help: "Training steps (VAEs).") var steps: Int?
    @Option(help: "Training time in minutes (VAEs).") var minutes: Double?
    @Option(help: "Batch size.") var batchSize = 128
    @Option(help: "Peak learning rate.") var learningRate: Float = 1e-3
    @Option(help: "Random seed (initialization, batches, noise).") var seed: UInt64 = 0
    @Option(help: "Threads.") var threads = 2
    @Option(help: "Weight of the patch-GAN generator term (vae-cnn; 0 = none).") var adversarialWeight: Float = 0
    @Option(help: "When the adversarial term starts, as a fraction in [0, 1] of the steps or minutes.") var adversarialStart: Double = 0.5
    @Option(help: "Width of the patch discriminator (adversarial training).") var discriminatorWidth = 32
    @Option(help: "Seconds between checkpoints (written to OUT.ckpt).") var checkpointSeconds: Double = 60
    @Flag(help: "Continue from OUT.ckpt.") var resume = false
    @Option(help: "Output codec file (.safetensors).") var out: String

    func run() throws {
        try reportingErrors {
            Parallel.threadCount = try validThreads(threads)
            var job = CodecTrainingJob(dataset: try source.kind(output: out), dataDirectory: source.data, codec: codec, outputPath: out)
            job.latentSize = latent
            job.widths = try widths.map(parseIntegerList)
            job.klWeight = klWeight
            // PCA is fitted, not trained; the identity codec is refused by the job.
            job.budget = [.pca, .identity].contains(codec) ? .steps(1) : try TrainingBudget.from(steps: steps, minutes: minutes)
            job.batchSize = batchSize
            job.learningRate = learningRate
            job.seed = seed
            job.adversarial = AdversarialSettings(weight: adversarialWeight, start: adversarialStart, discriminatorWidth: discriminatorWidth)
            job.checkpointSeconds = checkpointSeconds
            job.resume = resume
            try job.run()
        }
    }
}
